"""API input and output shapes."""
from __future__ import annotations

from typing import Any, ClassVar

from rest_framework import serializers

from recommendations.models import (
    Feedback,
    ListeningSettings,
    PlaylistExport,
    Recommendation,
    RecommendationItem,
    SceneCriteria,
    Track,
)
from recommendations.profiles import PROFILE_FIELDS
from soundscapify.api_fields import TimeZoneField

LEGACY_TIME_ZONE = "timezone"  # the name of `time_zone` in POST /recommendations/ before


class TrackSerializer(serializers.ModelSerializer):
    spotify_url = serializers.CharField(read_only=True)
    embed_url = serializers.CharField(read_only=True, help_text="Spotify's embed player for the track, for a web view.")
    artwork_url = serializers.CharField(read_only=True, help_text="Album artwork; empty where the catalog does not know it.")

    class Meta:
        model = Track
        fields: ClassVar[list[str]] = ["spotify_id", "name", "artists", "album", "genres", "spotify_url", "embed_url",
                  "artwork_url", "valence", "energy", "danceability", "acousticness", "instrumentalness", "speechiness", "tempo",
                  "explicit", "release_year"]


class CatalogTrackSerializer(TrackSerializer):
    class Meta(TrackSerializer.Meta):
        fields: ClassVar[list[str]] = [*TrackSerializer.Meta.fields, "loudness", "mode", "key", "scored", "source", "features_source", "updated_at"]


class ItemSerializer(serializers.ModelSerializer):
    track = TrackSerializer()
    feedback = serializers.SerializerMethodField()

    class Meta:
        model = RecommendationItem
        fields: ClassVar[list[str]] = ["rank", "score", "reason", "track", "feedback"]

    def get_feedback(self, item: RecommendationItem) -> str | None:
        value = self.context.get("feedback", {}).get(item.track_id)
        return {1: "up", -1: "down"}.get(value)


class PlaylistExportSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlaylistExport
        fields: ClassVar[list[str]] = ["status", "name", "spotify_playlist_id", "spotify_url", "items_added", "message", "updated_at"]


class RecommendationSummarySerializer(serializers.ModelSerializer):
    recording = serializers.UUIDField(source="recording_id", read_only=True, allow_null=True)
    playlist = PlaylistExportSerializer(
        source="playlist_export", read_only=True, default=None, allow_null=True,
        help_text="Null until you save the recommendation to Spotify.",
    )
    item_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Recommendation
        fields: ClassVar[list[str]] = ["id", "created_at", "recording", "top_scene", "scene_probabilities", "model_version", "local_time", "time_zone", "item_count", "playlist"]


class RecommendationSerializer(RecommendationSummarySerializer):
    items = ItemSerializer(many=True, read_only=True)
    item_count = None  # type: ignore[assignment]

    class Meta(RecommendationSummarySerializer.Meta):
        fields: ClassVar[list[str]] = [f for f in RecommendationSummarySerializer.Meta.fields if f != "item_count"] + ["criteria", "notes", "items"]


class RecommendationCreateSerializer(serializers.Serializer):
    recording = serializers.UUIDField()
    time_zone = TimeZoneField(
        help_text="The user's IANA time zone now, e.g. Europe/Paris: their local time picks the songs' "
        "energy. Defaults to the recording's zone, then the site's. (`timezone`, its former name, is still read.)"
    )
    again = serializers.BooleanField(default=False, help_text="Make a new recommendation even if the recording has one.")

    def to_internal_value(self, data: Any) -> Any:
        # Clients written against the field's former name keep working; the new name wins.
        if hasattr(data, "keys") and LEGACY_TIME_ZONE in data and "time_zone" not in data:
            data = data.copy()
            data["time_zone"] = data[LEGACY_TIME_ZONE]
        return super().to_internal_value(data)


class FeedbackSerializer(serializers.Serializer):
    track = serializers.CharField(help_text="The track's Spotify id.")
    value = serializers.ChoiceField(choices=["up", "down", "none"])


class FeedbackOutSerializer(serializers.ModelSerializer):
    track = serializers.CharField(source="track.spotify_id")
    # Not get_value: that name is Field.get_value, which a nested serializer relies on.
    value = serializers.SerializerMethodField(method_name="vote")

    class Meta:
        model = Feedback
        fields: ClassVar[list[str]] = ["track", "value", "updated_at"]

    def vote(self, feedback: Feedback) -> str:
        return "up" if feedback.value == Feedback.Value.UP else "down"


class SceneCorrectionSerializer(serializers.Serializer):
    scene = serializers.CharField()
    recommendation = serializers.IntegerField(
        read_only=True, allow_null=True,
        help_text="The recommendation of songs for the corrected scene; null when no song in the catalog fits it.",
    )


class SceneSerializer(serializers.ModelSerializer):
    labels: serializers.SlugRelatedField = serializers.SlugRelatedField(many=True, read_only=True, slug_field="label")

    class Meta:
        model = SceneCriteria
        fields: ClassVar[list[str]] = ["name", "description", "rationale", "valence_min", "valence_max",
                  "energy_min", "energy_2nd", "energy_3rd", "energy_max", *PROFILE_FIELDS, "labels", "updated_at"]


class ListeningSettingsSerializer(serializers.ModelSerializer):
    class Meta:
        model = ListeningSettings
        fields: ClassVar[list[str]] = ["allow_explicit"]
        extra_kwargs: ClassVar[dict[str, dict[str, bool]]] = {"allow_explicit": {"required": True}}
