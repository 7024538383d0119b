"""A person's recording of the sound around them, and the scene model's results for it."""
from __future__ import annotations

import re
import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models

from soundscapify.time_zones import MAX_LENGTH as TIME_ZONE_MAX_LENGTH

# What the capture page names what it records (static/scenes/capture.js); earlier versions
# sent plain "recording.<ext>".
BROWSER_RECORDING_NAMES = re.compile(r"(browser-)?recording\.(webm|ogg|m4a)")
RECORDED_IN_THE_BROWSER = "Recorded in the browser"
UNNAMED_RECORDING = "A file without a name"


def recording_upload_to(recording: Recording, filename: str) -> str:
    """`recordings/<user id>/<recording id>.<ext>`: the client's filename never reaches storage.

    `filename` is the name the service chose (`<id>.<ext>`, where `<ext>` may have a dot,
    as in `opus.webm`); only its extension is kept.
    """
    extension = filename.split(".", 1)[-1].lower() if "." in filename else "bin"
    return f"recordings/{recording.user_id}/{recording.id}.{extension}"


class Recording(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        PROCESSING = "processing", "Processing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    # A UUID: ids in URLs say nothing about how many recordings exist, and the storage
    # name is the id itself.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recordings")
    # Empty once the raw audio has been deleted by the retention job; results stay.
    file = models.FileField(upload_to=recording_upload_to, max_length=255, blank=True)
    original_filename = models.CharField(max_length=255, blank=True)
    duration_s = models.FloatField()
    sample_rate = models.PositiveIntegerField()
    channels = models.PositiveSmallIntegerField(default=1)
    format = models.CharField(max_length=32)
    size_bytes = models.PositiveBigIntegerField()
    # Where the user was: their local time of day picks the energy band of the recommendation.
    time_zone = models.CharField(
        max_length=TIME_ZONE_MAX_LENGTH, blank=True, help_text="IANA zone of the user when they recorded; empty means the site's zone."
    )

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    error_code = models.CharField(max_length=32, blank=True)
    error_message = models.CharField(max_length=255, blank=True)
    # The classification request in flight: a task whose job id is not this one is stale.
    job_id = models.UUIDField(default=uuid.uuid4)
    attempts = models.PositiveSmallIntegerField(default=0)
    result = models.OneToOneField(
        "scenes.SceneResult", null=True, blank=True, on_delete=models.SET_NULL, related_name="current_for"
    )

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    processing_started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    audio_deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.original_filename or self.id} ({self.status})"

    @property
    def has_audio(self) -> bool:
        return bool(self.file)

    @property
    def recorded_in_browser(self) -> bool:
        return BROWSER_RECORDING_NAMES.fullmatch(self.original_filename) is not None

    @property
    def display_name(self) -> str:
        """The name people know it by: the file they chose, or "Recorded in the browser"."""
        if self.recorded_in_browser:
            return RECORDED_IN_THE_BROWSER
        return self.original_filename or UNNAMED_RECORDING


class UploadRefusal(models.Model):
    """An upload refused for what it held: no file, no recording, but it counts against the
    hourly quota like one, since checking it cost us as much."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="upload_refusals")
    code = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["user", "created_at"])]

    def __str__(self) -> str:
        return f"{self.code} ({self.created_at:%Y-%m-%d %H:%M})"


class SceneResult(models.Model):
    """One classification of one recording; `job_id` makes storing it idempotent.

    A recording classified again gets a new row; `Recording.result` points at the latest.
    """

    recording = models.ForeignKey(Recording, on_delete=models.CASCADE, related_name="results")
    job_id = models.UUIDField(unique=True)
    scene_probabilities = models.JSONField(default=dict)
    top_scene = models.CharField(max_length=64)
    confidence = models.FloatField()
    top_labels = models.JSONField(default=list)  # [[label, probability], ...], the five likeliest
    # What the front end heard: [{"name": AudioSet class, "score": mean score}, ...], likeliest first.
    heard = models.JSONField(default=list, blank=True)
    timeline = models.JSONField(default=list)  # [{start_s, end_s, scenes, top_scene}, ...]
    model_version = models.CharField(max_length=64)
    processing_ms = models.PositiveIntegerField()
    # The clip's front-end embedding (float16, unit length), kept so that a correction can
    # become a personal example after the audio is gone. Empty for models without one.
    embedding = models.BinaryField(null=True, blank=True, editable=False)
    # How the user's personal examples moved this result, empty when they did not:
    # {"scene", "examples", "weight", "model_scene", "model_confidence"}. The timeline stays the model's.
    personal = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.top_scene} {self.confidence:.2f} ({self.model_version})"


class PersonalExample(models.Model):
    """A clip the user said was `scene`: its embedding, never its audio. One per recording;
    a new correction of the same recording replaces it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="personal_examples")
    scene = models.CharField(max_length=64)
    embedding = models.BinaryField(editable=False)  # float16, unit length
    # Embeddings from another front end live in another space: only the same version compares.
    model_version = models.CharField(max_length=64)
    recording = models.ForeignKey(
        Recording, null=True, blank=True, on_delete=models.SET_NULL, related_name="personal_examples"
    )
    # The recording's name when it was taught: the list still says where it came from once it is deleted.
    source_name = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["scene", "-created_at"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["user", "recording"], name="one_personal_example_per_recording"),
        ]
        indexes: ClassVar[list[models.Index]] = [models.Index(fields=["user", "model_version"])]

    def __str__(self) -> str:
        return f"{self.scene} ({self.created_at:%Y-%m-%d})"


class SceneLabel(models.Model):
    """Which scene a classifier label counts towards: the table classification reads and the
    admin edits. The scene is a row of the music criteria table, so every scene the model can
    name has songs to go with it."""

    label = models.CharField(max_length=100, unique=True)
    scene = models.ForeignKey("recommendations.SceneCriteria", on_delete=models.PROTECT, related_name="labels")

    class Meta:
        ordering: ClassVar[list[str]] = ["scene__name", "label"]

    def __str__(self) -> str:
        return f"{self.label} -> {self.scene_id and self.scene.name}"


def snippet_upload_to(snippet: LiveSnippet, filename: str) -> str:
    """`live/<session id>/<snippet id>.<ext>`: held only until the snippet is classified."""
    extension = filename.split(".", 1)[-1].lower() if "." in filename else "bin"
    return f"live/{snippet.session_id}/{snippet.id}.{extension}"


class ListeningSession(models.Model):
    """Live mode: a person's consented run of short snippets, one every `interval_s`.

    Only results are kept (LiveSnippet rows); each snippet's audio is deleted once classified.
    `scene` is the held scene: it changes only when new snippets agree (scenes/live.py).
    """

    class Status(models.TextChoices):
        ACTIVE = "active", "Listening"
        PAUSED = "paused", "Paused"
        STOPPED = "stopped", "Stopped"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="listening_sessions")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE, db_index=True)
    interval_s = models.PositiveIntegerField()
    time_zone = models.CharField(max_length=TIME_ZONE_MAX_LENGTH, blank=True)
    scene = models.CharField(max_length=64, blank=True)  # the held scene; empty until the first result
    scene_probabilities = models.JSONField(default=dict, blank=True)  # the held scene's latest snippet
    scene_changes = models.PositiveIntegerField(default=0)  # held changes after the first scene
    scene_changed_at = models.DateTimeField(null=True, blank=True)
    consented_at = models.DateTimeField()
    started_at = models.DateTimeField(auto_now_add=True, db_index=True)
    last_snippet_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-started_at"]
        indexes: ClassVar[list[models.Index]] = [models.Index(fields=["user", "-started_at"])]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            # One session listening (or paused) per user: a second tab cannot double the load.
            models.UniqueConstraint(
                fields=["user"], condition=~models.Q(status="stopped"), name="one_open_listening_session_per_user"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.started_at:%Y-%m-%d %H:%M} ({self.status})"


class LiveSnippet(models.Model):
    """One snippet of a listening session: its result, never its audio once classified."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    session = models.ForeignKey(ListeningSession, on_delete=models.CASCADE, related_name="snippets")
    # Set only between the upload and the classification: then deleted, file and name.
    file = models.FileField(upload_to=snippet_upload_to, max_length=255, blank=True)
    duration_s = models.FloatField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    error_code = models.CharField(max_length=32, blank=True)
    error_message = models.CharField(max_length=255, blank=True)
    top_scene = models.CharField(max_length=64, blank=True)
    confidence = models.FloatField(null=True, blank=True)
    scene_probabilities = models.JSONField(default=dict, blank=True)
    personal = models.JSONField(default=dict, blank=True)  # as SceneResult.personal
    held_scene = models.CharField(max_length=64, blank=True)  # the session's scene after this snippet
    model_version = models.CharField(max_length=64, blank=True)
    processing_ms = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    classified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["created_at"]
        indexes: ClassVar[list[models.Index]] = [models.Index(fields=["session", "created_at"])]

    def __str__(self) -> str:
        return f"{self.top_scene or self.status} ({self.created_at:%H:%M:%S})"
