"""The landing page: what the product does in one glance, its scenes in their colours."""
from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ml.scenes import SCENES


def home(request: HttpRequest) -> HttpResponse:
    context = {
        "scenes": list(SCENES),
        # Said from the settings the upload checks against, so the page never promises another length.
        "min_duration_s": settings.SCENES_MIN_DURATION_S,
        "max_duration_s": settings.SCENES_MAX_DURATION_S,
    }
    return render(request, "home.html", context)
