"""factory_boy factories shared by the whole test suite."""

from __future__ import annotations

import time
from typing import Any

import factory
from django.contrib.auth.models import User
from social_django.models import UserSocialAuth

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory[User]):
    """A local user whose password is `PASSWORD`."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password(PASSWORD)


class SpotifyOnlyUserFactory(UserFactory):
    """A user created by signing in with Spotify: no usable password, no e-mail."""

    email = factory.LazyAttribute(lambda _: "")
    password = factory.django.Password(None)  # make_password(None): an unusable password


def spotify_extra_data(token_response: dict[str, Any], *, auth_time: int | None = None) -> dict[str, Any]:
    """extra_data as social-auth stores it after a sign-in, from a token endpoint answer."""
    return {
        "auth_time": int(time.time()) if auth_time is None else auth_time,
        "refresh_token": token_response.get("refresh_token"),
        "expires_in": token_response["expires_in"],
        "access_token": token_response["access_token"],
        "token_type": token_response.get("token_type", "Bearer"),
    }


def connect_spotify(user: Any, spotify_id: str, token_response: dict[str, Any]) -> UserSocialAuth:
    """Attach a Spotify association holding the given tokens, as social-auth would."""
    return UserSocialAuth.objects.create(
        user=user,
        provider="spotify",
        uid=spotify_id,
        id_key="id",  # what social-core 7 records for Spotify (the profile's "id")
        extra_data=spotify_extra_data(token_response),
    )
