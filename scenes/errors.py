"""Why an upload or a classification was refused, in words a user can read.

Messages are constants (templates where a configurable limit is part of the text) so
that tests assert them exactly. Codes match `ml.errors.AudioError.code` where they overlap.
"""
from __future__ import annotations

# The scene model's own messages, re-exported: one place to import every message from.
from ml.errors import (  # noqa: F401
    EMPTY_MESSAGE,
    SILENT_MESSAGE,
    TOO_LONG_MESSAGE,
    TOO_SHORT_MESSAGE,
    UNDECODABLE_MESSAGE,
)

TOO_LARGE_MESSAGE = "This file is too large: recordings can be up to {limit_mb:g} MB."
LENGTH_REQUIRED_MESSAGE = (
    "This upload did not say how large it is. Please send the file with a Content-Length header."
)
TRUNCATED_MESSAGE = "This recording is incomplete: the upload may have been cut off. Please try again."
RATE_LIMITED_MESSAGE = (
    "You have made {limit} recordings in the last hour, the most we can analyse. Please try again later."
)
STORAGE_FULL_MESSAGE = (
    "Your recordings use all of your {limit_mb:g} MB of storage. Delete some old recordings to make room."
)
MODEL_UNAVAILABLE_MESSAGE = "Our scene model is unavailable right now. Please try again later."
PROCESSING_FAILED_MESSAGE = "We could not analyse this recording right now. Please try again later."
NO_AUDIO_MESSAGE = "The audio of this recording has been deleted, so it cannot be analysed again."


class RecordingRejected(Exception):
    """A request about a recording that we refuse; `message` is fit to show a user."""

    http_status = 400

    def __init__(self, code: str, message: str, *, retry_after_s: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retry_after_s = retry_after_s


class InvalidAudio(RecordingRejected):
    """The file is not audio we can classify (400)."""


class UploadTooLarge(RecordingRejected):
    """The file, or the user's storage with it, is over a size limit (413)."""

    http_status = 413


class LengthRequired(RecordingRejected):
    """A body sent in chunks, without Content-Length: we cannot check its size before reading it (411)."""

    http_status = 411


class RateLimited(RecordingRejected):
    """Too many recordings in the last hour (429, with `retry_after_s`)."""

    http_status = 429


class AudioGone(RecordingRejected):
    """The raw audio has been deleted: nothing to classify again (409)."""

    http_status = 409
