"""Writes for the accounts app: local accounts, API tokens, Spotify disconnect, deletion."""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.core.files.storage import Storage, default_storage
from django.db import models, router, transaction
from django.db.models.deletion import Collector
from django.utils import timezone
from social_django.models import UserSocialAuth

from . import constants
from .models import ApiToken
from .tokens import display_prefix, generate_key, hash_key

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)

RECORDINGS_DIR = "recordings"
# Writing last_used on every request would turn each API read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class DisconnectNotAllowed(Exception):
    """Disconnecting would leave the user with no way to sign in."""


@dataclass(frozen=True)
class IssuedApiToken:
    token: ApiToken
    key: str  # shown to the user once; only its hash is stored


def user_create(*, username: str, email: str, password: str) -> User:
    """Create a local account (password already validated by the form)."""
    return get_user_model().objects.create_user(username=username, email=email, password=password)


def api_token_create(*, user: User, name: str) -> IssuedApiToken:
    key = generate_key()
    token = ApiToken.objects.create(user=user, name=name, key_hash=hash_key(key), prefix=display_prefix(key))
    return IssuedApiToken(token=token, key=key)


def api_token_revoke(*, user: User, token_id: int) -> None:
    """Delete one of the user's tokens; raises ApiToken.DoesNotExist for anyone else's."""
    deleted, _ = ApiToken.objects.filter(user_id=user.pk, pk=token_id).delete()
    if not deleted:
        raise ApiToken.DoesNotExist(token_id)


def api_token_mark_used(*, token: ApiToken) -> ApiToken:
    now = timezone.now()
    if token.last_used is None or now - token.last_used >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used=now)
        token.last_used = now
    return token


def spotify_disconnect(*, user: User) -> int:
    """Delete the user's Spotify association and its tokens; return how many rows went.

    Raises DisconnectNotAllowed when the user has no password: they could not sign in again.
    """
    if not user.has_usable_password():
        raise DisconnectNotAllowed(constants.DISCONNECT_NEEDS_PASSWORD)
    deleted, _ = UserSocialAuth.objects.filter(user_id=user.pk, provider="spotify").delete()
    return deleted


def user_delete(*, user: User) -> None:
    """Delete the user, every row that cascades from it, and their files.

    Files are the FileField files of every row the deletion cascades to, and the folder
    MEDIA_ROOT/recordings/<user id>/. They are removed after the rows, so a failed deletion
    leaves nothing half-gone; a file that cannot be removed is logged, not raised.
    """
    user_id = user.pk
    with transaction.atomic():
        files = list(_cascaded_files(user))
        user.delete()
    for storage, name in files:
        _delete_file(storage, name)
    _delete_folder(default_storage, f"{RECORDINGS_DIR}/{user_id}")


def _cascaded_files(user: User) -> Iterator[tuple[Storage, str]]:
    collector = Collector(using=router.db_for_write(type(user), instance=user))
    collector.collect([user])
    for model, instances in collector.data.items():
        yield from _files_of(model, instances)
    for queryset in collector.fast_deletes:
        yield from _files_of(queryset.model, queryset)


def _files_of(model: type[models.Model], rows: Iterable[models.Model]) -> Iterator[tuple[Storage, str]]:
    fields = [f for f in model._meta.concrete_fields if isinstance(f, models.FileField)]
    if not fields:
        return
    for row in rows:
        for field in fields:
            value = getattr(row, field.attname)
            if value:
                yield field.storage, str(value)


def _delete_file(storage: Storage, name: str) -> None:
    try:
        storage.delete(name)
    except Exception:  # a leftover file must not undo a completed deletion
        logger.exception("Could not delete file %s", name)


def _delete_folder(storage: Storage, folder: str) -> None:
    try:
        path = storage.path(folder)
    except NotImplementedError:  # remote storage: no folders, delete what it lists
        _delete_listed(storage, folder)
        return
    shutil.rmtree(path, ignore_errors=True)


def _delete_listed(storage: Storage, folder: str) -> None:
    try:
        subfolders, files = storage.listdir(folder)
    except (FileNotFoundError, OSError):
        return
    for name in files:
        _delete_file(storage, f"{folder}/{name}")
    for sub in subfolders:
        _delete_listed(storage, f"{folder}/{sub}")
