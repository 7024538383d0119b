"""Deleting an account removes every row and file of that user, and nothing of anyone else."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import connection, models
from django.test import Client
from social_django.models import UserSocialAuth

from accounts import constants
from accounts.models import ApiToken
from accounts.services import api_token_create, user_delete
from tests.factories import PASSWORD, SpotifyOnlyUserFactory, UserFactory, connect_spotify
from tests.fakes.spotify import FakeSpotify


def _recording(user: Any, name: str = "clip.wav") -> Path:
    path = Path(settings.MEDIA_ROOT, "recordings", str(user.pk), name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"RIFF")
    return path


@pytest.mark.django_db
def test_user_delete_removes_rows_and_the_recordings_folder(spotify_user: Any, fake_spotify: FakeSpotify) -> None:
    other = UserFactory.create()
    api_token_create(user=spotify_user, name="phone")
    api_token_create(user=other, name="other")
    mine, theirs = _recording(spotify_user), _recording(other)
    nested = _recording(spotify_user, "2026/11/clip.wav")

    user_delete(user=spotify_user)

    assert not get_user_model().objects.filter(pk=spotify_user.pk).exists()
    assert not ApiToken.objects.filter(user_id=spotify_user.pk).exists()
    assert not UserSocialAuth.objects.filter(user_id=spotify_user.pk).exists()
    assert not mine.exists() and not nested.exists() and not mine.parent.exists()
    assert theirs.exists()
    assert other.api_tokens.count() == 1


@pytest.mark.django_db
def test_user_delete_works_without_any_files(db: None) -> None:
    user = UserFactory.create()

    user_delete(user=user)

    assert not get_user_model().objects.exists()


@pytest.mark.django_db
def test_deleting_from_the_account_page_needs_the_password_and_logs_out(client: Client) -> None:
    user = UserFactory.create()
    recording = _recording(user)
    client.force_login(user)

    refused = client.post("/account/delete/", {"confirmation": "wrong"})
    assert refused.status_code == 200
    assert constants.DELETE_WRONG_PASSWORD in refused.content.decode()
    assert get_user_model().objects.filter(pk=user.pk).exists()

    response = client.post("/account/delete/", {"confirmation": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert not get_user_model().objects.filter(pk=user.pk).exists()
    assert not recording.exists()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_spotify_only_user_confirms_deletion_with_their_username(client: Client, fake_spotify: FakeSpotify) -> None:
    user = SpotifyOnlyUserFactory.create(username="fakeuser")
    connect_spotify(user, "fakeuser", fake_spotify.mint_tokens())
    client.force_login(user)

    client.post("/account/delete/", {"confirmation": "fakeuser"})

    assert not get_user_model().objects.exists()
    assert not UserSocialAuth.objects.exists()


# --- FileField files on rows other apps will add -----------------------------------------


@pytest.fixture
def attachment_model(transactional_db: None) -> Iterator[type[models.Model]]:
    """A throwaway model with a FileField and an FK to the user (CASCADE), like a future
    Recording, registered and created for this test only."""

    class Attachment(models.Model):
        user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
        file = models.FileField(upload_to="attachments/")

        class Meta:
            app_label = "accounts"
            db_table = "test_accounts_attachment"

    with connection.schema_editor() as editor:
        editor.create_model(Attachment)
    try:
        yield Attachment
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(Attachment)
        del apps.all_models["accounts"]["attachment"]
        apps.clear_cache()


def test_user_delete_removes_file_fields_of_cascaded_rows(attachment_model: Any) -> None:
    user, other = UserFactory.create(), UserFactory.create()
    mine = attachment_model(user=user)
    mine.file.save("mine.txt", ContentFile(b"mine"))
    theirs = attachment_model(user=other)
    theirs.file.save("theirs.txt", ContentFile(b"theirs"))
    mine_path, theirs_path = Path(mine.file.path), Path(theirs.file.path)

    user_delete(user=user)

    assert not attachment_model.objects.filter(user_id=user.pk).exists()
    assert not mine_path.exists()
    assert theirs_path.exists()
