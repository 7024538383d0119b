"""The clip lengths we accept, said the same way on every page, from the settings."""
from __future__ import annotations

from django import template
from django.conf import settings

register = template.Library()


def _seconds(value: float) -> str:
    return f"{value:g}"


@register.simple_tag
def clip_lengths() -> str:
    """ "1 to 120 seconds": SCENES_MIN_DURATION_S to SCENES_MAX_DURATION_S."""
    return f"{_seconds(settings.SCENES_MIN_DURATION_S)} to {_seconds(settings.SCENES_MAX_DURATION_S)} seconds"
