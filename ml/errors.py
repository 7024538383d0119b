"""Typed errors of the scene model: audio a user sent, metadata, artifacts.

Messages are module constants so that the product can show them as they are and tests
can assert them exactly.
"""

from __future__ import annotations

UNDECODABLE_MESSAGE = "We could not read this recording. Please upload a WAV, FLAC, OGG, Opus, MP3, M4A or WebM file."
EMPTY_MESSAGE = "This recording is empty."
# The one wording of each length message; the limits are filled in where they are known.
TOO_SHORT_MESSAGE = "This recording is too short: please record at least {limit_s:g} s."
SILENT_MESSAGE = "This recording is silent: check that your microphone is on."
TOO_LONG_MESSAGE = "This recording is too long: recordings can last up to {limit_s:g} s."
LOW_SAMPLE_RATE_MESSAGE = (
    "This recording's sample rate is too low to hear the sounds around you: "
    "please record at 8 kHz or more."
)


class AudioError(Exception):
    """Audio that cannot be classified; `message` is fit to show a user."""

    code: str = "audio_error"
    default_message: str = UNDECODABLE_MESSAGE

    def __init__(self, message: str | None = None, *, detail: str = "") -> None:
        self.message = message or self.default_message
        # The detail (library error text) is for logs, never for users.
        self.detail = detail
        super().__init__(self.message)


class UndecodableAudioError(AudioError):
    code = "undecodable"
    default_message = UNDECODABLE_MESSAGE


class EmptyAudioError(AudioError):
    code = "empty"
    default_message = EMPTY_MESSAGE


class TooShortAudioError(AudioError):
    code = "too_short"

    def __init__(self, *, limit_s: float, detail: str = "") -> None:
        super().__init__(TOO_SHORT_MESSAGE.format(limit_s=limit_s), detail=detail)


class SilentAudioError(AudioError):
    code = "silent"
    default_message = SILENT_MESSAGE


class TooLongAudioError(AudioError):
    code = "too_long"

    def __init__(self, *, limit_s: float, detail: str = "") -> None:
        super().__init__(TOO_LONG_MESSAGE.format(limit_s=limit_s), detail=detail)


class LowSampleRateAudioError(AudioError):
    code = "low_sample_rate"
    default_message = LOW_SAMPLE_RATE_MESSAGE


class ModelArtifactError(Exception):
    """A model artifact that is missing, tampered with or does not match this code."""


class MetadataError(ValueError):
    """A dataset metadata file that cannot be read; the message names the line."""
