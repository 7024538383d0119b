"""Making a recommendation: from scene probabilities and local time to ranked catalog tracks."""
from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from recommendations import conf, selectors
from recommendations import criteria as rules
from recommendations.models import Recommendation, RecommendationItem, SceneCorrection
from recommendations.profiles import Profile, blend_profiles, scene_profile
from recommendations.ranking import Pick, Variety, rank
from recommendations.reasons import Setting
from recommendations.services.feedback import FeedbackError, scene_correction_set
from scenes.labels import scene_display_name
from soundscapify.time_zones import known_time_zone_or_blank

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from scenes.models import ListeningSession, Recording

ERROR_EMPTY_CATALOG = "Our song catalog is empty, so there is nothing to recommend yet. An administrator can import songs with `manage.py import_tracks`."
ERROR_NO_KNOWN_SCENE = "None of the detected scenes is in our criteria table, so we cannot pick songs for it."
ERROR_NOTHING_FITS = "No song in our catalog fits this scene yet (or you have heard them all recently). Try again later."
ERROR_RECORDING_NOT_READY = "This recording has not been classified yet."
ERROR_NOTHING_TO_CORRECT = "This recommendation has no recording to correct."
NOTE_WIDENED = "Few songs fit this scene exactly, so we looked a little wider."
NOTE_FEW = "Only {count} songs fit: our catalog is still small."
NOTE_NO_TASTE = "Tell us what you like (thumbs up) or connect Spotify, and we will pick closer to your taste."
WIDEN_STEP, WIDEN_TIMES = 0.05, 4


class RecommendationError(Exception):
    """No recommendation can be made; the message is for the user (the ERROR_* constants)."""


def local_time_in(tz_name: str | None, *, at: datetime | None = None) -> datetime:
    """`at` (default now) in the named IANA zone; an unknown or empty name means the site's zone."""
    zone = ZoneInfo(known_time_zone_or_blank(tz_name) or settings.TIME_ZONE)
    return (at or timezone.now()).astimezone(zone)


def local_time_now_for(recording: Recording, requested_zone: str | None) -> datetime:
    """Now in the zone the client asks for, else the recording's own zone, else the site's."""
    return local_time_in(known_time_zone_or_blank(requested_zone) or recording.time_zone)


def recommendation_create(
    *,
    user: User,
    scene_probabilities: dict[str, float],
    local_time: datetime,
    recording: Recording | None = None,
    model_version: str = "",
    size: int | None = None,
    seed: int | None = None,
    detected: Mapping[str, float] | None = None,
) -> Recommendation:
    """Pick songs for the likely scenes at the user's local time and keep them in the history.

    `detected` is what the scene model heard, kept beside the songs, when the songs are picked
    for other probabilities (the scene the user corrected to); by default `scene_probabilities`.

    Blends the criteria and profiles of every scene with at least
    RECOMMENDATIONS_MIN_SCENE_PROBABILITY; takes the energy band from the local hour; ranks
    by closeness to the blended box's centre, fit to the blended profile and closeness to
    the user's taste; keeps artists, genres and decades varied; skips the tracks of the
    user's last few recommendations, those they gave a thumbs down, and explicit ones when
    their settings say so.
    Raises RecommendationError with a message for the user.
    """
    size = size or conf.get("RECOMMENDATIONS_SIZE")
    known = selectors.scene_rules()
    weights = rules.likely_scenes(scene_probabilities, set(known), conf.get("RECOMMENDATIONS_MIN_SCENE_PROBABILITY"))
    if not weights:
        raise RecommendationError(ERROR_NO_KNOWN_SCENE)
    band = rules.band_for_hour(local_time.hour)
    box = rules.blend([(p, known[name].criteria) for name, p in weights.items()], band)
    profile = blend_profiles([(p, scene_profile(known[name].profile_values)) for name, p in weights.items()])
    setting = Setting(scenes=_scene_phrase(weights), time=_time_phrase(local_time.hour), band=band)
    picks, used_box, notes = _pick(user, box, profile, size, setting, random.Random(seed))
    heard = scene_probabilities if detected is None else detected
    snapshot = {"detected": {k: round(float(v), 4) for k, v in heard.items()}, **_snapshot(known, weights, band, box, used_box)}
    return _store(user, recording, weights, snapshot, model_version, local_time, picks, notes)


def _pick(
    user: User, box: rules.Box, profile: Profile, size: int, setting: Setting, rng: random.Random
) -> tuple[list[Pick], rules.Box, list[str]]:
    taste = selectors.user_taste(user=user)
    excluded = selectors.recently_recommended_track_ids(user=user, last=conf.get("RECOMMENDATIONS_NO_REPEAT_LAST"))
    excluded |= {song.pk for song in taste.disliked}
    allow_explicit = selectors.user_allows_explicit(user=user)
    notes: list[str] = [] if taste.anchors or taste.artists else [NOTE_NO_TASTE]
    used = box
    for attempt in range(WIDEN_TIMES + 1):
        used = box.widened(WIDEN_STEP * attempt) if attempt else box
        candidates = selectors.candidate_tracks(
            used, wanted=max(10 * size, 200), exclude_ids=excluded, allow_explicit=allow_explicit, rng=rng
        )
        picks = rank(candidates, box=box, profile=profile, taste=taste, setting=setting, size=size, variety=_variety())
        if len(picks) >= size:
            break
    if not picks:
        # Asked only now: the check costs a round trip that a catalog with songs never needs.
        raise RecommendationError(ERROR_NOTHING_FITS if selectors.catalog_has_scored_tracks() else ERROR_EMPTY_CATALOG)
    if used != box:
        notes.append(NOTE_WIDENED)
    if len(picks) < size:
        notes.append(NOTE_FEW.format(count=len(picks)))
    return picks, used, notes


def _variety() -> Variety:
    return Variety(
        max_per_artist=conf.get("RECOMMENDATIONS_MAX_PER_ARTIST"),
        max_genre_share=conf.get("RECOMMENDATIONS_MAX_GENRE_SHARE"),
        max_decade_share=conf.get("RECOMMENDATIONS_MAX_DECADE_SHARE"),
    )


def _scene_phrase(weights: dict[str, float]) -> str:
    """The two likeliest scenes by their display names: "Rain and Work & study"."""
    return " and ".join(scene_display_name(name) for name in list(weights)[:2])


def _time_phrase(hour: int) -> str:
    return "this morning" if 5 <= hour < 12 else "this afternoon" if 12 <= hour < 18 else "this evening" if 18 <= hour < 23 else "tonight"


def _snapshot(known: dict[str, Any], weights: dict[str, float], band: str, box: rules.Box, used: rules.Box) -> dict[str, Any]:
    return {
        "scenes": {name: {**known[name].criteria, **known[name].profile_values} for name in weights},
        "band": band,
        "time_rule": [list(step) for step in conf.get("RECOMMENDATIONS_ENERGY_BANDS")],
        "box": box.as_dict(),
        "searched_box": used.as_dict(),
    }


@transaction.atomic
def _store(
    user: User, recording: Recording | None, weights: dict[str, float], snapshot: dict[str, Any],
    model_version: str, local_time: datetime, picks: list[Pick], notes: list[str],
) -> Recommendation:
    _commit_without_waiting_for_the_disk()
    recommendation = Recommendation.objects.create(
        user=user, recording=recording, scene_probabilities={k: round(v, 4) for k, v in weights.items()},
        top_scene=next(iter(weights)), criteria=snapshot, model_version=model_version,
        local_time=local_time, time_zone=getattr(local_time.tzinfo, "key", ""), notes=notes,
    )
    _insert_items(recommendation.pk, picks)
    return recommendation


def _insert_items(recommendation_id: int, picks: list[Pick]) -> None:
    """One INSERT of every pick: bulk_create's model instances took a tenth of a recommendation."""
    if not picks:
        return
    rows = [(recommendation_id, p.track.pk, rank, p.score, p.reason) for rank, p in enumerate(picks, start=1)]
    sql = (
        f"INSERT INTO {RecommendationItem._meta.db_table} (recommendation_id, track_id, rank, score, reason) VALUES "
        + ", ".join(["(%s, %s, %s, %s, %s)"] * len(rows))
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for row in rows for value in row])


def _commit_without_waiting_for_the_disk() -> None:
    """Waiting for PostgreSQL's log flush took ~4 ms of each recommendation, a fifth of its
    budget. Without the wait, a database crash can lose the last fraction of a second of
    history (asked again, the songs are picked again), never leave it half-written."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def recommendation_create_for_recording(
    *, recording: Recording, local_time: datetime | None = None, again: bool = False, seed: int | None = None
) -> Recommendation:
    """The recommendation for a classified recording: the existing one unless `again` asks for a new one.

    The local time defaults to the recording's time in the zone it was recorded in (the site's
    zone when the client sent none). Where the user corrected the recording's scene, the songs
    are picked for that scene alone.
    Raises RecommendationError (ERROR_RECORDING_NOT_READY when it has no result yet).
    """
    from scenes.models import Recording

    with transaction.atomic():
        # The row lock makes a duplicate task wait, then find the first one's recommendation.
        recording = Recording.objects.select_for_update(of=("self",)).select_related("result", "user").get(pk=recording.pk)
        if not again:
            existing = Recommendation.objects.filter(recording=recording).order_by("-created_at", "-id").first()
            if existing is not None:
                return existing
        result = recording.result
        if result is None:
            raise RecommendationError(ERROR_RECORDING_NOT_READY)
        corrected = _corrected_scene(recording)
        return recommendation_create(
            user=recording.user, scene_probabilities={corrected: 1.0} if corrected else result.scene_probabilities,
            local_time=local_time or local_time_in(recording.time_zone, at=recording.created_at),
            recording=recording, model_version=result.model_version, seed=seed, detected=result.scene_probabilities,
        )


def _corrected_scene(recording: Recording) -> str:
    """The scene the recording's owner said it was; empty when they did not correct it."""
    corrections = SceneCorrection.objects.filter(user_id=recording.user_id, recording=recording)
    return corrections.values_list("corrected_scene", flat=True).first() or ""


def recommendation_create_for_correction(*, user: User, recommendation: Recommendation, scene: str) -> Recommendation:
    """Keep "the right scene was `scene`" for the recommendation's recording, and pick songs for it.

    The new songs are for the same local time as `recommendation`, so only the scene changes.
    Returns the new recommendation, or `recommendation` itself when it already was for `scene`
    alone and is the recording's latest. Raises FeedbackError (nothing stored) for an unknown scene or no recording to
    correct, RecommendationError when no song fits `scene` (the correction is kept).
    """
    if recommendation.recording is None:
        raise FeedbackError(ERROR_NOTHING_TO_CORRECT)
    scene_correction_set(user=user, recording=recommendation.recording, scene=scene)
    latest = Recommendation.objects.filter(recording=recommendation.recording).order_by("-created_at", "-id").first()
    # An older page confirming its scene still needs songs made again: the recording's
    # latest ones, which its result page leads to, are for another scene.
    if set(recommendation.scene_probabilities) == {scene} and latest == recommendation:
        return recommendation
    return recommendation_create_for_recording(
        recording=recommendation.recording, again=True,
        local_time=local_time_in(recommendation.time_zone, at=recommendation.local_time),
    )


ERROR_NO_LIVE_SCENE = "Live mode has not heard a scene yet: songs come after the first snippet is analysed."


def recommendation_create_for_live_session(*, session: ListeningSession, seed: int | None = None) -> Recommendation:
    """Songs for a live session's held scene now, at the user's local time; raises RecommendationError.

    The probabilities are those of the latest snippet that named the held scene (the one
    the hysteresis settled on), so a passing odd snippet never steers the songs.
    """
    if not session.scene:
        raise RecommendationError(ERROR_NO_LIVE_SCENE)
    probabilities = session.scene_probabilities or {session.scene: 1.0}
    return recommendation_create(
        user=session.user, scene_probabilities=probabilities, local_time=local_time_in(session.time_zone), seed=seed,
    )
