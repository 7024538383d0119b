"""The raw audio in storage: deleted once the database agrees."""
from __future__ import annotations

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from scenes.models import Recording, recording_upload_to


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


def recording_audio_replace(recording: Recording, *, content: bytes, extension: str, duration_s: float) -> bool:
    """Store `content` as the recording's audio and delete the file it replaces after commit.

    The new file is written first: a failure (storage, database) leaves the old one in
    place and raises. Returns False, and keeps nothing new, when the row no longer holds
    the old file (deleted meanwhile, or a twin delivery replaced it first).
    """
    old_name, storage = recording.file.name or "", recording.file.storage
    new_name = storage.save(recording_upload_to(recording, f"{recording.id}.{extension}"), ContentFile(content))
    try:
        replaced = Recording.objects.filter(pk=recording.pk, file=old_name).update(
            file=new_name, size_bytes=len(content), duration_s=duration_s, updated_at=timezone.now()
        )
    except BaseException:
        storage.delete(new_name)
        raise
    if not replaced:
        storage.delete(new_name)
        return False
    transaction.on_commit(lambda: storage.delete(old_name))
    recording.file.name, recording.size_bytes, recording.duration_s = new_name, len(content), duration_s
    return True
