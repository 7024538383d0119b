"""Live mode's hysteresis: the held scene follows the snippets only when they agree.

Pure functions, no database: scenes/services/live.py feeds them the session's snippets.
"""
from __future__ import annotations

from collections.abc import Sequence


def held_scene(*, current: str, recent: Sequence[str], hold: int) -> str:
    """The session's scene after the snippets' top scenes `recent` (oldest first, the newest last).

    The first result sets the scene at once (there is nothing to hold). After that the scene
    changes only when the last `hold` snippets all name the same other scene: one odd
    snippet (a passing bus in a park) changes nothing. Failed snippets are left out of
    `recent` by the caller; they neither confirm nor break a run.
    """
    if not recent:
        return current
    if not current:
        return recent[-1]
    hold = max(1, hold)
    tail = recent[-hold:]
    candidate = tail[-1]
    if candidate != current and len(tail) == hold and all(scene == candidate for scene in tail):
        return candidate
    return current
