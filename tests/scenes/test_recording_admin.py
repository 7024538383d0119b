"""The admin: recordings are read-only there, and can be classified again with the active model."""
from __future__ import annotations

import pytest

from scenes import services
from scenes.models import Recording
from tests.scenes.helpers import upload_file

pytestmark = pytest.mark.django_db


def test_the_admin_action_classifies_recordings_again(
    admin_client, user, clip_wav, django_capture_on_commit_callbacks
) -> None:
    recording = services.recording_create(user=user, upload=upload_file(clip_wav))
    Recording.objects.filter(pk=recording.pk).update(status=Recording.Status.FAILED, error_code="model_unavailable")

    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client.post(
            "/admin/scenes/recording/", {"action": "reclassify", "_selected_action": [str(recording.id)]}, follow=True
        )

    assert response.status_code == 200
    assert "1 recording(s) queued for classification." in response.content.decode()
    refreshed = Recording.objects.get(pk=recording.pk)
    assert refreshed.status == Recording.Status.QUEUED and refreshed.job_id != recording.job_id
    assert len(callbacks) == 1


def test_the_admin_bulk_delete_deletes_the_files_too(
    admin_client, user, clip_wav, media_files, django_capture_on_commit_callbacks
) -> None:
    recording = services.recording_create(user=user, upload=upload_file(clip_wav))

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            "/admin/scenes/recording/",
            {"action": "delete_selected", "_selected_action": [str(recording.id)], "post": "yes"},
        )

    assert not Recording.objects.exists() and media_files() == []


def test_deleting_a_user_deletes_their_recordings_files(
    user, clip_wav, media_files, django_capture_on_commit_callbacks
) -> None:
    services.recording_create(user=user, upload=upload_file(clip_wav))

    with django_capture_on_commit_callbacks(execute=True):
        user.delete()

    assert media_files() == []
