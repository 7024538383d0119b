"""The recommendations part of "Export my data" (registered in RecommendationsConfig.ready)."""
from __future__ import annotations

from typing import Any

from recommendations.models import Feedback, PlaylistExport, Recommendation, SceneCorrection, TasteTrack
from recommendations.services.settings import listening_settings_get


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def recommendations_for_export(user: Any) -> dict[str, Any]:
    """Only this user's rows: history with songs, thumbs, scene corrections, playlists, taste, settings.

    Recordings are referred to by id: the export's `recordings` section (scenes.export) holds them.
    """
    history = Recommendation.objects.filter(user=user).select_related("playlist_export").prefetch_related("items__track")
    return {
        "history": [
            {
                "id": r.pk, "created_at": _iso(r.created_at), "recording": str(r.recording_id) if r.recording_id else None,
                "top_scene": r.top_scene,
                "scenes": r.scene_probabilities, "criteria": r.criteria, "model_version": r.model_version,
                "local_time": _iso(r.local_time), "time_zone": r.time_zone,
                "songs": [{"rank": i.rank, "spotify_id": i.track.spotify_id, "name": i.track.name, "reason": i.reason} for i in r.items.all()],
                "playlist": getattr(getattr(r, "playlist_export", None), "spotify_url", None),
            }
            for r in history
        ],
        "feedback": [
            {
                "spotify_id": f.track.spotify_id, "name": f.track.name, "value": "up" if f.value == 1 else "down",
                "recommendation": f.recommendation_id, "at": _iso(f.updated_at),
            }
            for f in Feedback.objects.filter(user=user).select_related("track")
        ],
        "scene_corrections": [
            {
                "recording": str(c.recording_id), "predicted": c.predicted_scene, "corrected": c.corrected_scene,
                "model_version": c.model_version, "at": _iso(c.updated_at),
            }
            for c in SceneCorrection.objects.filter(user=user)
        ],
        "playlists": [_playlist(p) for p in PlaylistExport.objects.filter(recommendation__user=user).order_by("-created_at")],
        "listening_settings": {
            "allow_explicit": listening_settings_get(user=user).allow_explicit,
        },
        "spotify_taste": [
            {"spotify_id": t.track.spotify_id, "source": t.source, "rank": t.rank}
            for t in TasteTrack.objects.filter(user=user).select_related("track")
        ],
    }


def _playlist(playlist: PlaylistExport) -> dict[str, Any]:
    return {
        "recommendation": playlist.recommendation_id, "name": playlist.name, "status": playlist.status,
        "spotify_playlist_id": playlist.spotify_playlist_id, "spotify_url": playlist.spotify_url,
        "songs_added": playlist.items_added, "message": playlist.message,
        "created_at": _iso(playlist.created_at), "updated_at": _iso(playlist.updated_at),
    }
