"""Site-wide views that belong to no app."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.templatetags.static import static


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """Browsers ask for /favicon.ico on pages that name no icon (the admin's).

    The static URL is looked up per request, not when the URLconf loads: in production it
    comes from collectstatic's manifest, which `check --deploy` and migrations run without.
    """
    return HttpResponsePermanentRedirect(static("favicon.svg"))
