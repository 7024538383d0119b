"""Uploads: validated, within quotas, stored under our own name, then queued."""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, BinaryIO, cast

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from scenes.audio import inspect_audio
from scenes.errors import (
    LENGTH_REQUIRED_MESSAGE,
    STORAGE_FULL_MESSAGE,
    TOO_LARGE_MESSAGE,
    InvalidAudio,
    LengthRequired,
    RateLimited,
    UploadTooLarge,
    rate_limited_message,
)
from scenes.models import Recording, UploadRefusal
from scenes.services.classification import enqueue_on_commit
from soundscapify.time_zones import known_time_zone_or_blank

if TYPE_CHECKING:
    from django.contrib.auth.models import User

MB = 1024 * 1024
RATE_WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class UploadLimits:
    max_bytes: int
    min_duration_s: float
    max_duration_s: float
    recordings_per_hour: int
    storage_per_user_bytes: int

    @classmethod
    def from_settings(cls) -> UploadLimits:
        return cls(
            max_bytes=settings.SCENES_MAX_UPLOAD_BYTES,
            min_duration_s=settings.SCENES_MIN_DURATION_S,
            max_duration_s=settings.SCENES_MAX_DURATION_S,
            recordings_per_hour=settings.SCENES_RECORDINGS_PER_HOUR,
            storage_per_user_bytes=settings.SCENES_STORAGE_PER_USER_BYTES,
        )


# Room for the multipart envelope around the file.
MULTIPART_OVERHEAD_BYTES = 64 * 1024


def upload_size_check(*, content_length: int | None) -> None:
    """Refuse a request body that cannot hold an acceptable file, before it is read.

    `content_length` is None for a body sent in chunks. Raises UploadTooLarge (413): without
    this, Django would first spool the whole body to disk. Raises LengthRequired (411) for a
    chunked body: under WSGI Django reads one as empty, and the client would be told that it
    sent no file.
    """
    if content_length is None:
        raise LengthRequired("length_required", LENGTH_REQUIRED_MESSAGE)
    limit = settings.SCENES_MAX_UPLOAD_BYTES
    if content_length > limit + MULTIPART_OVERHEAD_BYTES:
        raise UploadTooLarge("too_large", TOO_LARGE_MESSAGE.format(limit_mb=limit / MB))


def recording_create(*, user: User, upload: UploadedFile, time_zone: str = "") -> Recording:
    """Validate `upload`, store it and queue its classification once the row is committed.

    `time_zone` is the user's IANA zone; an unknown one is dropped (the site's zone applies).

    Raises UploadTooLarge (413), RateLimited (429) or InvalidAudio (400); nothing is
    stored when it raises, but an InvalidAudio counts against the hourly quota.
    """
    limits = UploadLimits.from_settings()
    size = _upload_size(upload)
    if size > limits.max_bytes:
        raise UploadTooLarge("too_large", TOO_LARGE_MESSAGE.format(limit_mb=limits.max_bytes / MB))
    try:
        return _create_within_quotas(user, upload, size, limits, time_zone)
    except InvalidAudio as exc:
        _count_refusal(user, exc.code)
        raise


def _create_within_quotas(user: User, upload: UploadedFile, size: int, limits: UploadLimits, time_zone: str) -> Recording:
    with transaction.atomic():
        # One upload at a time per user, so that two parallel ones cannot both pass a quota.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        _check_quotas(user, size, limits)
        # An uploaded file is a file object (read, seek, tell) without being typed as one.
        audio = inspect_audio(cast(BinaryIO, upload), min_duration_s=limits.min_duration_s, max_duration_s=limits.max_duration_s)
        recording = Recording(
            user=user,
            original_filename=(upload.name or "")[:255],
            duration_s=audio.duration_s,
            sample_rate=audio.sample_rate,
            channels=audio.channels,
            format=audio.format,
            size_bytes=size,
            time_zone=known_time_zone_or_blank(time_zone),
        )
        _save_with_file(recording, upload, audio.extension)
        enqueue_on_commit(recording)
    return recording


def _upload_size(upload: UploadedFile) -> int:
    """Django sizes every file it receives; a file handed over otherwise is measured."""
    if upload.size is not None:
        return upload.size
    position = upload.tell()
    size = upload.seek(0, os.SEEK_END)
    upload.seek(position)
    return size


def _count_refusal(user: User, code: str) -> None:
    """Record a refused upload for the hourly quota; the user's older refusals count no more."""
    UploadRefusal.objects.filter(user=user, created_at__lt=timezone.now() - RATE_WINDOW).delete()
    UploadRefusal.objects.create(user=user, code=code)


def _check_quotas(user: User, size: int, limits: UploadLimits) -> None:
    since = timezone.now() - RATE_WINDOW
    # Refused uploads count too: checking one costs a probe, and otherwise bad files
    # could be sent without end.
    recent = sorted(
        [
            *Recording.objects.filter(user=user, created_at__gte=since).values_list("created_at", flat=True),
            *UploadRefusal.objects.filter(user=user, created_at__gte=since).values_list("created_at", flat=True),
        ]
    )
    if len(recent) >= limits.recordings_per_hour:
        # The next one is allowed once enough of these have left the window: the one at
        # index len - limit. Under a limit of 0 recordings an hour, an hour away.
        freed_by = recent[len(recent) - limits.recordings_per_hour] if recent else timezone.now()
        retry_after = max(1, int((freed_by + RATE_WINDOW - timezone.now()).total_seconds()) + 1)
        message = rate_limited_message(limit=limits.recordings_per_hour, retry_after_s=retry_after)
        raise RateLimited("rate_limited", message, retry_after_s=retry_after)
    used = Recording.objects.filter(user=user).exclude(file="").aggregate(total=Sum("size_bytes"))["total"] or 0
    if used + size > limits.storage_per_user_bytes:
        message = STORAGE_FULL_MESSAGE.format(limit_mb=limits.storage_per_user_bytes / MB)
        raise UploadTooLarge("storage_full", message)


def _save_with_file(recording: Recording, upload: UploadedFile, extension: str) -> None:
    # The name we hand to storage is ours; upload_to turns it into recordings/<user>/<id>.<ext>.
    recording.file.save(f"{recording.id}.{extension}", upload, save=False)
    try:
        recording.save()
    except BaseException:
        recording.file.delete(save=False)
        raise
