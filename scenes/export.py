"""The recordings part of "Export my data" (registered in ScenesConfig.ready)."""
from __future__ import annotations

from typing import Any

from scenes.models import Recording, SceneResult, UploadRefusal


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def _result(result: SceneResult) -> dict[str, Any]:
    return {
        "top_scene": result.top_scene,
        "confidence": result.confidence,
        "scene_probabilities": result.scene_probabilities,
        "labels": result.top_labels,
        "heard": result.heard,
        "timeline": result.timeline,
        "personal": result.personal,  # how the person's own examples moved it; never the embedding
        "model_version": result.model_version,
        "classified_at": _iso(result.created_at),
    }


def _recording(recording: Recording) -> dict[str, Any]:
    results = list(recording.results.all())  # newest first (SceneResult.Meta.ordering)
    return {
        "id": str(recording.id),
        "file_name": recording.original_filename,
        "recorded_in_browser": recording.recorded_in_browser,
        "created_at": _iso(recording.created_at),
        "duration_s": recording.duration_s,
        "status": recording.status,
        "error_message": recording.error_message,
        "format": recording.format,
        "size_bytes": recording.size_bytes,
        "time_zone": recording.time_zone,
        "has_audio": recording.has_audio,
        "audio_deleted_at": _iso(recording.audio_deleted_at),
        "result": _result(recording.result) if recording.result else None,
        "earlier_results": [_result(r) for r in results if r.pk != recording.result_id],
    }


def recordings_for_export(user: Any) -> list[dict[str, Any]]:
    """Only this user's recordings, newest first, each with its scene results (the audio
    itself is not in the JSON: it can be downloaded from each recording's page)."""
    recordings = Recording.objects.filter(user=user).select_related("result").prefetch_related("results")
    return [_recording(recording) for recording in recordings.order_by("-created_at")]


def upload_refusals_for_export(user: Any) -> list[dict[str, Any]]:
    """Refused uploads of the last hour, kept only to count against the hourly limit."""
    return [
        {"code": refusal.code, "at": _iso(refusal.created_at)}
        for refusal in UploadRefusal.objects.filter(user=user).order_by("-created_at")
    ]
