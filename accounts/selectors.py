"""Reads for the accounts app."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from social_django.models import UserSocialAuth

from .models import ApiToken
from .spotify.tokens import connection_usable
from .tokens import hash_key

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.db.models import QuerySet


@dataclass(frozen=True)
class ConnectedService:
    provider: str
    uid: str
    connected_at: datetime
    usable: bool  # False once Spotify refused a refresh: the user must reconnect


def user_api_tokens(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user_id=user.pk)


def api_token_by_key(*, key: str) -> ApiToken | None:
    """The token whose key this is (compared by hash), with its user; None when unknown."""
    return ApiToken.objects.select_related("user").filter(key_hash=hash_key(key)).first()


def user_connected_services(*, user: User) -> list[ConnectedService]:
    socials = UserSocialAuth.objects.filter(user_id=user.pk).order_by("provider", "created")
    return [
        ConnectedService(provider=s.provider, uid=s.uid, connected_at=s.created, usable=connection_usable(s))
        for s in socials
    ]


def spotify_status(*, user: User) -> tuple[bool, bool]:
    """(connected, usable) for the user's Spotify association."""
    social = UserSocialAuth.objects.filter(user_id=user.pk, provider="spotify").only("extra_data").first()
    if social is None:
        return False, False
    return True, connection_usable(social)
