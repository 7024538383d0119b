"""The catalog, the criteria table, and each user's recommendations, feedback and playlists."""
from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from recommendations.profiles import PROFILE_FIELDS, profile_errors
from scenes.labels import scene_display_name

# Spotify's audio features that live in 0..1.
UNIT_FEATURES = ("valence", "energy", "danceability", "acousticness", "instrumentalness", "speechiness")


SPOTIFY_EMBED_BASE = "https://open.spotify.com/embed/track/"
ARTWORK_HOST = "https://i.scdn.co"  # Spotify's image host (soundscapify.security allows it in img-src)


class Track(models.Model):
    """One song of our catalog. It is recommended only once it is scored (valence and energy known)."""

    spotify_id = models.CharField(max_length=64)
    name = models.CharField(max_length=500)
    artists = models.JSONField(default=list, help_text="Artist names, main artist first.")
    album = models.CharField(max_length=500, blank=True)
    genres = models.JSONField(default=list, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)

    valence = models.FloatField(null=True, blank=True)
    energy = models.FloatField(null=True, blank=True)
    danceability = models.FloatField(null=True, blank=True)
    acousticness = models.FloatField(null=True, blank=True)
    instrumentalness = models.FloatField(null=True, blank=True)
    speechiness = models.FloatField(null=True, blank=True)
    tempo = models.FloatField(null=True, blank=True, help_text="Beats per minute.")
    loudness = models.FloatField(null=True, blank=True, help_text="Decibels, usually -60..0.")
    mode = models.PositiveSmallIntegerField(null=True, blank=True, help_text="1 major, 0 minor.")
    key = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Pitch class, 0 = C.")
    explicit = models.BooleanField(null=True, blank=True, help_text="Explicit lyrics; blank when the source does not say.")
    release_year = models.PositiveSmallIntegerField(null=True, blank=True)
    # db_default: the PostgreSQL catalog import writes rows in SQL, naming only the columns a file can hold.
    image_url = models.URLField(max_length=500, blank=True, default="", db_default="", help_text="Album artwork, where the source gave one.")

    scored = models.BooleanField(default=False, help_text="Valence and energy are known.")
    source = models.CharField(max_length=100, help_text="Where the row came from (a file, a Spotify source).")
    features_source = models.CharField(max_length=50, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["name"]
        indexes: ClassVar[list[models.Index]] = [
            # The recommender's box query: a range on valence, filtered on energy, scored rows only.
            models.Index(fields=["valence", "energy"], name="track_scored_box", condition=Q(scored=True)),
            models.Index(fields=["scored", "updated_at"], name="track_scored_updated"),
        ]
        # A constraint, not unique=True: on PostgreSQL that would add a second index for LIKE
        # queries, which nothing makes, and which every imported row would have to update.
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["spotify_id"], name="track_spotify_id_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} - {self.artist_display}"

    @property
    def artist_display(self) -> str:
        return ", ".join(self.artists) if self.artists else "unknown artist"

    @property
    def main_artist(self) -> str:
        return (self.artists[0] if self.artists else "").strip().casefold()

    @property
    def uri(self) -> str:
        return f"spotify:track:{self.spotify_id}"

    @property
    def spotify_url(self) -> str:
        return f"https://open.spotify.com/track/{self.spotify_id}"

    @property
    def embed_url(self) -> str:
        """Spotify's embed player for this track: plays in our page, needs no API access."""
        return f"{SPOTIFY_EMBED_BASE}{self.spotify_id}"

    @property
    def artwork_url(self) -> str:
        """The album artwork when it is on Spotify's image host, the one image source our
        Content-Security-Policy allows besides our own; empty otherwise."""
        return self.image_url if self.image_url.startswith(ARTWORK_HOST + "/") else ""


def _profile_range(feature: str, end: str, help_text: str = "") -> models.FloatField:
    return models.FloatField(null=True, blank=True, verbose_name=f"{feature} {end}", help_text=help_text)


class SceneCriteria(models.Model):
    """A row of the criteria table: what music suits one scene. The box of valence and energy,
    and the profile (optional ranges of other features, preferred and avoided genres).

    Three things are called scene: the vocabulary the model speaks (`ml.scenes.SCENES`), the
    `scenes` app (recordings and what was heard in them), and this, the music for a scene.

    The energy range is cut into three bands (min..2nd, 2nd..3rd, 3rd..max); the band in
    use follows the user's local time of day (see `recommendations.criteria`). Songs far
    from the profile rank low even inside the box (see `recommendations.profiles`).
    """

    name = models.SlugField(max_length=50, unique=True)
    description = models.CharField(max_length=300, blank=True, help_text="What the scene sounds like.")
    rationale = models.CharField(max_length=300, blank=True, help_text="Why these criteria suit it.")
    valence_min = models.FloatField()
    valence_max = models.FloatField()
    energy_min = models.FloatField()
    energy_2nd = models.FloatField(help_text="Energy at the 33rd percentile: top of the low band.")
    energy_3rd = models.FloatField(help_text="Energy at the 66th percentile: top of the middle band.")
    energy_max = models.FloatField()
    acousticness_min = _profile_range("acousticness", "min", "0..1; blank for no limit.")
    acousticness_max = _profile_range("acousticness", "max")
    instrumentalness_min = _profile_range("instrumentalness", "min")
    instrumentalness_max = _profile_range("instrumentalness", "max")
    danceability_min = _profile_range("danceability", "min")
    danceability_max = _profile_range("danceability", "max")
    speechiness_min = _profile_range("speechiness", "min")
    speechiness_max = _profile_range("speechiness", "max")
    tempo_min = _profile_range("tempo", "min", "Beats per minute, 30..250; blank for no limit.")
    tempo_max = _profile_range("tempo", "max")
    preferred_genres = models.JSONField(default=list, blank=True, help_text='Genres that suit the scene, e.g. ["folk", "jazz"].')
    avoided_genres = models.JSONField(default=list, blank=True, help_text="Genres that do not.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["name"]
        verbose_name = verbose_name_plural = "scene criteria"
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=Q(valence_min__gte=0, valence_min__lte=F("valence_max"), valence_max__lte=1),
                name="scene_valence_in_order",
            ),
            models.CheckConstraint(
                condition=Q(
                    energy_min__gte=0,
                    energy_min__lte=F("energy_2nd"),
                    energy_2nd__lte=F("energy_3rd"),
                    energy_3rd__lte=F("energy_max"),
                    energy_max__lte=1,
                ),
                name="scene_energy_bands_in_order",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from recommendations.criteria import criteria_errors

        errors = {**criteria_errors(self.criteria), **profile_errors(self.profile_values)}
        if errors:
            raise ValidationError(errors)

    @property
    def criteria(self) -> dict[str, float]:
        return {field: getattr(self, field) for field in CRITERIA_FIELDS}

    @property
    def profile_values(self) -> dict[str, object]:
        return {field: getattr(self, field) for field in PROFILE_FIELDS}


CRITERIA_FIELDS = ("valence_min", "valence_max", "energy_min", "energy_2nd", "energy_3rd", "energy_max")


class CriteriaSuggestion(models.Model):
    """Bands computed by `derive_criteria` from the catalog: the admin may apply it, or not."""

    scene = models.ForeignKey(SceneCriteria, on_delete=models.CASCADE, related_name="suggestions")
    valence_min = models.FloatField()
    valence_max = models.FloatField()
    energy_min = models.FloatField()
    energy_2nd = models.FloatField()
    energy_3rd = models.FloatField()
    energy_max = models.FloatField()
    track_count = models.PositiveIntegerField(help_text="Catalog tracks in the valence cluster.")
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at", "scene__name"]

    def __str__(self) -> str:
        return f"Suggestion for {self.scene.name} ({self.created_at:%Y-%m-%d %H:%M})"

    @property
    def criteria(self) -> dict[str, float]:
        return {field: getattr(self, field) for field in CRITERIA_FIELDS}


class TasteTrack(models.Model):
    """A track from a user's Spotify top or recently played lists, as last fetched."""

    class Source(models.TextChoices):
        TOP = "top", "Top track"
        RECENT = "recent", "Recently played"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="taste_tracks")
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=10, choices=Source.choices)
    rank = models.PositiveSmallIntegerField(default=0)
    fetched_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["source", "rank"]
        constraints: ClassVar[list[models.BaseConstraint]] = [models.UniqueConstraint(fields=["user", "track", "source"], name="taste_track_once")]


class ListeningSettings(models.Model):
    """A user's choices about what they are recommended."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="listening_settings")
    allow_explicit = models.BooleanField(default=True, help_text="Off: songs the catalog marks explicit are never recommended.")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Listening settings of {self.user}"


class Recommendation(models.Model):
    """One answer to "what fits this ambience?", kept in the user's history."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recommendations")
    # Kept when the recording is deleted: the history stays, the link goes.
    recording = models.ForeignKey(
        "scenes.Recording", null=True, blank=True, on_delete=models.SET_NULL, related_name="recommendations"
    )
    scene_probabilities = models.JSONField(default=dict, help_text="The scenes used and their weights.")
    top_scene = models.CharField(max_length=50)
    criteria = models.JSONField(default=dict, help_text="Snapshot of the criteria and the box used.")
    model_version = models.CharField(max_length=100, blank=True)
    local_time = models.DateTimeField(help_text="The user's local time the band was chosen for.")
    time_zone = models.CharField(max_length=64, blank=True, help_text="The user's IANA time zone then.")
    notes = models.JSONField(default=list, blank=True, help_text="What the user should know (widened box, no taste).")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at", "-id"]
        indexes: ClassVar[list[models.Index]] = [models.Index(fields=["user", "-created_at"], name="recommendation_user_recent")]

    def __str__(self) -> str:
        return f"{self.top_scene} for {self.user} ({self.created_at:%Y-%m-%d %H:%M})"

    @property
    def scene_label(self) -> str:
        return scene_display_name(self.top_scene)


class RecommendationItem(models.Model):
    recommendation = models.ForeignKey(Recommendation, on_delete=models.CASCADE, related_name="items")
    track = models.ForeignKey(Track, on_delete=models.PROTECT, related_name="+")
    rank = models.PositiveSmallIntegerField()
    score = models.FloatField()
    reason = models.CharField(max_length=300)

    class Meta:
        ordering: ClassVar[list[str]] = ["recommendation", "rank"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["recommendation", "rank"], name="item_rank_once"),
            models.UniqueConstraint(fields=["recommendation", "track"], name="item_track_once"),
        ]

    def __str__(self) -> str:
        return f"#{self.rank} {self.track}"


class Feedback(models.Model):
    """Thumbs up (+1) or down (-1) on a track; the latest vote counts."""

    class Value(models.IntegerChoices):
        UP = 1, "Thumbs up"
        DOWN = -1, "Thumbs down"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="track_feedback")
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="+")
    recommendation = models.ForeignKey(Recommendation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    value = models.SmallIntegerField(choices=Value.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [models.UniqueConstraint(fields=["user", "track"], name="feedback_once_per_track")]

    def __str__(self) -> str:
        return f"{self.user} {self.get_value_display()} {self.track}"


class SceneCorrection(models.Model):
    """"Wrong scene? Pick the right one": kept for retraining (see `export_feedback`)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scene_corrections")
    recording = models.ForeignKey("scenes.Recording", on_delete=models.CASCADE, related_name="scene_corrections")
    predicted_scene = models.CharField(max_length=50, blank=True)
    corrected_scene = models.CharField(max_length=50)
    model_version = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-updated_at"]
        constraints: ClassVar[list[models.BaseConstraint]] = [models.UniqueConstraint(fields=["user", "recording"], name="correction_once_per_recording")]

    def __str__(self) -> str:
        return f"{self.predicted_scene or '?'} -> {self.corrected_scene}"


class PlaylistExport(models.Model):
    """A "Save to Spotify" request; holding the playlist id is what makes retries safe."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    recommendation = models.OneToOneField(Recommendation, on_delete=models.CASCADE, related_name="playlist_export")
    # Written into the playlist's description: a run that died between Spotify's answer to
    # "create" and our write of the id finds its playlist again by it (no second playlist).
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    name = models.CharField(max_length=200)
    spotify_playlist_id = models.CharField(max_length=64, blank=True)
    spotify_url = models.URLField(blank=True)
    items_added = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.status})"


class CatalogRefreshRun(models.Model):
    """One run of the song-dataset refresh job."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        PARTIAL = "partial", "Finished with errors"
        FAILED = "failed", "Failed"

    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    users_seen = models.PositiveIntegerField(default=0)
    tracks_seen = models.PositiveIntegerField(default=0)
    tracks_created = models.PositiveIntegerField(default=0)
    tracks_scored = models.PositiveIntegerField(default=0)
    tracks_waiting = models.PositiveIntegerField(default=0, help_text="Still unscored after this run.")
    errors = models.JSONField(default=list, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"Refresh {self.started_at:%Y-%m-%d %H:%M} ({self.status})"
