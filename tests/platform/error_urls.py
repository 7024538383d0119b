"""URLconf for the error-page tests: the project's URLs plus views that fail."""
from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path

from soundscapify.urls import handler400, handler403, handler404, handler500  # noqa: F401
from soundscapify.urls import urlpatterns as project_urlpatterns


def broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug")


def missing(request: HttpRequest) -> HttpResponse:
    raise Http404("no such thing")


urlpatterns = [
    path("probe/broken/", broken),
    path("probe/missing/", missing),
    path("api/v1/probe/broken/", broken),
    *project_urlpatterns,
]
