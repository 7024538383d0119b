"""The landing page: what the product does in one glance, its scenes in their colours."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ml.scenes import SCENES


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html", {"scenes": list(SCENES)})
