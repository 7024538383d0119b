"""What a result says, the same on every page: the scene shares, and a headline that agrees
with the timeline ("Mostly street, then transit")."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scenes.labels import scene_display_name, scene_in_sentence

# A scene that holds less of the clip than this is a passing sound, not a change of scene.
MIN_STORY_SHARE = 0.15
# Below this a probability reads "0%" (see the `percent` filter).
MIN_SHOWN = 0.005


@dataclass(frozen=True)
class SceneShare:
    scene: str
    probability: float


@dataclass(frozen=True)
class Headline:
    text: str
    scenes: tuple[str, ...]  # the scenes it names, in the order it names them
    personal: bool = False  # the user's own examples, not the timeline, made the scene

    @property
    def mixed(self) -> bool:
        return len(self.scenes) > 1


def scene_shares(probabilities: Mapping[str, float]) -> list[SceneShare]:
    """The scenes likeliest first (ties by name), as both the result and the songs page chart them.

    Scenes that would read "0%" are left out: ten rows of nothing hide the two that matter.
    """
    ordered = sorted(probabilities.items(), key=lambda item: (-float(item[1]), item[0]))
    return [SceneShare(scene=scene, probability=float(p)) for scene, p in ordered if float(p) >= MIN_SHOWN]


def headline(segments: Sequence[Mapping[str, Any]], top_scene: str) -> Headline:
    """One sentence for the whole clip that the timeline bears out.

    `segments` are `selectors.timeline_segments`; without a change of scene in them (or
    without a timeline) the clip's top scene speaks: "It sounds like Rain".
    """
    shares = _time_shares(segments)
    story = [s for s in segments if shares.get(s["scene"], 0.0) >= MIN_STORY_SHARE]
    if not story:
        return Headline(text=f"It sounds like {scene_display_name(top_scene)}", scenes=(top_scene,))
    scenes_told = {s["scene"] for s in story}
    if len(scenes_told) == 1:
        (only,) = scenes_told
        told_alone = len(shares) == 1
        text = f"It sounds like {scene_display_name(only)}" if told_alone else f"Mostly {scene_in_sentence(only)}"
        return Headline(text=text, scenes=(only,))
    return _changing(story[0]["scene"], story[-1]["scene"], shares)


def personal_headline(personal: Mapping[str, Any], top_scene: str) -> Headline | None:
    """"It sounds like your home" when the user's examples made the result's top scene, else None.

    The timeline is the model's and may tell another story: the examples outweigh it here.
    """
    scene = personal.get("scene")
    if not scene or scene != top_scene:
        return None
    return Headline(text=f"It sounds like your {scene_in_sentence(scene)}", scenes=(scene,), personal=True)


def _changing(first: str, last: str, shares: Mapping[str, float]) -> Headline:
    dominant = max(shares, key=lambda scene: (shares[scene], scene == first))
    name = scene_in_sentence
    if first != last:
        if dominant == first:
            return _said(f"Mostly {name(first)}, then {name(last)}", first, last)
        if dominant == last:
            return _said(f"{name(first)}, then mostly {name(last)}", first, last)
        return _said(f"{name(first)}, then mostly {name(dominant)}, then {name(last)}", first, dominant, last)
    if dominant == first:
        runner_up = max((scene for scene in shares if scene != first), key=lambda scene: shares[scene])
        return _said(f"Mostly {name(first)}, with some {name(runner_up)}", first, runner_up)
    return _said(f"Mostly {name(dominant)}, with {name(first)} before and after", dominant, first)


def _said(text: str, *scenes: str) -> Headline:
    return Headline(text=text[:1].upper() + text[1:], scenes=scenes)


def _time_shares(segments: Sequence[Mapping[str, Any]]) -> dict[str, float]:
    """Each scene's share of the clip's time, from the segments it leads."""
    seconds: dict[str, float] = {}
    for segment in segments:
        length = max(0.0, float(segment["end_s"]) - float(segment["start_s"]))
        seconds[segment["scene"]] = seconds.get(segment["scene"], 0.0) + length
    total = sum(seconds.values())
    return {scene: s / total for scene, s in seconds.items()} if total > 0 else {}
