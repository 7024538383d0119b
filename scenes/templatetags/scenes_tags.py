"""How scenes read on a page: "work_study" -> "Work & study", with its description."""
from __future__ import annotations

from django import template

from ml.scenes import SCENES
from scenes.labels import scene_display_name

register = template.Library()


@register.filter
def scene_label(scene: str) -> str:
    return scene_display_name(scene)


@register.filter
def scene_description(scene: str) -> str:
    return SCENES.get(scene, "")


@register.filter
def scene_colour(scene: str) -> str:
    """The CSS colour of a scene (site.css defines one per scene), grey for anything else."""
    return f"var(--scene-{scene if scene in SCENES else 'other'})"


@register.filter
def percent(probability: float) -> str:
    """0.8123 -> "81%"; the bars' widths and the numbers beside them agree."""
    return f"{round(float(probability) * 100)}%"


@register.filter
def clock(seconds: float) -> str:
    """75.0 -> "1:15"."""
    whole = int(round(float(seconds)))
    return f"{whole // 60}:{whole % 60:02d}"
