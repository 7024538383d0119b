from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from scenes import services
from scenes.errors import RecordingRejected
from scenes.models import Recording, SceneLabel, SceneResult


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
