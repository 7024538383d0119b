"""Reads: the catalog's candidate query, a user's taste and history, the label mapping."""
from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal
from uuid import UUID

from django.conf import settings
from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet

from accounts.selectors import spotify_status
from recommendations.criteria import Box
from recommendations.models import (
    CRITERIA_FIELDS,
    Feedback,
    ListeningSettings,
    PlaylistExport,
    Recommendation,
    RecommendationItem,
    SceneCorrection,
    SceneCriteria,
    TasteTrack,
    Track,
)
from recommendations.profiles import PROFILE_FIELDS
from recommendations.ranking import Anchor, Song, Taste

SpotifySaveOption = Literal["ready", "connect", "reconnect", "unavailable"]

if TYPE_CHECKING:
    from django.contrib.auth.models import User

CANDIDATE_STRIPS = 8
# What ranking and display need of a track; the rest of its row stays in the database.
SONG_FIELDS = (
    "id", "spotify_id", "name", "artists", "genres", "release_year", "valence", "energy", "danceability",
    "acousticness", "instrumentalness", "speechiness", "tempo",
)


@dataclass(frozen=True)
class SceneRules:
    criteria: dict[str, float]
    profile_values: dict[str, Any]


def scene_rules() -> dict[str, SceneRules]:
    """Each scene's criteria and profile, by name, as plain values (model instances of the
    whole table cost a millisecond of every recommendation)."""
    rows = SceneCriteria.objects.values("name", *CRITERIA_FIELDS, *PROFILE_FIELDS)
    return {
        row["name"]: SceneRules({f: row[f] for f in CRITERIA_FIELDS}, {f: row[f] for f in PROFILE_FIELDS}) for row in rows
    }


def catalog_has_scored_tracks() -> bool:
    # EXISTS, not COUNT: counting a million rows on every recommendation costs ~0.3 s.
    return Track.objects.filter(scored=True).exists()


def box_track_count(box: Box) -> int:
    return _in_box(box).count()


def _in_box(box: Box) -> QuerySet[Track]:
    # `scored=True` is the partial index's condition: without it the index cannot be used.
    return Track.objects.filter(
        scored=True,
        valence__gte=box.valence_min, valence__lte=box.valence_max,
        energy__gte=box.energy_min, energy__lte=box.energy_max,
    )


def candidate_tracks(
    box: Box, *, wanted: int, exclude_ids: set[int], rng: random.Random, allow_explicit: bool = True
) -> list[Song]:
    """Up to about `wanted` scored tracks from the box, spread over its valence range.

    The valence range is cut into strips; each strip is read from a random point upwards
    along the (valence, energy) index, then from the strip's start if that ran short, each
    read with a LIMIT: every query touches a few index pages however large the catalog is.
    The strips go in one round trip. Hand-written SQL: the ORM's compiler took longer to
    build these statements than the database took to answer them.
    """
    per_strip = max(1, -(-wanted // CANDIDATE_STRIPS))
    width = (box.valence_max - box.valence_min) / CANDIDATE_STRIPS
    strips = []
    for strip in range(CANDIDATE_STRIPS):
        low = box.valence_min + strip * width
        high = box.valence_max if strip == CANDIDATE_STRIPS - 1 else low + width
        strips.append((low, rng.uniform(low, high), high))
    filters = _CandidateFilters(box, sorted(exclude_ids), allow_explicit)
    upper = _read_strips(filters, [(start, high, per_strip) for _, start, high in strips])
    # Both reads include the start point: a song right on it may come twice, hence the dict.
    lower = _read_strips(filters, [(low, start, per_strip - n) for (low, start, _), n in zip(strips, map(len, upper)) if n < per_strip])
    return list({song.pk: song for part in upper + lower for song in part}.values())


@dataclass(frozen=True)
class _CandidateFilters:
    box: Box
    exclude_ids: list[int]
    allow_explicit: bool

    def sql(self, *, as_array: bool) -> tuple[str, list[Any]]:
        # `scored` is the partial index's condition: without it the index cannot be used.
        where = "scored AND energy >= %s AND energy <= %s"
        params: list[Any] = [self.box.energy_min, self.box.energy_max]
        if self.exclude_ids and as_array:
            where += " AND id <> ALL(%s)"
            params.append(self.exclude_ids)
        elif self.exclude_ids:
            where += f" AND id NOT IN ({', '.join(['%s'] * len(self.exclude_ids))})"
            params += self.exclude_ids
        if not self.allow_explicit:
            where += " AND (explicit IS NULL OR NOT explicit)"  # not known: kept, most catalogs do not say
        return where, params


def _read_strips(filters: _CandidateFilters, strips: list[tuple[float, float, int]]) -> list[list[Song]]:
    """Each strip's songs, (from valence, to valence, limit) each, in one round trip."""
    if not strips:
        return []
    sql, params = (_lateral_strips if connection.vendor == "postgresql" else _union_strips)(filters, strips)
    rows: list[list[Song]] = [[] for _ in strips]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for strip, *fields in cursor.fetchall():
            rows[strip].append(_song(fields))
    return rows


def _lateral_strips(filters: _CandidateFilters, strips: list[tuple[float, float, int]]) -> tuple[str, list[Any]]:
    """One subquery run once per strip: PostgreSQL plans it once (the plan of eight unioned
    copies, each with the excluded ids, took longer than running them)."""
    where, params = filters.sql(as_array=True)
    values = ", ".join(["(%s, %s::float8, %s::float8, %s::int)"] * len(strips))
    sql = (
        f"SELECT strips.i, song.* FROM (VALUES {values}) AS strips(i, low, high, n) CROSS JOIN LATERAL "
        f"(SELECT {_song_columns('track')} FROM {Track._meta.db_table} AS track WHERE {where} "
        "AND valence >= strips.low AND valence <= strips.high ORDER BY valence, energy LIMIT strips.n) AS song"
    )
    return sql, [value for i, strip in enumerate(strips) for value in (i, *strip)] + params


def _union_strips(filters: _CandidateFilters, strips: list[tuple[float, float, int]]) -> tuple[str, list[Any]]:
    where, params = filters.sql(as_array=False)
    parts, values = [], []
    for i, (start, end, limit) in enumerate(strips):
        parts.append(
            f"SELECT * FROM (SELECT {i} AS strip, {_song_columns('track')} FROM {Track._meta.db_table} AS track "
            f"WHERE {where} AND valence >= %s AND valence <= %s ORDER BY valence, energy LIMIT %s) AS s{i}"
        )
        values += [*params, start, end, limit]
    return " UNION ALL ".join(parts), values


def _song_columns(table: str) -> str:
    """SONG_FIELDS of `table` as SQL, the artists cut down to the main one (all ranking needs)."""
    main_artist = f"{table}.artists->>0" if connection.vendor == "postgresql" else f"json_extract({table}.artists, '$[0]')"
    return ", ".join(main_artist if name == "artists" else f"{table}.{name}" for name in SONG_FIELDS)


def _song(fields: Sequence[Any]) -> Song:
    """A Song from a row of SONG_FIELDS (genres come as JSON text)."""
    pk, spotify_id, name, artist, genres, *rest = fields
    return Song(pk, spotify_id, name, artist or "", _json_list(genres), *rest)


def _json_list(value: Any) -> list[str]:
    if value == "[]":  # most catalogs know no genres: skip the decoder
        return []
    return json.loads(value) if isinstance(value, str) else value or []


def recently_recommended_track_ids(*, user: User, last: int) -> set[int]:
    """Tracks of the user's `last` most recent recommendations."""
    if last <= 0:
        return set()
    # Hand-written: the ORM took three times longer to build this than the database to run it.
    sql = (
        f"SELECT track_id FROM {RecommendationItem._meta.db_table} WHERE recommendation_id IN "
        f"(SELECT id FROM {Recommendation._meta.db_table} WHERE user_id = %s ORDER BY created_at DESC, id DESC LIMIT %s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk, last])
        return {track_id for (track_id,) in cursor.fetchall()}


def user_allows_explicit(*, user: User) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT allow_explicit FROM {ListeningSettings._meta.db_table} WHERE user_id = %s", [user.pk])
        row = cursor.fetchone()
    return row is None or bool(row[0])


def user_taste(*, user: User) -> Taste:
    """Anchors from the user's Spotify top and recent tracks in the catalog and their thumbs up;
    thumbs down as tracks to stay away from; the artists of all their favourites."""
    anchors: dict[int, Anchor] = {}
    artists: set[str] = set()
    disliked = []
    for from_feedback, source, value, scored, *fields in _taste_rows(user):
        song = _song(fields)
        if from_feedback and value == Feedback.Value.DOWN:
            disliked.append(song)
            continue
        artists.add(song.main_artist)
        if scored and (from_feedback or song.pk not in anchors):
            anchors[song.pk] = Anchor(song, _anchor_phrase(from_feedback, source))
    return Taste(anchors=list(anchors.values()), disliked=disliked, artists=frozenset(artists - {""}))


def _anchor_phrase(from_feedback: int, source: str) -> str:
    if from_feedback:
        return "a song you liked"
    return "a top track of yours" if source == TasteTrack.Source.TOP else "something you played lately"


def _taste_rows(user: User) -> list[tuple[Any, ...]]:
    """(from feedback, taste source, vote, scored, *SONG_FIELDS): Spotify taste first, top before
    recent, each by rank, then the thumbs (which win over taste for the same song)."""
    track = Track._meta.db_table
    sql = (
        f"SELECT 0, taste.source, 0, track.scored, {_song_columns('track')}, taste.rank FROM {TasteTrack._meta.db_table} AS taste "
        f"JOIN {track} AS track ON track.id = taste.track_id WHERE taste.user_id = %s "
        f"UNION ALL SELECT 1, '', vote.value, track.scored, {_song_columns('track')}, 0 FROM {Feedback._meta.db_table} AS vote "
        f"JOIN {track} AS track ON track.id = vote.track_id WHERE vote.user_id = %s "
        f"ORDER BY 1, 2, {len(SONG_FIELDS) + 5}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk, user.pk])
        return [row[:-1] for row in cursor.fetchall()]


def user_recommendations(*, user: User) -> QuerySet[Recommendation]:
    return (
        Recommendation.objects.filter(user=user)
        .select_related("playlist_export")
        .annotate(item_count=Count("items"))
        .order_by("-created_at", "-id")
    )


def user_recommendation(*, user: User, pk: int) -> Recommendation:
    """The user's recommendation with its items and tracks; raises Recommendation.DoesNotExist."""
    items = RecommendationItem.objects.select_related("track").order_by("rank")
    return (
        Recommendation.objects.filter(user=user)
        .select_related("playlist_export", "recording__result")
        .prefetch_related(Prefetch("items", queryset=items))
        .get(pk=pk)
    )


def recommendation_detected_scenes(recommendation: Recommendation) -> dict[str, float]:
    """The scene probabilities the recording's result page shows: what the model heard.

    Not `scene_probabilities`, which holds the weights the songs were picked with (the likely
    scenes renormalised, or the scene the user corrected to). Once the recording is deleted,
    the copy taken when the songs were picked; before that copy existed, the weights.
    """
    recording = recommendation.recording
    if recording is not None and recording.result is not None:
        return dict(recording.result.scene_probabilities)
    detected = recommendation.criteria.get("detected") if isinstance(recommendation.criteria, dict) else None
    return dict(detected) if detected else dict(recommendation.scene_probabilities)


def user_feedback_by_track(*, user: User, track_ids: list[int]) -> dict[int, int]:
    return dict(Feedback.objects.filter(user=user, track_id__in=track_ids).values_list("track_id", "value"))


def user_scene_correction(*, user: User, recording_id: UUID | str | None) -> SceneCorrection | None:
    if recording_id is None:
        return None
    return SceneCorrection.objects.filter(user=user, recording_id=recording_id).first()


def playlist_export_for(*, user: User, recommendation_id: int) -> PlaylistExport | None:
    # recommendation__pk, not recommendation_id: Django refuses out-of-range pk lookups with an
    # empty result, while a raw foreign-key value overflows SQLite's INTEGER and raises.
    return PlaylistExport.objects.filter(recommendation__pk=recommendation_id, recommendation__user=user).first()


def catalog_search(*, query: str, limit: int = 50) -> QuerySet[Track]:
    """Tracks whose name or Spotify id matches (admin only: the catalog is internal)."""
    query = query.strip()
    if not query:
        return Track.objects.none()
    return Track.objects.filter(Q(spotify_id=query) | Q(name__icontains=query)).order_by("name")[:limit]


def scene_corrections_for_export() -> QuerySet[SceneCorrection]:
    """Every scene correction with its recording, oldest first (one per user and recording)."""
    return SceneCorrection.objects.select_related("recording").order_by("updated_at", "pk").iterator(chunk_size=2000)  # type: ignore[return-value]


def spotify_save_option(*, user: User) -> SpotifySaveOption:
    """What "Save to Spotify" can do for the user: "ready"; "connect" or "reconnect" first;
    "unavailable" on a server without a Spotify app, where it is not offered at all."""
    if not settings.SPOTIFY_ENABLED:
        return "unavailable"
    connected, usable = spotify_status(user=user)
    return "ready" if usable else "reconnect" if connected else "connect"
