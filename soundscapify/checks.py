"""System checks of the deployment as a whole (registered by soundscapify.apps)."""
from __future__ import annotations

from typing import Any

from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core.checks import Error, Tags, register


@register(Tags.staticfiles, deploy=True)
def check_static_manifest(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """Production's manifest storage answers every page with a 500 until collectstatic has
    written its manifest: `check --deploy` must say so before the server starts."""
    if not isinstance(staticfiles_storage, ManifestFilesMixin):
        return []
    if staticfiles_storage.manifest_storage.exists(staticfiles_storage.manifest_name):
        return []
    return [Error(
        f"No static files manifest ({staticfiles_storage.manifest_name}) in STATIC_ROOT: every page would answer 500.",
        hint="Run `python manage.py collectstatic --noinput` (the Docker image does it when it is built).",
        id="soundscapify.E001",
    )]
