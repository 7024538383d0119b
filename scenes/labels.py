"""A scene's name as people read it: "work_study" -> "Work & study", never the slug."""
from __future__ import annotations

# Scenes whose name is not just their slug with spaces.
DISPLAY_NAMES = {"work_study": "Work & study"}


def scene_display_name(scene: str) -> str:
    """The scene's name for a heading or a list: capitalised, "Work & study" for work_study."""
    return DISPLAY_NAMES.get(scene, scene.replace("_", " ").capitalize())


def scene_in_sentence(scene: str) -> str:
    """The scene's name inside a sentence: "work & study", "street"."""
    return scene_display_name(scene).lower()
