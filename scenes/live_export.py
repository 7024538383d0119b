"""The "listening_sessions" part of "Export my data" (registered in ScenesConfig.ready)."""
from __future__ import annotations

from typing import Any

from scenes.models import ListeningSession, LiveSnippet


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def _snippet(snippet: LiveSnippet) -> dict[str, Any]:
    return {
        "at": _iso(snippet.created_at),
        "status": snippet.status,
        "error_message": snippet.error_message,
        "top_scene": snippet.top_scene,
        "confidence": snippet.confidence,
        "scene_probabilities": snippet.scene_probabilities,
        "personal": snippet.personal,
        "held_scene": snippet.held_scene,
        "model_version": snippet.model_version,
    }


def listening_sessions_for_export(user: Any) -> list[dict[str, Any]]:
    """This user's live sessions, newest first, each with its snippets' results (no audio is kept)."""
    sessions = ListeningSession.objects.filter(user=user).prefetch_related("snippets").order_by("-started_at")
    return [
        {
            "id": str(session.id),
            "status": session.status,
            "interval_s": session.interval_s,
            "time_zone": session.time_zone,
            "consented_at": _iso(session.consented_at),
            "started_at": _iso(session.started_at),
            "ended_at": _iso(session.ended_at),
            "scene": session.scene,
            "scene_changes": session.scene_changes,
            "snippets": [_snippet(snippet) for snippet in session.snippets.all()],
        }
        for session in sessions
    ]
