"""Deleting recordings, and their raw audio once it is past the retention period."""
from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from scenes.models import Recording
from scenes.services.storage import recording_audio_delete


def recording_delete(*, recording: Recording) -> None:
    """Delete the recording, its results and (once committed) its file."""
    recording.delete()  # scenes.signals deletes the file after commit, whatever deleted the row


def recordings_purge_expired_audio(*, now: datetime | None = None, retention_days: int | None = None) -> int:
    """Delete the raw audio of recordings older than the retention period; keep rows and results.

    Returns how many files were deleted.
    """
    days = settings.SCENES_AUDIO_RETENTION_DAYS if retention_days is None else retention_days
    cutoff = (now or timezone.now()) - timedelta(days=days)
    purged = 0
    for recording in Recording.objects.filter(created_at__lt=cutoff).exclude(file="").iterator():
        recording_audio_delete(recording)
        purged += 1
    return purged
