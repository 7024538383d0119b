"""Live sessions after the fact: the history page, the export, the read-only admin."""
from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.utils import timezone

from scenes.models import ListeningSession, LiveSnippet

pytestmark = pytest.mark.django_db


@pytest.fixture
def listened(user: Any) -> ListeningSession:
    session = ListeningSession.objects.create(
        user=user, interval_s=30, consented_at=timezone.now(), scene="rain", scene_changes=1, status="stopped"
    )
    for scene, held in (("street", "street"), ("rain", "street"), ("rain", "rain")):
        LiveSnippet.objects.create(
            session=session, duration_s=5, status="done", top_scene=scene, confidence=0.8,
            scene_probabilities={scene: 0.8}, held_scene=held, model_version="v1",
        )
    return session


def test_the_history_page_shows_live_sessions_with_their_scenes(user_client: Any, listened: ListeningSession) -> None:
    page = user_client.get("/scenes/history/").content.decode()
    assert "Live sessions" in page
    assert "now Rain" in page and "(1 change)" in page
    assert page.count('class="scene-swatch"') >= 3


def test_the_export_holds_each_session_with_its_results_and_no_audio(
    user_client: Any, listened: ListeningSession, other_user: Any
) -> None:
    ListeningSession.objects.create(user=other_user, interval_s=30, consented_at=timezone.now())
    data = json.loads(user_client.get("/account/export/").content)
    [session] = data["listening_sessions"]
    assert (session["id"], session["scene"], session["scene_changes"]) == (str(listened.id), "rain", 1)
    assert [s["top_scene"] for s in session["snippets"]] == ["street", "rain", "rain"]
    assert [s["held_scene"] for s in session["snippets"]] == ["street", "street", "rain"]
    assert not any("file" in s or "audio" in s for s in session["snippets"])


def test_the_admin_shows_sessions_read_only(admin_client: Any, listened: ListeningSession) -> None:
    assert admin_client.get("/admin/scenes/listeningsession/").status_code == 200
    page = admin_client.get(f"/admin/scenes/listeningsession/{listened.id}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert admin_client.get("/admin/scenes/listeningsession/add/").status_code == 403


def test_the_listen_page_offers_live_mode_with_consent_and_intervals_within_the_limits(
    user_client: Any, settings: Any
) -> None:
    settings.SCENES_LIVE_MIN_INTERVAL_S, settings.SCENES_LIVE_MAX_INTERVAL_S, settings.SCENES_LIVE_INTERVAL_S = 20, 120, 45
    page = user_client.get("/scenes/").content.decode()
    assert 'id="live"' in page and 'id="live-consent"' in page and "scenes/live.js" in page
    assert "only the scenes are kept" in page
    select = page.split('id="live-interval"')[1].split("</select>")[0]
    intervals = [int(v) for v in re.findall(r'<option value="(\d+)"', select)]
    assert intervals == [20, 30, 45, 60, 120]
    assert '<option value="45" selected>' in page
