"""Live mode, through its services: hysteresis, limits, and no snippet audio left on disk.

The scene model is replaced by a stand-in (`classification._classify`) that answers the scene
each test queues; tests/scenes/test_live_browser.py runs the real model in a real worker.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from scenes import services
from scenes.errors import InvalidAudio, LiveRefused, RateLimited, RecordingRejected, UploadTooLarge
from scenes.live import held_scene
from scenes.models import ListeningSession, LiveSnippet, Recording
from scenes.services import classification
from tests.scenes.helpers import ambience, encode, upload_file

pytestmark = pytest.mark.django_db


# --- Hysteresis ------------------------------------------------------------------------------


def test_the_first_result_sets_the_scene_at_once() -> None:
    assert held_scene(current="", recent=["street"], hold=2) == "street"


def test_one_odd_snippet_does_not_change_the_scene() -> None:
    assert held_scene(current="street", recent=["street", "rain"], hold=2) == "street"


def test_a_new_scene_that_holds_for_the_hold_count_takes_over() -> None:
    assert held_scene(current="street", recent=["rain", "rain"], hold=2) == "rain"


def test_a_run_broken_by_another_scene_does_not_change_it() -> None:
    assert held_scene(current="street", recent=["rain", "park", "rain"], hold=3) == "street"
    assert held_scene(current="street", recent=["rain", "rain", "rain"], hold=3) == "rain"


def test_a_hold_of_one_follows_every_snippet() -> None:
    assert held_scene(current="street", recent=["rain"], hold=1) == "rain"


# --- Fixtures ----------------------------------------------------------------------------------


@dataclass
class FakeResult:
    top_scene: str
    scene_probabilities: dict[str, float] = field(default_factory=dict)
    confidence: float = 0.8
    model_version: str = "fake-1"
    processing_ms: float = 11.0


@pytest.fixture
def scenes_heard(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Scenes the stand-in model answers, one per classified snippet, in order."""
    queue: list[str] = []

    def classify(samples: Any, sample_rate: int) -> FakeResult:
        scene = queue.pop(0)
        return FakeResult(top_scene=scene, scene_probabilities={scene: 0.8, "other": 0.2})

    monkeypatch.setattr(classification, "_classify", classify)
    monkeypatch.setattr(classification, "_model_sample_rate", lambda: 16000)
    return queue


@pytest.fixture
def live_settings(settings: Any) -> Any:
    settings.SCENES_LIVE_MIN_INTERVAL_S = 10
    settings.SCENES_LIVE_MAX_INTERVAL_S = 300
    settings.SCENES_LIVE_HOLD_SNIPPETS = 2
    settings.SCENES_LIVE_MAX_SESSION_S = 3600
    return settings


@pytest.fixture
def session(user: Any, live_settings: Any) -> ListeningSession:
    return services.live_session_start(user=user, interval_s=30, consent=True)


def snippet_upload(seconds: float = 3.0, seed: int = 0) -> Any:
    return upload_file(encode(ambience(seconds, seed=seed), fmt="wav"), name="snippet.wav")


def add_snippet(session: ListeningSession, **kwargs: Any) -> LiveSnippet:
    # Each snippet a full interval after the last: the rate limit is tested on its own.
    ListeningSession.objects.filter(user=session.user).update(last_snippet_at=timezone.now() - timedelta(minutes=5))
    return services.live_snippet_add(session=session, upload=snippet_upload(**kwargs))


# --- Starting, pausing, stopping -------------------------------------------------------------------


def test_it_refuses_to_start_without_consent(user: Any, live_settings: Any) -> None:
    with pytest.raises(RecordingRejected) as refused:
        services.live_session_start(user=user, interval_s=30, consent=False)
    assert refused.value.code == "consent_required"
    assert not ListeningSession.objects.exists()


@pytest.mark.parametrize("interval_s", [9, 301])
def test_it_refuses_an_interval_outside_the_limits(user: Any, live_settings: Any, interval_s: int) -> None:
    with pytest.raises(RecordingRejected) as refused:
        services.live_session_start(user=user, interval_s=interval_s, consent=True)
    assert refused.value.code == "invalid_interval"
    assert refused.value.message == "Choose an interval between 10 and 300 seconds."


def test_a_user_has_one_open_session_at_a_time(session: ListeningSession) -> None:
    with pytest.raises(LiveRefused) as refused:
        services.live_session_start(user=session.user, interval_s=30, consent=True)
    assert refused.value.code == "session_open"
    services.live_session_stop(session=session)
    assert services.live_session_start(user=session.user, interval_s=30, consent=True).status == "active"


def test_a_session_past_its_length_limit_is_closed_when_a_new_one_starts(session: ListeningSession) -> None:
    ListeningSession.objects.filter(pk=session.pk).update(started_at=timezone.now() - timedelta(hours=2))
    new = services.live_session_start(user=session.user, interval_s=30, consent=True)
    session.refresh_from_db()
    assert (session.status, new.status) == ("stopped", "active")


def test_a_paused_session_refuses_snippets_until_resumed(session: ListeningSession, scenes_heard: list[str]) -> None:
    services.live_session_pause(session=session)
    with pytest.raises(LiveRefused) as refused:
        add_snippet(session)
    assert refused.value.code == "session_paused"
    services.live_session_resume(session=session)
    assert add_snippet(session).status == "queued"


def test_a_stopped_session_refuses_snippets_and_resuming(session: ListeningSession) -> None:
    services.live_session_stop(session=session)
    with pytest.raises(LiveRefused) as refused:
        add_snippet(session)
    assert refused.value.code == "session_stopped"
    with pytest.raises(LiveRefused):
        services.live_session_resume(session=session)


def test_a_snippet_past_the_session_length_ends_the_session(session: ListeningSession) -> None:
    ListeningSession.objects.filter(pk=session.pk).update(started_at=timezone.now() - timedelta(hours=1, seconds=1))
    with pytest.raises(LiveRefused) as refused:
        add_snippet(session)
    session.refresh_from_db()
    assert (refused.value.code, session.status) == ("session_over", "stopped")
    assert not LiveSnippet.objects.exists()


# --- Snippet limits ------------------------------------------------------------------------------


def test_snippets_sooner_than_the_minimum_interval_are_refused(session: ListeningSession) -> None:
    services.live_snippet_add(session=session, upload=snippet_upload())
    with pytest.raises(RateLimited) as refused:
        services.live_snippet_add(session=session, upload=snippet_upload())
    assert refused.value.code == "too_soon"
    assert 1 <= (refused.value.retry_after_s or 0) <= 10
    assert LiveSnippet.objects.count() == 1


def test_a_refused_snippet_still_uses_the_interval(session: ListeningSession) -> None:
    ListeningSession.objects.filter(pk=session.pk).update(last_snippet_at=timezone.now() - timedelta(minutes=5))
    with pytest.raises(InvalidAudio):
        services.live_snippet_add(session=session, upload=upload_file(b"not audio at all" * 100, name="x.wav"))
    with pytest.raises(RateLimited):
        services.live_snippet_add(session=session, upload=snippet_upload())


def test_snippets_do_not_count_toward_the_hourly_recording_limit(session: ListeningSession, settings: Any) -> None:
    settings.SCENES_RECORDINGS_PER_HOUR = 2
    for _ in range(3):
        add_snippet(session)
    recording = services.recording_create(user=session.user, upload=snippet_upload())
    assert isinstance(recording, Recording)
    assert LiveSnippet.objects.count() == 3


def test_it_refuses_a_snippet_longer_than_the_snippet_limit(session: ListeningSession, settings: Any) -> None:
    settings.SCENES_LIVE_MAX_SNIPPET_S = 4.0
    with pytest.raises(InvalidAudio) as refused:
        add_snippet(session, seconds=8.0)
    assert refused.value.code == "too_long"
    assert refused.value.message == "This snippet is too long: live snippets can be up to 4 seconds."


def test_it_refuses_a_snippet_over_the_size_limit(session: ListeningSession, settings: Any) -> None:
    settings.SCENES_LIVE_MAX_SNIPPET_BYTES = 10_000
    with pytest.raises(UploadTooLarge):
        add_snippet(session)


# --- Classification ---------------------------------------------------------------------------------


def classify(snippet: LiveSnippet, django_capture_on_commit_callbacks: Any) -> LiveSnippet:
    with django_capture_on_commit_callbacks(execute=True):
        services.snippet_classify(snippet_id=str(snippet.id))
    snippet.refresh_from_db()
    return snippet


def test_a_classified_snippet_keeps_its_result_and_no_audio_on_disk(
    session: ListeningSession, scenes_heard: list[str], media_files: Any, django_capture_on_commit_callbacks: Any
) -> None:
    scenes_heard.append("street")
    snippet = add_snippet(session)
    assert len(media_files()) == 1  # held only until the worker has it
    snippet = classify(snippet, django_capture_on_commit_callbacks)
    session.refresh_from_db()
    assert (snippet.status, snippet.top_scene, snippet.held_scene, snippet.file.name) == ("done", "street", "street", "")
    assert snippet.scene_probabilities == {"street": 0.8, "other": 0.2}
    assert (session.scene, session.scene_changes) == ("street", 0)
    assert media_files() == []


def test_a_snippet_that_cannot_be_decoded_fails_and_its_audio_is_deleted(
    session: ListeningSession, scenes_heard: list[str], media_files: Any, django_capture_on_commit_callbacks: Any
) -> None:
    snippet = add_snippet(session)
    with open(snippet.file.path, "wb") as handle:
        handle.write(b"garbage" * 1000)
    snippet = classify(snippet, django_capture_on_commit_callbacks)
    assert snippet.status == "failed" and snippet.error_message
    assert media_files() == []


def test_classifying_a_snippet_twice_stores_it_once(
    session: ListeningSession, scenes_heard: list[str], django_capture_on_commit_callbacks: Any
) -> None:
    scenes_heard.extend(["street", "rain"])
    snippet = add_snippet(session)
    classify(snippet, django_capture_on_commit_callbacks)
    assert classify(snippet, django_capture_on_commit_callbacks).top_scene == "street"
    assert scenes_heard == ["rain"]  # the second delivery never reached the model


def test_the_held_scene_changes_once_when_a_new_scene_holds(
    session: ListeningSession, scenes_heard: list[str], django_capture_on_commit_callbacks: Any
) -> None:
    heard = ["street", "street", "rain", "street", "rain", "rain", "rain"]
    scenes_heard.extend(heard)
    held = [classify(add_snippet(session), django_capture_on_commit_callbacks).held_scene for _ in heard]
    session.refresh_from_db()
    assert held == ["street", "street", "street", "street", "street", "rain", "rain"]
    assert (session.scene, session.scene_changes) == ("rain", 1)
    assert session.scene_probabilities == {"rain": 0.8, "other": 0.2}


def test_stale_queued_snippets_fail_and_lose_their_audio(
    session: ListeningSession, media_files: Any, django_capture_on_commit_callbacks: Any
) -> None:
    snippet = add_snippet(session)
    LiveSnippet.objects.filter(pk=snippet.pk).update(created_at=timezone.now() - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.live_snippets_fail_stale() == 1
    snippet.refresh_from_db()
    assert snippet.status == "failed"
    assert media_files() == []


def test_deleting_the_account_mid_session_deletes_queued_snippet_audio(
    session: ListeningSession, media_files: Any, django_capture_on_commit_callbacks: Any
) -> None:
    add_snippet(session)
    assert len(media_files()) == 1
    with django_capture_on_commit_callbacks(execute=True):
        session.user.delete()
    assert media_files() == [] and not LiveSnippet.objects.exists()


def test_snippets_classified_out_of_order_still_change_the_scene(
    session: ListeningSession, scenes_heard: list[str], django_capture_on_commit_callbacks: Any
) -> None:
    scenes_heard.extend(["street", "rain", "rain"])
    first = add_snippet(session)
    LiveSnippet.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(seconds=60))
    classify(first, django_capture_on_commit_callbacks)
    older, newer = add_snippet(session), add_snippet(session)
    LiveSnippet.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(seconds=30))
    classify(newer, django_capture_on_commit_callbacks)  # a second worker finished it first
    classify(older, django_capture_on_commit_callbacks)
    session.refresh_from_db()
    assert (session.scene, session.scene_changes) == ("rain", 1)
