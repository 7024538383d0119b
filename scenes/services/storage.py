"""The raw audio in storage: deleted once the database agrees."""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from scenes.models import Recording


def recording_audio_delete(recording: Recording) -> None:
    """Forget the recording's file and delete it from storage after commit; the row stays.

    Does nothing for a recording whose audio is already gone.
    """
    name, storage = recording.file.name, recording.file.storage
    if not name:
        return
    now = timezone.now()
    Recording.objects.filter(pk=recording.pk).update(file="", audio_deleted_at=now, updated_at=now)
    # After commit: a rolled-back transaction must not leave a row pointing at no file.
    transaction.on_commit(lambda: storage.delete(name))
    recording.file.name = ""
    recording.audio_deleted_at = now
