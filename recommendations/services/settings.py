"""A user's listening settings: what they want kept out of their recommendations."""
from __future__ import annotations

from typing import TYPE_CHECKING

from recommendations.models import ListeningSettings

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def listening_settings_get(*, user: User) -> ListeningSettings:
    """The user's settings; the defaults (unsaved) until they change one."""
    return ListeningSettings.objects.filter(user=user).first() or ListeningSettings(user=user)


def listening_settings_update(*, user: User, allow_explicit: bool) -> ListeningSettings:
    settings, _ = ListeningSettings.objects.update_or_create(user=user, defaults={"allow_explicit": allow_explicit})
    return settings
