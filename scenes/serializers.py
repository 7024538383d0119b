"""API shapes of recordings and their results."""
from __future__ import annotations

from datetime import datetime

from django.urls import reverse
from drf_spectacular.utils import OpenApiExample, extend_schema_field
from rest_framework import serializers

from scenes.errors import (
    SILENT_MESSAGE,
    TOO_LARGE_MESSAGE,
    TOO_LONG_MESSAGE,
    UNDECODABLE_MESSAGE,
    rate_limited_message,
)
from scenes.models import ListeningSession, LiveSnippet, PersonalExample, Recording, SceneResult
from scenes.services.live import session_ends_at
from soundscapify.api_errors import INVALID_INPUT_MESSAGE, error_example
from soundscapify.api_fields import TimeZoneField


class RecordingUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="The audio: WAV, FLAC, OGG, Opus, MP3, M4A or WebM. Its content decides, not its name.",
        allow_empty_file=True,  # an empty file gets our own message, not DRF's
    )
    time_zone = TimeZoneField()


class TopLabelSerializer(serializers.Serializer):
    # The field named `label` shadows Field.label for the type checker only: DRF's metaclass
    # moves declared fields off the class.
    label = serializers.CharField()  # type: ignore[assignment]
    probability = serializers.FloatField()


class HeardSoundSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="An AudioSet class, e.g. Vehicle, Rain, Speech.")
    score = serializers.FloatField(help_text="Its mean score over the clip, 0 to 1.")


class TimelineWindowSerializer(serializers.Serializer):
    start_s = serializers.FloatField()
    end_s = serializers.FloatField()
    top_scene = serializers.CharField()
    scenes = serializers.DictField(child=serializers.FloatField())


class PersonalLeanSerializer(serializers.Serializer):
    scene = serializers.CharField(help_text="The scene the user's close examples lean to.")
    examples = serializers.IntegerField(help_text="How many of the user's examples were close enough to count.")
    weight = serializers.FloatField(help_text="Their share of the blend with the model: n / (n + k), 0 to 1.")
    model_scene = serializers.CharField(help_text="What the model alone said.")
    model_confidence = serializers.FloatField(help_text="The model's own probability for `model_scene`.")


class SceneResultSerializer(serializers.ModelSerializer):
    scene_probabilities = serializers.DictField(child=serializers.FloatField())
    top_labels = TopLabelSerializer(many=True, help_text="The five likeliest labels, likeliest first.")
    heard = HeardSoundSerializer(
        many=True, help_text="The sounds the model heard (AudioSet classes), likeliest first; empty for older models."
    )
    timeline = TimelineWindowSerializer(many=True, help_text="The scenes of each analysis window (the model's own).")
    personal = serializers.SerializerMethodField(
        help_text="How the user's own examples (Your places) moved the scenes; null when none was close."
    )
    classified_at = serializers.DateTimeField(source="created_at")

    class Meta:
        model = SceneResult
        fields = [
            "top_scene", "confidence", "scene_probabilities", "top_labels", "heard", "timeline", "personal",
            "model_version", "processing_ms", "classified_at",
        ]

    @extend_schema_field(PersonalLeanSerializer(allow_null=True))
    def get_personal(self, result: SceneResult) -> dict[str, object] | None:
        return PersonalLeanSerializer(result.personal).data if result.personal else None


class PersonalExampleSerializer(serializers.ModelSerializer):
    recording = serializers.UUIDField(
        source="recording_id", allow_null=True, help_text="The recording it was taught from; null once that is deleted."
    )
    recording_name = serializers.CharField(source="source_name", help_text="The recording's file name when it was taught.")

    class Meta:
        model = PersonalExample
        fields = ["id", "scene", "created_at", "recording", "recording_name", "model_version"]


class RecordingSerializer(serializers.ModelSerializer):
    result = SceneResultSerializer(allow_null=True, help_text="Null until the first classification is done.")
    has_audio = serializers.BooleanField(help_text="False once the retention job has deleted the raw audio.")
    audio_url = serializers.SerializerMethodField()
    page_url = serializers.SerializerMethodField()

    class Meta:
        model = Recording
        fields = [
            "id", "status", "error_code", "error_message", "original_filename", "duration_s", "sample_rate",
            "channels", "format", "size_bytes", "time_zone", "has_audio", "audio_url", "page_url", "result",
            "created_at", "updated_at", "completed_at", "audio_deleted_at",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_audio_url(self, recording: Recording) -> str | None:
        return reverse("api-recording-audio", args=[recording.id]) if recording.has_audio else None

    def get_page_url(self, recording: Recording) -> str:
        return reverse("scenes:detail", args=[recording.id])


_EXAMPLE_ID = "3f6c1f2e-8d1b-4a53-9a0e-5b7c2d9e4f10"
_EXAMPLE_RESULT = {
    "top_scene": "rain",
    "confidence": 0.81,
    "scene_probabilities": {"rain": 0.81, "street": 0.09, "nature": 0.06, "home": 0.04},
    "top_labels": [
        {"label": "rain", "probability": 0.41},
        {"label": "ambience:rain", "probability": 0.38},
        {"label": "thunderstorm", "probability": 0.04},
        {"label": "engine", "probability": 0.03},
        {"label": "ambience:street", "probability": 0.03},
    ],
    "heard": [
        {"name": "Rain", "score": 0.62},
        {"name": "Rain on surface", "score": 0.41},
        {"name": "Raindrop", "score": 0.22},
        {"name": "Vehicle", "score": 0.06},
        {"name": "Outside, urban or manmade", "score": 0.05},
    ],
    "timeline": [
        {"start_s": 0.0, "end_s": 4.815, "top_scene": "rain", "scenes": {"rain": 0.84, "street": 0.08}},
        {"start_s": 2.88, "end_s": 7.695, "top_scene": "rain", "scenes": {"rain": 0.78, "street": 0.11}},
    ],
    "personal": None,
    "model_version": "yamnet-lstm-v1",
    "processing_ms": 142,
    "classified_at": "2026-11-22T09:30:02Z",
}
_EXAMPLE_RECORDING = {
    "id": _EXAMPLE_ID,
    "status": "done",
    "error_code": "",
    "error_message": "",
    "original_filename": "balcony.webm",
    "duration_s": 7.5,
    "sample_rate": 48000,
    "channels": 1,
    "format": "matroska,webm",
    "size_bytes": 61234,
    "has_audio": True,
    "audio_url": f"/api/v1/recordings/{_EXAMPLE_ID}/audio/",
    "page_url": f"/scenes/{_EXAMPLE_ID}/",
    "result": _EXAMPLE_RESULT,
    "created_at": "2026-11-22T09:30:00Z",
    "updated_at": "2026-11-22T09:30:02Z",
    "completed_at": "2026-11-22T09:30:02Z",
    "audio_deleted_at": None,
}
RECORDING_DONE_EXAMPLE = OpenApiExample("Classified", value=_EXAMPLE_RECORDING, response_only=True)
RECORDING_QUEUED_EXAMPLE = OpenApiExample(
    "Just uploaded",
    value={**_EXAMPLE_RECORDING, "status": "queued", "result": None, "completed_at": None},
    response_only=True,
)
RECORDING_FAILED_EXAMPLE = OpenApiExample(
    "Failed",
    value={
        **_EXAMPLE_RECORDING, "status": "failed", "result": None, "has_audio": False, "audio_url": None,
        "error_code": "silent", "error_message": SILENT_MESSAGE,
    },
    response_only=True,
)


ERROR_EXAMPLES = [
    error_example("Too long", 400, "too_long", TOO_LONG_MESSAGE.format(limit_s=120)),
    error_example("Not audio", 400, "undecodable", UNDECODABLE_MESSAGE),
    error_example(
        "No file", 400, "invalid", INVALID_INPUT_MESSAGE, errors={"file": ["No file was submitted."]}
    ),
    error_example("Too large", 413, "too_large", TOO_LARGE_MESSAGE.format(limit_mb=20)),
    error_example("Rate limited", 429, "rate_limited", rate_limited_message(limit=30, retry_after_s=720)),
]


# --- Live mode ------------------------------------------------------------------------------


class ListeningSessionStartSerializer(serializers.Serializer):
    interval_s = serializers.IntegerField(
        required=False,
        help_text="Seconds between snippets; SCENES_LIVE_INTERVAL_S (30) when absent, within the server's limits "
        "(10 to 300 by default).",
    )
    consent = serializers.BooleanField(
        help_text="True once the person has agreed that live mode listens through the microphone. Required."
    )
    time_zone = TimeZoneField()


class LiveSnippetUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="A few seconds of audio (any format a recording may have); deleted once classified.",
        allow_empty_file=True,
    )


class LiveSnippetSerializer(serializers.ModelSerializer):
    scene_probabilities = serializers.DictField(child=serializers.FloatField())
    personal = serializers.SerializerMethodField(help_text="How your personal examples moved it; null when not.")

    class Meta:
        model = LiveSnippet
        fields = [
            "id", "status", "error_code", "error_message", "created_at", "classified_at", "duration_s",
            "top_scene", "confidence", "scene_probabilities", "personal", "held_scene", "model_version",
            "processing_ms",
        ]
        extra_kwargs = {
            "held_scene": {"help_text": "The session's scene after this snippet (it changes only when new snippets agree)."},
        }

    @extend_schema_field(PersonalLeanSerializer(allow_null=True))
    def get_personal(self, snippet: LiveSnippet) -> dict[str, object] | None:
        return PersonalLeanSerializer(snippet.personal).data if snippet.personal else None


class ListeningSessionSerializer(serializers.ModelSerializer):
    scene_probabilities = serializers.DictField(
        child=serializers.FloatField(), help_text="The probabilities of the latest snippet that named the held scene."
    )
    snippet_count = serializers.IntegerField(read_only=True)
    ends_at = serializers.SerializerMethodField(help_text="When the session stops by itself (its length limit).")

    class Meta:
        model = ListeningSession
        fields = [
            "id", "status", "interval_s", "time_zone", "scene", "scene_probabilities", "scene_changes",
            "scene_changed_at", "snippet_count", "started_at", "last_snippet_at", "ended_at", "ends_at",
        ]
        extra_kwargs = {
            "scene": {"help_text": "The held scene: empty until the first result; songs follow it."},
            "scene_changes": {"help_text": "How many times the held scene changed after the first."},
        }

    def get_ends_at(self, session: ListeningSession) -> datetime:
        return session_ends_at(session)


class ListeningSessionDetailSerializer(ListeningSessionSerializer):
    snippets = LiveSnippetSerializer(many=True, read_only=True, help_text="The session's timeline, oldest first.")

    class Meta(ListeningSessionSerializer.Meta):
        fields = [*ListeningSessionSerializer.Meta.fields, "snippets"]
