"""How a recommendation reads on a page, in the same words as its songs' reasons."""
from __future__ import annotations

from django import template

from recommendations import reasons

register = template.Library()


@register.filter
def band_phrase(band: str) -> str:
    """"high" -> "the lively end of the scene's energy" (the reasons say "lively energy")."""
    return reasons.band_phrase(band)
