from __future__ import annotations

from django.apps import AppConfig


class SoundscapifyConfig(AppConfig):
    """The project package as an app: only for checks that belong to no feature app."""

    name = "soundscapify"

    def ready(self) -> None:
        from soundscapify import checks  # noqa: F401 - registers the system checks
