"""One way to write dates on every page: `{{ value|date:"DATETIME_FORMAT" }}` (or DATE_FORMAT).

Django's own English formats ("Dec. 3, 2026, 2:05 p.m.") would win over settings.DATE_FORMAT,
since localisation is always on: FORMAT_MODULE_PATH points here instead.
"""
from __future__ import annotations

DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
TIME_FORMAT = "H:i"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
