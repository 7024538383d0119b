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
    "You have made {limit} recordings in the last hour, the most we can analyse. "
    "You can send the next one in {wait}."
)
STORAGE_FULL_MESSAGE = (
    "Your recordings use all of your {limit_mb:g} MB of storage. Delete some old recordings to make room."
)
MODEL_UNAVAILABLE_MESSAGE = "Our scene model is unavailable right now. Please try again later."
PROCESSING_FAILED_MESSAGE = "We could not analyse this recording right now. Please try again later."
NO_AUDIO_MESSAGE = "The audio of this recording has been deleted, so it cannot be analysed again."

# What the recorder says when the browser refuses the microphone, by DOMException name
# (static/scenes/capture.js picks one; the page carries them, so they live here).
MICROPHONE_MESSAGES = {
    "denied": (
        "Your browser is not letting SoundScapify use the microphone. Allow it for this site (the "
        "microphone or lock icon beside the address), then press Record again. Or choose a file below."
    ),
    "missing": "We could not find a microphone. Connect one and press Record again, or choose a file below.",
    "busy": (
        "Your microphone is in use by another app or is not working. Close the other app and press "
        "Record again, or choose a file below."
    ),
    "unsupported": (
        "This browser cannot record here: recording needs a secure (https) page and a recent browser. "
        "You can choose a file below instead."
    ),
    "other": "We could not start the microphone. Press Record to try again, or choose a file below.",
}


def rate_limited_message(*, limit: int, retry_after_s: int) -> str:
    """RATE_LIMITED_MESSAGE with the wait in whole minutes, rounded up: "in 12 minutes"."""
    minutes = max(1, -(-retry_after_s // 60))
    wait = "1 minute" if minutes == 1 else f"{minutes} minutes"
    return RATE_LIMITED_MESSAGE.format(limit=limit, wait=wait)


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


# Live mode (scenes/services/live.py).
LIVE_CONSENT_MESSAGE = "Live mode listens through your microphone: please confirm that you agree before it starts."
LIVE_INTERVAL_MESSAGE = "Choose an interval between {low} and {high} seconds."
LIVE_ALREADY_OPEN_MESSAGE = (
    "You already have a live session open (perhaps in another tab or on another device). Stop it first."
)
LIVE_PAUSED_MESSAGE = "This live session is paused: resume it to send snippets again."
LIVE_STOPPED_MESSAGE = "This live session has ended. Start a new one to keep listening."
LIVE_TOO_LONG_SESSION_MESSAGE = "This live session reached its {hours:g}-hour limit and has ended. Start a new one to go on."
LIVE_TOO_SOON_MESSAGE = "Snippets can come at most every {interval} seconds. Try again in {wait} seconds."
LIVE_SNIPPET_TOO_LARGE_MESSAGE = "This snippet is too large: live snippets can be up to {limit_kb:g} KB."
LIVE_SNIPPET_TOO_LONG_MESSAGE = "This snippet is too long: live snippets can be up to {limit_s:g} seconds."


class LiveRefused(RecordingRejected):
    """A live-mode request refused for the session's state (409)."""

    http_status = 409
