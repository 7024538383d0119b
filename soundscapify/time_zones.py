"""IANA time-zone names sent by browsers and apps: the user's local time picks the energy band."""
from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MAX_LENGTH = 64  # the longest IANA name is 32 characters; room for future ones


def is_known_time_zone(name: str) -> bool:
    if not name or len(name) > MAX_LENGTH:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):  # ValueError: a path-like or malformed key
        return False
    return True


def known_time_zone_or_blank(name: str | None) -> str:
    """`name` when it is a zone we know, else "" (which means the site's zone)."""
    name = (name or "").strip()
    return name if is_known_time_zone(name) else ""
