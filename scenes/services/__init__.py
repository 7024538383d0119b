"""Writes on recordings: upload, classification, deletion, retention; personal examples."""
from scenes.services.classification import (
    MAX_ATTEMPTS,
    recording_classify,
    recording_fail,
    recording_reclassify,
    recordings_requeue_stale,
)
from scenes.services.live import (
    live_session_pause,
    live_session_resume,
    live_session_start,
    live_session_stop,
    live_snippet_add,
    live_snippets_fail_stale,
    snippet_classify,
    snippet_fail,
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
    "live_session_pause",
    "live_session_resume",
    "live_session_start",
    "live_session_stop",
    "live_snippet_add",
    "live_snippets_fail_stale",
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
    "snippet_classify",
    "snippet_fail",
    "upload_size_check",
]
