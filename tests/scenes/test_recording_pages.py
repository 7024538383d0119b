"""The pages: capture, result, history, delete; audio only for its owner, never a MEDIA URL."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from ml.errors import SILENT_MESSAGE
from scenes import services
from scenes.errors import MICROPHONE_MESSAGES, rate_limited_message
from scenes.models import RECORDED_IN_THE_BROWSER, Recording, SceneResult
from scenes.views import RECORDING_DELETED
from tests.scenes.helpers import upload_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def recording(user, clip_wav) -> Recording:
    return services.recording_create(user=user, upload=upload_file(clip_wav, "garden.wav"))


@pytest.fixture
def classified(recording) -> Recording:
    timeline = [
        {"start_s": 0.0, "end_s": 5.0, "top_scene": "nature", "scenes": {"nature": 0.9, "street": 0.1}},
        {"start_s": 2.5, "end_s": 7.5, "top_scene": "nature", "scenes": {"nature": 0.8, "street": 0.2}},
        {"start_s": 5.0, "end_s": 10.0, "top_scene": "nature", "scenes": {"nature": 0.7, "street": 0.3}},
        {"start_s": 7.5, "end_s": 12.5, "top_scene": "street", "scenes": {"nature": 0.4, "street": 0.6}},
    ]
    result = SceneResult.objects.create(
        recording=recording, job_id=recording.job_id, scene_probabilities={"nature": 0.75, "street": 0.25},
        top_scene="nature", confidence=0.75, model_version="fake-1", processing_ms=30, timeline=timeline,
        top_labels=[{"label": "chirping_birds", "probability": 0.6}, {"label": "wind", "probability": 0.1}],
        heard=[{"name": "Bird vocalization, bird call, bird song", "score": 0.55}, {"name": "Wind", "score": 0.2}],
    )
    Recording.objects.filter(pk=recording.pk).update(result=result, status=Recording.Status.DONE)
    return Recording.objects.get(pk=recording.pk)


def scripts_are_static_files_only(html: str) -> bool:
    """The strict CSP allows our own script files only: no inline code, no handlers."""
    inline = re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    handlers = re.search(r"\son[a-z]+\s*=", html)
    return inline is None and handlers is None


def test_the_capture_page_has_the_recorder_and_the_file_form(user_client) -> None:
    response = user_client.get("/scenes/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "What does it sound like here?" in html
    assert 'id="record-button"' in html and 'id="level-meter"' in html and 'id="countdown"' in html
    assert 'id="upload-progress"' in html and 'type="file"' in html
    assert '/static/scenes/capture.js' in html
    assert scripts_are_static_files_only(html)


def test_a_pending_recording_page_polls_its_status(user_client, recording) -> None:
    html = user_client.get(f"/scenes/{recording.id}/").content.decode()

    assert 'data-pending="true"' in html
    assert f'data-status-url="/api/v1/recordings/{recording.id}/"' in html
    assert "/static/scenes/result.js" in html and scripts_are_static_files_only(html)


def test_the_result_page_shows_the_scene_the_bars_the_timeline_and_the_player(user_client, classified) -> None:
    html = user_client.get(f"/scenes/{classified.id}/").content.decode()

    assert re.search(r'<h1 id="headline"[^>]*>Mostly nature, then street</h1>', html)
    assert 'data-pending="false"' in html
    bars = re.findall(r'<div class="bar" style="width: (\d+)%; background: var\(--scene-(\w+)\)">', html)
    assert bars[:2] == [("75", "nature"), ("25", "street")]  # likeliest first, in the scene's colour
    assert 'id="timeline"' in html and "<svg" in html
    assert re.findall(r'<li class="scene-(\w+)"', html) == ["nature", "street"]
    assert f'src="/scenes/{classified.id}/audio/"' in html
    assert "/media/" not in html
    assert scripts_are_static_files_only(html)


def test_what_we_heard_lists_the_audioset_classes_the_model_heard(user_client, classified) -> None:
    html = user_client.get(f"/scenes/{classified.id}/").content.decode()

    heard = re.search(r'<ol class="labels" id="heard">(.*?)</ol>', html, re.S)
    assert heard is not None
    items = re.findall(r"<li>([^<]+?) <span", heard.group(1))
    assert items == ["Bird vocalization, bird call, bird song", "Wind"]
    assert "Chirping birds" not in heard.group(1)  # the event labels show only for models that heard nothing else


def test_a_result_of_an_older_model_shows_its_labels_as_what_we_heard(user_client, classified) -> None:
    SceneResult.objects.filter(pk=classified.result.pk).update(heard=[])

    html = user_client.get(f"/scenes/{classified.id}/").content.decode()

    heard = re.search(r'<ol class="labels" id="heard">(.*?)</ol>', html, re.S)
    assert heard is not None and re.findall(r"<li>([^<]+?) <span", heard.group(1)) == ["Chirping birds", "Wind"]


def test_a_short_clip_has_no_timeline(user_client, classified) -> None:
    SceneResult.objects.filter(pk=classified.result.pk).update(timeline=classified.result.timeline[:1])

    assert 'id="timeline"' not in user_client.get(f"/scenes/{classified.id}/").content.decode()


def test_a_failed_recording_shows_its_message(user_client, recording) -> None:
    Recording.objects.filter(pk=recording.pk).update(
        status=Recording.Status.FAILED, error_code="silent", error_message=SILENT_MESSAGE
    )

    html = user_client.get(f"/scenes/{recording.id}/").content.decode()

    assert "This recording is silent: check that your microphone is on." in html  # as the user reads it


def test_the_audio_is_served_to_its_owner(user_client, recording, clip_wav) -> None:
    response = user_client.get(f"/scenes/{recording.id}/audio/")

    assert response.status_code == 200 and response["Content-Type"] == "audio/wav"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == clip_wav


def test_the_audio_is_never_a_public_media_url(client, recording) -> None:
    assert client.get(f"/media/{recording.file.name}").status_code == 404


@pytest.mark.parametrize("path", ["", "audio/"], ids=["result", "audio"])
def test_someone_elses_pages_answer_404(other_user, recording, path: str) -> None:
    intruder = Client()
    intruder.force_login(other_user)

    assert intruder.get(f"/scenes/{recording.id}/{path}").status_code == 404


def test_someone_else_cannot_delete_my_recording(other_user, recording, media_files) -> None:
    intruder = Client()
    intruder.force_login(other_user)

    assert intruder.post(f"/scenes/{recording.id}/delete/").status_code == 404
    assert Recording.objects.filter(pk=recording.pk).exists() and len(media_files()) == 1


def test_the_pages_need_a_signed_in_user(client, recording) -> None:
    for path in ["/scenes/", "/scenes/history/", f"/scenes/{recording.id}/", f"/scenes/{recording.id}/audio/"]:
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/account/login/"), path


def test_the_history_lists_my_recordings_only_and_pages_them(user_client, user, other_user, clip_wav) -> None:
    mine = [services.recording_create(user=user, upload=upload_file(clip_wav)) for _ in range(2)]
    theirs = services.recording_create(user=other_user, upload=upload_file(clip_wav))

    html = user_client.get("/scenes/history/").content.decode()

    assert all(f"/scenes/{r.id}/" in html for r in mine)
    assert f"/scenes/{theirs.id}/" not in html
    assert "Raw audio is deleted after 30 days" in html


def test_deleting_asks_first_and_deletes_nothing_until_confirmed(user_client, recording, media_files) -> None:
    asked = user_client.get(f"/scenes/{recording.id}/delete/")
    # A form posted without the confirmation (an old page's one-click button) asks too.
    posted = user_client.post(f"/scenes/{recording.id}/delete/")

    for response in (asked, posted):
        html = response.content.decode()
        assert response.status_code == 200
        assert "Delete this recording?" in html and 'name="confirm" value="yes"' in html
        assert f'href="/scenes/{recording.id}/"' in html  # "Keep it" goes back to the recording
    assert Recording.objects.filter(pk=recording.pk).exists() and len(media_files()) == 1


def test_confirming_deletes_the_recording_and_its_file_and_says_so(
    user_client, recording, media_files, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = user_client.post(f"/scenes/{recording.id}/delete/", {"confirm": "yes"}, follow=True)

    assert response.redirect_chain == [("/scenes/history/", 302)]
    assert RECORDING_DELETED in response.content.decode()
    assert not Recording.objects.exists() and media_files() == []


def test_the_history_links_to_deleting_instead_of_deleting_in_one_click(user_client, recording) -> None:
    html = user_client.get("/scenes/history/").content.decode()

    assert f'href="/scenes/{recording.id}/delete/"' in html
    assert f'action="/scenes/{recording.id}/delete/"' not in html


def test_the_history_rows_name_the_file_or_the_browser_and_the_scene(user_client, user, classified, clip_wav) -> None:
    recorded = services.recording_create(user=user, upload=upload_file(clip_wav, "browser-recording.webm"))

    rows = re.findall(r"<tr>.*?</tr>", user_client.get("/scenes/history/").content.decode(), re.S)

    by_id = {row_id: row for row in rows for row_id in re.findall(r'href="/scenes/([0-9a-f-]{36})/"', row)}
    assert "garden.wav" in by_id[str(classified.id)] and "Nature" in by_id[str(classified.id)]
    assert "var(--scene-nature)" in by_id[str(classified.id)]
    assert RECORDED_IN_THE_BROWSER in by_id[str(recorded.id)]


def test_recording_pages_write_dates_one_way(user_client, recording, settings) -> None:
    Recording.objects.filter(pk=recording.pk).update(created_at=datetime(2026, 3, 7, 9, 5, tzinfo=UTC))
    settings.TIME_ZONE = "UTC"

    pages = [f"/scenes/{path}" for path in ("", "history/", f"{recording.id}/", f"{recording.id}/delete/")]

    for page in pages:
        assert "7 Mar 2026, 09:05" in user_client.get(page).content.decode(), page


@pytest.mark.parametrize(
    "header, status, content_range, part",
    [
        ("bytes=0-99", 206, "bytes 0-99/{size}", slice(0, 100)),
        ("bytes=100-", 206, "bytes 100-{last}/{size}", slice(100, None)),
        ("bytes=-50", 206, "bytes {tail}-{last}/{size}", slice(-50, None)),
        ("bytes=999999999-", 416, "bytes */{size}", slice(0, 0)),
        ("bytes=0-1,5-9", 200, None, slice(None)),
    ],
    ids=["first-bytes", "open-ended", "suffix", "unsatisfiable", "multiple-ranges-give-the-whole-file"],
)
def test_the_player_can_ask_for_byte_ranges(
    user_client, recording, clip_wav, header, status, content_range, part
) -> None:
    size = len(clip_wav)

    response = user_client.get(f"/scenes/{recording.id}/audio/", headers={"Range": header})

    assert response.status_code == status
    assert response.get("Content-Range") == (
        content_range and content_range.format(size=size, last=size - 1, tail=size - 50)
    )
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body == clip_wav[part]


def test_the_timeline_merges_consecutive_windows_of_one_scene_into_segments() -> None:
    from scenes.selectors import timeline_segments

    def window(start: float, scene: str, p: float) -> dict:
        return {"start_s": start, "end_s": start + 5.0, "top_scene": scene, "scenes": {scene: p}}

    timeline = [
        window(0.0, "street", 0.8), window(2.5, "street", 0.6), window(5.0, "rain", 0.9), window(7.5, "street", 0.5)
    ]

    assert timeline_segments(timeline) == [
        {"start_s": 0.0, "end_s": 5.0, "scene": "street", "probability": pytest.approx(0.7)},
        {"start_s": 5.0, "end_s": 7.5, "scene": "rain", "probability": 0.9},
        {"start_s": 7.5, "end_s": 12.5, "scene": "street", "probability": 0.5},
    ]
    assert timeline_segments([]) == []


def test_the_recorder_card_carries_a_human_message_for_each_microphone_problem(user_client) -> None:
    html = user_client.get("/scenes/").content.decode()

    card = re.search(r'<section class="card recorder" id="recorder".*?</section>', html, re.S)
    assert card is not None
    assert 'id="recorder-message"' in card.group(0)  # shown in the recording card, not under the form
    for kind, text in MICROPHONE_MESSAGES.items():
        assert f'data-microphone-{kind}="{escape(text)}"' in card.group(0)
    assert "NotAllowedError" not in html


def test_the_pages_say_the_clip_lengths_from_the_settings(client, user_client, settings) -> None:
    settings.SCENES_MIN_DURATION_S = 2.0
    settings.SCENES_MAX_DURATION_S = 45.0

    capture = user_client.get("/scenes/").content.decode()
    home = client.get("/").content.decode()

    assert "2 to 45 seconds" in capture and "2 to 45 seconds" in home
    # The Live card's intervals (e.g. "120 seconds") are not clip lengths.
    recorder = re.sub(r'<section class="card live".*?</section>', "", capture, flags=re.S)
    assert "5-30" not in home and "120" not in recorder
    offered = re.findall(r'<option value="(\d+)"', recorder)
    assert offered == ["5", "10", "15", "20", "30"]  # 60 s is past the 45 s limit


def test_past_the_hourly_limit_the_page_says_when_to_try_again(user_client, user, settings, clip_wav) -> None:
    settings.SCENES_RECORDINGS_PER_HOUR = 1
    first = services.recording_create(user=user, upload=upload_file(clip_wav))
    Recording.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(minutes=48, seconds=30))

    response = user_client.post("/scenes/upload/", {"file": upload_file(clip_wav)})

    assert response.status_code == 429
    assert 680 <= int(response["Retry-After"]) <= 691
    assert escape(rate_limited_message(limit=1, retry_after_s=int(response["Retry-After"]))) in response.content.decode()
    assert "You can send the next one in 12 minutes." in response.content.decode()
