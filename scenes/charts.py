"""The timeline as an inline SVG drawn on the server: no chart library, no script.

Geometry only; templates/scenes/partials/timeline_chart.html draws it. The drawing is
VIEW_WIDTH x VIEW_HEIGHT units stretched to the page's width (preserveAspectRatio="none"),
so it holds no text: the time axis and the legend are HTML beside it.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

VIEW_WIDTH = 1000.0
VIEW_HEIGHT = 100.0
# The strip on top shows the leading scene; the stacked columns below it show the mixture.
STRIP_HEIGHT = 14.0
STRIP_GAP = 4.0
# Scenes that never reach this share of any window are drawn together as "other".
MIN_SCENE_SHARE = 0.05
OTHER = "other"
TICK_STEPS_S = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600)
MAX_TICKS = 6


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    scene: str
    share: float


@dataclass(frozen=True)
class Column:
    start_s: float
    end_s: float
    top_scene: str
    rects: list[Rect]


@dataclass(frozen=True)
class Tick:
    seconds: float
    left_percent: float
    end: bool = False  # the clip's length, set against the right edge


@dataclass(frozen=True)
class TimelineChart:
    columns: list[Column]
    strip: list[Rect]  # one per segment: the scene leading that stretch
    scenes: list[str]  # the legend, in stacking order (bottom first)
    ticks: list[Tick]
    duration_s: float
    view_width: float = VIEW_WIDTH
    view_height: float = VIEW_HEIGHT


def timeline_chart(
    timeline: Sequence[Mapping[str, Any]], segments: Sequence[Mapping[str, Any]], order: Sequence[str]
) -> TimelineChart | None:
    """The chart of a result's windows; None when there is no timeline to draw.

    `order` is the scenes likeliest first (the probabilities chart's order): the likeliest
    stacks at the bottom of every column, so the same colour sits in the same place.
    """
    if not timeline:
        return None
    duration = float(timeline[-1]["end_s"]) or 1.0
    drawn = _drawn_scenes(timeline, order)
    columns = [
        _column(window, _column_end(timeline, index), duration, drawn) for index, window in enumerate(timeline)
    ]
    strip = [
        Rect(x=_x(s["start_s"], duration), y=0.0, width=_x(s["end_s"], duration) - _x(s["start_s"], duration),
             height=STRIP_HEIGHT, scene=s["scene"], share=float(s["probability"]))
        for s in segments
    ]
    legend = [scene for scene in drawn if any(r.scene == scene for c in columns for r in c.rects)]
    if any(r.scene == OTHER for c in columns for r in c.rects):
        legend.append(OTHER)
    return TimelineChart(columns=columns, strip=strip, scenes=legend, ticks=time_ticks(duration), duration_s=duration)


def time_ticks(duration_s: float) -> list[Tick]:
    """Round times along the axis (at most MAX_TICKS, 0:00 first), then the clip's length at the end.

    A round time too close to the end would run into the length's label, so it is left out.
    """
    step = next((s for s in TICK_STEPS_S if duration_s / s <= MAX_TICKS), TICK_STEPS_S[-1])
    round_times = [float(i * step) for i in range(int(duration_s // step) + 1)]
    ticks = [Tick(seconds=t, left_percent=round(100.0 * t / duration_s, 2)) for t in round_times if t == 0 or t / duration_s <= 0.85]
    return [*ticks, Tick(seconds=duration_s, left_percent=100.0, end=True)]


def _drawn_scenes(timeline: Sequence[Mapping[str, Any]], order: Sequence[str]) -> list[str]:
    """Scenes worth a colour of their own: those reaching MIN_SCENE_SHARE in some window."""
    peak: dict[str, float] = {}
    for window in timeline:
        total = sum(float(p) for p in window["scenes"].values()) or 1.0
        for scene, p in window["scenes"].items():
            peak[scene] = max(peak.get(scene, 0.0), float(p) / total)
    ranked = [scene for scene in order if scene in peak] + sorted(set(peak) - set(order))
    return [scene for scene in ranked if peak[scene] >= MIN_SCENE_SHARE]


def _column_end(timeline: Sequence[Mapping[str, Any]], index: int) -> float:
    # Windows overlap (5 s every 2.5 s): each is drawn until the next one starts.
    return float(timeline[index + 1]["start_s"] if index + 1 < len(timeline) else timeline[index]["end_s"])


def _column(window: Mapping[str, Any], end_s: float, duration: float, drawn: Sequence[str]) -> Column:
    scenes = window["scenes"]
    total = sum(float(p) for p in scenes.values()) or 1.0
    shares = [(scene, float(scenes.get(scene, 0.0)) / total) for scene in drawn]
    other = max(0.0, 1.0 - sum(share for _, share in shares))
    x, width = _x(window["start_s"], duration), _x(end_s, duration) - _x(window["start_s"], duration)
    rects, bottom = [], VIEW_HEIGHT
    area = VIEW_HEIGHT - STRIP_HEIGHT - STRIP_GAP
    for scene, share in [*shares, (OTHER, other)]:
        height = round(share * area, 3)
        if height < 0.05:
            continue
        bottom -= height
        rects.append(Rect(x=x, y=round(bottom, 3), width=width, height=height, scene=scene, share=share))
    return Column(start_s=float(window["start_s"]), end_s=end_s, top_scene=window["top_scene"], rects=rects)


def _x(seconds: float, duration: float) -> float:
    return round(VIEW_WIDTH * min(float(seconds), duration) / duration, 3)
