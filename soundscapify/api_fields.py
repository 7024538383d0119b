"""API fields that several apps share, so that one thing has one name and one rule everywhere."""
from __future__ import annotations

from typing import Any

from rest_framework import serializers

from soundscapify.time_zones import MAX_LENGTH, is_known_time_zone

UNKNOWN_TIME_ZONE = "Unknown time zone {value!r}: use an IANA name such as Europe/Paris."


class TimeZoneField(serializers.CharField):
    """`time_zone`: the user's IANA zone (their local time picks the songs' energy); blank or
    absent means the site's zone; an unknown name is refused."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("max_length", MAX_LENGTH)
        kwargs.setdefault(
            "help_text",
            "The user's IANA time zone, e.g. Europe/Paris: their local time picks the songs' energy. "
            "Defaults to the site's zone.",
        )
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        value: str = super().to_internal_value(data)
        if value and not is_known_time_zone(value):
            raise serializers.ValidationError(UNKNOWN_TIME_ZONE.format(value=value))
        return value
