from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from scenes import services
from scenes.errors import RecordingRejected
from scenes.models import ListeningSession, LiveSnippet, PersonalExample, Recording, SceneLabel, SceneResult


class SceneResultInline(admin.TabularInline):
    model = SceneResult
    fields = readonly_fields = ("created_at", "top_scene", "confidence", "model_version", "processing_ms")
    extra = 0
    can_delete = False
    show_change_link = False


@admin.register(Recording)
class RecordingAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "status", "top_scene", "duration_s", "format", "size_bytes", "created_at"]
    list_filter = ["status", "format", "created_at"]
    search_fields = ["id", "user__username", "original_filename"]
    list_select_related = ["user", "result"]
    readonly_fields = [f.name for f in Recording._meta.fields]
    inlines = [SceneResultInline]
    actions = ["reclassify"]

    @admin.display(description="Top scene")
    def top_scene(self, recording: Recording) -> str:
        return recording.result.top_scene if recording.result else "-"

    @admin.action(description="Classify again with the active model")
    def reclassify(self, request: HttpRequest, queryset: QuerySet[Recording]) -> None:
        queued = 0
        for recording in queryset:
            try:
                services.recording_reclassify(recording=recording)
                queued += 1
            except RecordingRejected as exc:
                self.message_user(request, f"{recording.id}: {exc.message}", messages.WARNING)
        self.message_user(request, f"{queued} recording(s) queued for classification.", messages.SUCCESS)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(SceneLabel)
class SceneLabelAdmin(admin.ModelAdmin):
    list_display = ("label", "scene")
    list_editable = ("scene",)
    list_filter = ("scene",)
    search_fields = ("label",)


@admin.register(PersonalExample)
class PersonalExampleAdmin(admin.ModelAdmin):
    """Read-only: an example belongs to its user, who alone teaches or forgets it."""

    list_display = ["id", "user", "scene", "model_version", "source_name", "created_at"]
    list_filter = ["scene", "model_version"]
    search_fields = ["user__username", "source_name"]
    list_select_related = ["user"]
    fields = readonly_fields = ("user", "scene", "model_version", "recording", "source_name", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    # Delete stays allowed: deleting a user in the admin cascades to their examples, and Django
    # refuses that cascade to anyone without delete permission on every model it reaches.
    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class LiveSnippetInline(admin.TabularInline):
    model = LiveSnippet
    fields = readonly_fields = ("created_at", "status", "top_scene", "confidence", "held_scene", "error_code", "processing_ms")
    extra = 0
    can_delete = False
    show_change_link = False


@admin.register(ListeningSession)
class ListeningSessionAdmin(admin.ModelAdmin):
    """Read-only: a session belongs to its user; delete stays for the user cascade (see above)."""

    list_display = ["id", "user", "status", "scene", "scene_changes", "interval_s", "started_at", "ended_at"]
    list_filter = ["status", "started_at"]
    search_fields = ["id", "user__username"]
    list_select_related = ["user"]
    readonly_fields = [f.name for f in ListeningSession._meta.fields]
    inlines = [LiveSnippetInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
