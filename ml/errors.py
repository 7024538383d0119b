"""Typed errors of the scene model: audio a user sent, metadata, artifacts.

Messages are module constants so that the product can show them as they are and tests
can assert them exactly.
"""

from __future__ import annotations

UNDECODABLE_MESSAGE = "We could not read this recording. Please upload a WAV, FLAC, OGG, Opus, MP3, M4A or WebM file."
EMPTY_MESSAGE = "This recording is empty."
TOO_SHORT_MESSAGE = "This recording is too short: please record at least 1 second."
SILENT_MESSAGE = "This recording is silent: check that your microphone is on."
TOO_LONG_MESSAGE = "This recording is too long."
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
    default_message = TOO_SHORT_MESSAGE


class SilentAudioError(AudioError):
    code = "silent"
    default_message = SILENT_MESSAGE


class TooLongAudioError(AudioError):
    code = "too_long"
    default_message = TOO_LONG_MESSAGE


class LowSampleRateAudioError(AudioError):
    code = "low_sample_rate"
    default_message = LOW_SAMPLE_RATE_MESSAGE


class ModelArtifactError(Exception):
    """A model artifact that is missing, tampered with or does not match this code."""


class MetadataError(ValueError):
    """A dataset metadata file that cannot be read; the message names the line."""
