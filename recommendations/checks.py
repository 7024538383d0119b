"""System checks: a broken time-of-day rule should stop start-up, not the first recommendation."""
from __future__ import annotations

from typing import Any

from django.core.checks import Error, register

from recommendations import conf
from recommendations.criteria import BANDS


@register()
def check_energy_band_rule(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    rule = conf.get("RECOMMENDATIONS_ENERGY_BANDS")
    try:
        hours = [int(hour) for hour, _ in rule]
        bands = [band for _, band in rule]
    except (TypeError, ValueError):
        return [Error("RECOMMENDATIONS_ENERGY_BANDS must be a list of (start hour, band).", id="recommendations.E001")]
    if not rule or any(not 0 <= h <= 23 for h in hours) or len(set(hours)) != len(hours) or set(bands) - set(BANDS):
        return [Error(
            "RECOMMENDATIONS_ENERGY_BANDS needs distinct start hours 0-23 and bands among low, mid, high.",
            hint=f"Got {rule!r}.", id="recommendations.E001",
        )]
    return []
