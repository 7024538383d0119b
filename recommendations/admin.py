"""The admin: the criteria table (with its labels and a catalog preview), the catalog,
suggestions to apply, and read-only history, playlists and refresh runs."""
from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from recommendations import criteria as rules
from recommendations import selectors
from recommendations.models import (
    CatalogRefreshRun,
    CriteriaSuggestion,
    Feedback,
    ListeningSettings,
    PlaylistExport,
    Recommendation,
    RecommendationItem,
    SceneCorrection,
    SceneCriteria,
    Track,
)
from recommendations.services.scenes import CriteriaError, criteria_suggestion_apply
from scenes.models import SceneLabel


class SceneLabelInline(admin.TabularInline):
    model = SceneLabel
    extra = 1


@admin.register(SceneCriteria)
class SceneAdmin(admin.ModelAdmin):
    list_display = ("name", "valence_min", "valence_max", "energy_min", "energy_2nd", "energy_3rd", "energy_max", "catalog_preview")
    search_fields = ("name", "description")
    inlines = (SceneLabelInline,)
    readonly_fields = ("catalog_preview", "updated_at")
    fieldsets = (
        (None, {"fields": ("name", "description", "rationale")}),
        ("Valence", {"fields": ("valence_min", "valence_max")}),
        ("Energy bands", {"fields": ("energy_min", "energy_2nd", "energy_3rd", "energy_max"),
                          "description": "Low band: min to 2nd; middle: 2nd to 3rd; high: 3rd to max."}),
        ("Profile", {
            "fields": (
                ("acousticness_min", "acousticness_max"), ("instrumentalness_min", "instrumentalness_max"),
                ("danceability_min", "danceability_max"), ("speechiness_min", "speechiness_max"),
                ("tempo_min", "tempo_max"), "preferred_genres", "avoided_genres",
            ),
            "description": "Optional. Songs far outside these ranges, or in an avoided genre, rank low even inside the box.",
        }),
        ("Catalog", {"fields": ("catalog_preview", "updated_at")}),
    )

    @admin.display(description="Scored tracks in the box (low / middle / high energy)")
    def catalog_preview(self, scene: SceneCriteria) -> str:
        if scene.pk is None or rules.criteria_errors(scene.criteria):
            return "-"
        counts = [selectors.box_track_count(rules.scene_box(scene.criteria, band)) for band in ("low", "mid", "high")]
        return " / ".join(f"{count:,}" for count in counts)


@admin.register(CriteriaSuggestion)
class CriteriaSuggestionAdmin(admin.ModelAdmin):
    list_display = ("scene", "valence_min", "valence_max", "energy_min", "energy_2nd", "energy_3rd", "energy_max", "track_count", "created_at", "applied_at")
    list_filter = ("scene", "applied_at")
    readonly_fields = tuple(f.name for f in CriteriaSuggestion._meta.fields)
    actions = ("apply_suggestions",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # made by `manage.py derive_criteria`

    @admin.action(description="Apply the selected suggestions to their scenes")
    def apply_suggestions(self, request: HttpRequest, queryset: QuerySet[CriteriaSuggestion]) -> None:
        for suggestion in queryset.select_related("scene"):
            try:
                criteria_suggestion_apply(suggestion=suggestion)
            except CriteriaError as exc:
                self.message_user(request, f"{suggestion.scene.name}: {exc}", messages.ERROR)
            else:
                self.message_user(request, f"Applied to {suggestion.scene.name}.", messages.SUCCESS)


@admin.register(Track)
class TrackAdmin(admin.ModelAdmin):
    list_display = ("name", "artist_display", "valence", "energy", "explicit", "scored", "source", "features_source", "updated_at")
    list_filter = ("scored", "explicit", "features_source")
    search_fields = ("=spotify_id", "name")
    readonly_fields = ("created_at", "updated_at")
    show_full_result_count = False  # a COUNT(*) over a million rows on every page is slow


class RecommendationItemInline(admin.TabularInline):
    model = RecommendationItem
    extra = 0
    readonly_fields = ("rank", "track", "score", "reason")
    can_delete = False


@admin.register(Recommendation)
class RecommendationAdmin(admin.ModelAdmin):
    list_display = ("id", "user", "top_scene", "model_version", "local_time", "created_at")
    list_filter = ("top_scene",)
    search_fields = ("user__username",)
    readonly_fields = ("user", "recording", "scene_probabilities", "top_scene", "criteria", "model_version", "local_time", "notes", "created_at")
    inlines = (RecommendationItemInline,)


@admin.register(ListeningSettings)
class ListeningSettingsAdmin(admin.ModelAdmin):
    list_display = ("user", "allow_explicit", "updated_at")
    list_filter = ("allow_explicit",)
    readonly_fields = ("user", "allow_explicit", "updated_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # each person sets their own


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ("user", "track", "value", "updated_at")
    list_filter = ("value",)
    raw_id_fields = ("track", "recommendation")


@admin.register(SceneCorrection)
class SceneCorrectionAdmin(admin.ModelAdmin):
    list_display = ("recording", "user", "predicted_scene", "corrected_scene", "model_version", "updated_at")
    list_filter = ("corrected_scene", "predicted_scene")
    raw_id_fields = ("recording",)


@admin.register(PlaylistExport)
class PlaylistExportAdmin(admin.ModelAdmin):
    list_display = ("name", "recommendation", "status", "items_added", "spotify_url", "updated_at")
    list_filter = ("status",)
    readonly_fields = ("recommendation", "created_at", "updated_at")


@admin.register(CatalogRefreshRun)
class CatalogRefreshRunAdmin(admin.ModelAdmin):
    list_display = ("started_at", "finished_at", "status", "users_seen", "tracks_seen", "tracks_created", "tracks_scored", "tracks_waiting", "error_count")
    list_filter = ("status",)
    readonly_fields = tuple(f.name for f in CatalogRefreshRun._meta.fields)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="Errors")
    def error_count(self, run: CatalogRefreshRun) -> int:
        return len(run.errors)
