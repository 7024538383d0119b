"""'Export my data': one JSON document assembled from sections that apps register.

Another app adds its part from its AppConfig.ready():

    from accounts.export import register_export_section
    register_export_section("recordings", recordings_for_export)

A section is a callable taking the user and returning JSON-serialisable data (dates as
ISO strings). It must only ever read that user's rows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from .selectors import user_api_tokens, user_connected_services

if TYPE_CHECKING:
    from django.contrib.auth.models import User

ExportSection = Callable[["User"], Any]
EXPORT_FORMAT_VERSION = 1

_sections: dict[str, ExportSection] = {}


def register_export_section(name: str, section: ExportSection) -> None:
    """Add a section to every export; raises ValueError if another callable holds the name."""
    if _sections.get(name, section) is not section:
        raise ValueError(f"Export section {name!r} is already registered")
    _sections[name] = section


def unregister_export_section(name: str) -> None:
    _sections.pop(name, None)


def user_export_data(*, user: User) -> dict[str, Any]:
    """The user's data as a JSON-serialisable dict. Tokens and passwords are never included."""
    data: dict[str, Any] = {
        "format_version": EXPORT_FORMAT_VERSION,
        "exported_at": timezone.now().isoformat(),
    }
    for name, section in _sections.items():
        data[name] = section(user)
    return data


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def _profile(user: Any) -> dict[str, Any]:
    return {
        "id": user.pk,
        "username": user.get_username(),
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "date_joined": _iso(user.date_joined),
        "last_login": _iso(user.last_login),
        "has_password": user.has_usable_password(),
    }


def _connected_services(user: User) -> list[dict[str, Any]]:
    return [
        {"provider": s.provider, "uid": s.uid, "connected_at": _iso(s.connected_at), "usable": s.usable}
        for s in user_connected_services(user=user)
    ]


def _api_tokens(user: User) -> list[dict[str, Any]]:
    return [
        {"name": t.name, "prefix": t.prefix, "created": _iso(t.created), "last_used": _iso(t.last_used)}
        for t in user_api_tokens(user=user)
    ]


register_export_section("profile", _profile)
register_export_section("connected_services", _connected_services)
register_export_section("api_tokens", _api_tokens)
