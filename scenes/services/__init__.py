"""Writes on recordings: upload, classification, deletion, retention; personal examples."""
from scenes.services.classification import (
    MAX_ATTEMPTS,
    recording_classify,
    recording_fail,
    recording_reclassify,
    recordings_requeue_stale,
)
from scenes.services.personal import (
    personal_example_delete,
    personal_example_keep,
    personal_examples_delete_all,
)
from scenes.services.retention import recording_delete, recordings_purge_expired_audio
from scenes.services.uploads import UploadLimits, recording_create, upload_size_check

__all__ = [
    "MAX_ATTEMPTS",
    "UploadLimits",
    "personal_example_delete",
    "personal_example_keep",
    "personal_examples_delete_all",
    "recording_classify",
    "recording_create",
    "recording_delete",
    "recording_fail",
    "recording_reclassify",
    "recordings_purge_expired_audio",
    "recordings_requeue_stale",
    "upload_size_check",
]
