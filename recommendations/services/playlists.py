"""Saving a recommendation to the user's Spotify as a private playlist.

Safe to run again: the playlist id is stored as soon as Spotify returns it, and the count of
tracks already added says where to carry on, so a retry never makes a second playlist or adds
a batch twice. Two windows remain between Spotify's answer and our write (a worker killed,
the database gone, an answer lost to a timeout); both are closed by asking Spotify:
- create: the playlist's description carries the export's uuid, and a run without a stored
  id first looks for that marker in the user's playlists (GET /me/playlists, a few pages);
- add: a run that carries on compares the playlist's item count with ours; exactly one
  batch more means the last batch reached Spotify and was not counted.
Still open: a connection without playlist-read-private (Spotify then lists no private
playlist), and a request Spotify carries out only after the retry has looked (the retry's
backoff makes that unlikely).
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from celery import current_app
from django.db import transaction
from django.utils import timezone

from accounts.spotify import SpotifyClient
from recommendations.models import PlaylistExport, Recommendation
from recommendations.selectors import spotify_save_option
from scenes.labels import scene_display_name, scene_in_sentence
from soundscapify.celery import BROKER_ERRORS, PUBLISH_RETRY_POLICY

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from accounts.spotify import SpotifyPlaylistSummary

ADD_BATCH = 100  # Spotify's maximum per POST /playlists/{id}/items
DESCRIPTION_MAX = 300  # Spotify's limit on a playlist description
LOOKUP_PAGE_SIZE = 50  # Spotify's maximum per GET /me/playlists
# Spotify lists a playlist just created first, so a lost one is on the first page; the bound
# keeps a user with thousands of playlists from costing thousands of calls per export.
LOOKUP_MAX_PAGES = 4
logger = logging.getLogger(__name__)

# The name recommendations/tasks.py registers the playlist task under: runs are sent through
# Celery's registry by it, so this module, which the task module imports, never imports the
# task module back.
SAVE_PLAYLIST_TASK = "recommendations.tasks.save_playlist"
MESSAGE_RECONNECT = "Spotify did not let us save the playlist. Please reconnect your Spotify account and try again."
MESSAGE_NOT_CONNECTED = "Connect your Spotify account to save playlists."
MESSAGE_RATE_LIMITED = "Spotify is busy right now; we could not save the playlist. Please try again later."
MESSAGE_UNAVAILABLE = "Spotify could not be reached; we could not save the playlist. Please try again later."
MESSAGE_FAILED = "Spotify refused to save the playlist."
MESSAGE_INTERRUPTED = "Saving the playlist was interrupted on our side. Please try again later."
MESSAGE_UNAVAILABLE_HERE = "Saving to Spotify is not available on this server."
# Why a save cannot start, by what `selectors.spotify_save_option` says.
REFUSALS = {
    "unavailable": ("spotify_unavailable", MESSAGE_UNAVAILABLE_HERE),
    "connect": ("spotify_not_connected", MESSAGE_NOT_CONNECTED),
    "reconnect": ("spotify_reconnect_required", MESSAGE_RECONNECT),
}


class PlaylistRefused(Exception):
    """A save that cannot work (no Spotify app here, no usable connection); `message` is for the user."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def playlist_name(recommendation: Recommendation) -> str:
    scene = scene_display_name(recommendation.top_scene)
    return f"SoundScapify: {scene}, {recommendation.local_time:%Y-%m-%d}"


def playlist_export_request(*, user: User, recommendation: Recommendation) -> tuple[PlaylistExport, bool]:
    """The recommendation's export, and whether a run should be queued for it.

    A new or failed export is (re)set to pending and needs a run; a pending or done one
    is left alone (pressing the button twice makes one playlist).
    Raises PlaylistRefused, storing nothing, where the save could only fail: no Spotify app
    on this server, or the user has no usable Spotify connection.
    """
    refusal = REFUSALS.get(spotify_save_option(user=user))
    if refusal is not None:
        raise PlaylistRefused(*refusal)
    with transaction.atomic():
        export, created = PlaylistExport.objects.select_for_update().get_or_create(
            recommendation=recommendation, defaults={"name": playlist_name(recommendation)}
        )
        queue = created or export.status == PlaylistExport.Status.FAILED
        if export.status == PlaylistExport.Status.FAILED:
            export.status, export.message = PlaylistExport.Status.PENDING, ""
            export.save(update_fields=["status", "message", "updated_at"])
        if queue:
            export_id = export.pk
            transaction.on_commit(lambda: _send_export(export_id))
    return export, queue


def _send_export(export_id: int) -> None:
    """Queue the export's run; a broker that is down fails the export with a message, not the request.

    Nothing sweeps pending exports, so one left pending would spin on the page forever;
    failed, it shows its message and the button asks again.
    """
    try:
        current_app.tasks[SAVE_PLAYLIST_TASK].apply_async((export_id,), retry_policy=PUBLISH_RETRY_POLICY)
    except BROKER_ERRORS:
        logger.warning("Broker unreachable: playlist export %s not queued", export_id)
        PlaylistExport.objects.filter(pk=export_id, status=PlaylistExport.Status.PENDING).update(
            status=PlaylistExport.Status.FAILED, message=MESSAGE_INTERRUPTED, updated_at=timezone.now()
        )


def playlist_export_run(*, export_id: int) -> PlaylistExport:
    """Create the playlist (once) and add the tracks not added yet; return the export, done.

    Raises the Spotify client's errors (SpotifyRateLimited, SpotifyAuthError, ...): the
    task decides whether to retry or to fail the export.
    """
    export = PlaylistExport.objects.select_related("recommendation__user").get(pk=export_id)
    if export.status == PlaylistExport.Status.DONE:
        return export
    client = SpotifyClient.for_user(export.recommendation.user)
    uris = [f"spotify:track:{spotify_id}" for spotify_id in _track_ids(export.recommendation)]
    if not export.spotify_playlist_id:
        _attach_playlist(client, export, len(uris))
    elif export.items_added < len(uris):
        _recount_items(export, client.playlist_items_total(export.spotify_playlist_id), len(uris))
        export.save(update_fields=["items_added", "updated_at"])
    for start in range(export.items_added, len(uris), ADD_BATCH):
        batch = uris[start : start + ADD_BATCH]
        client.add_items(export.spotify_playlist_id, batch)
        export.items_added = start + len(batch)
        export.save(update_fields=["items_added", "updated_at"])
    export.status, export.message = PlaylistExport.Status.DONE, ""
    export.save(update_fields=["status", "message", "updated_at"])
    return export


def playlist_export_fail(*, export_id: int, message: str) -> PlaylistExport:
    export = PlaylistExport.objects.get(pk=export_id)
    export.status, export.message = PlaylistExport.Status.FAILED, message
    export.save(update_fields=["status", "message", "updated_at"])
    return export


def playlist_marker(export: PlaylistExport) -> str:
    """What the playlist's description carries to be found again: plain ASCII letters, digits
    and hyphens, which Spotify's HTML-escaping of descriptions leaves as they are."""
    return f"SoundScapify ref {export.uuid}"


def _attach_playlist(client: SpotifyClient, export: PlaylistExport, track_count: int) -> None:
    """Store the export's playlist: the one an earlier run made, or a new one."""
    earlier = _playlist_made_earlier(client, export)
    if earlier is None:
        description = _description(export.recommendation, playlist_marker(export))
        playlist = client.create_playlist(export.name, public=False, description=description)
        export.spotify_playlist_id, export.spotify_url = playlist.id, playlist.url
    else:
        export.spotify_playlist_id, export.spotify_url = earlier.id, earlier.url
        if earlier.items_total is not None:
            _recount_items(export, earlier.items_total, track_count)
    export.save(update_fields=["spotify_playlist_id", "spotify_url", "items_added", "updated_at"])


def _playlist_made_earlier(client: SpotifyClient, export: PlaylistExport) -> SpotifyPlaylistSummary | None:
    """The user's playlist whose description carries this export's marker, if Spotify lists it.

    A token without playlist-read-private (granted before the app asked for it) sees no
    private playlist: then nothing is found, and a crash in the window can still make a second.
    """
    uuid = str(export.uuid).lower()
    offset: int | None = 0
    pages = 0
    while offset is not None and pages < LOOKUP_MAX_PAGES:
        page = client.my_playlists(limit=LOOKUP_PAGE_SIZE, offset=offset)
        # The uuid alone, case-folded: the user may have edited the words around it.
        found = next((p for p in page.items if uuid in p.description.lower()), None)
        if found is not None:
            return found
        offset, pages = page.next_offset, pages + 1
    return None


def _recount_items(export: PlaylistExport, spotify_total: int, track_count: int) -> None:
    # A run that died after Spotify added a batch but before we counted it leaves Spotify
    # exactly one batch ahead of us: count that batch as added. Any other difference is the
    # user's own editing of the playlist, and our count stays.
    next_count = min(export.items_added + ADD_BATCH, track_count)
    if export.items_added < spotify_total == next_count:
        export.items_added = spotify_total


def _track_ids(recommendation: Recommendation) -> list[str]:
    return list(recommendation.items.order_by("rank").values_list("track__spotify_id", flat=True))


def _description(recommendation: Recommendation, marker: str) -> str:
    # Likeliest scene first: a jsonb column (PostgreSQL) does not keep the keys' order.
    weights = recommendation.scene_probabilities
    scenes = ", ".join(scene_in_sentence(name) for name in sorted(weights, key=lambda n: (-weights[n], n)))
    suffix = f" ({marker})"
    # The marker must survive whole, so the prose gives way when the two are too long.
    return f"Songs that fit {scenes}."[: DESCRIPTION_MAX - len(suffix)] + suffix
