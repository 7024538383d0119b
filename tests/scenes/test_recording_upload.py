"""Uploads are checked before anything is stored or queued; bad ones leave nothing behind.

The request reads the headers and probes the first seconds; what only the whole clip shows
(silence, a length no header states) is the worker's: tests/scenes/test_recording_storage.py.
"""
from __future__ import annotations

import re
from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone
from django.utils.html import escape

from ml.errors import EMPTY_MESSAGE, LOW_SAMPLE_RATE_MESSAGE, UNDECODABLE_MESSAGE
from scenes.errors import (
    LENGTH_REQUIRED_MESSAGE,
    STORAGE_FULL_MESSAGE,
    TOO_LARGE_MESSAGE,
    TOO_LONG_MESSAGE,
    TOO_SHORT_MESSAGE,
    TRUNCATED_MESSAGE,
    UploadTooLarge,
    rate_limited_message,
)
from scenes.models import Recording, UploadRefusal
from tests.scenes.helpers import ambience, encode, upload_file

pytestmark = pytest.mark.django_db
URL = "/api/v1/recordings/"


def post(api_client, data: bytes, name: str = "clip.wav", content_type: str = "audio/wav"):
    return api_client.post(URL, {"file": upload_file(data, name, content_type)}, format="multipart")


# --- What is stored -------------------------------------------------------------------------


def test_it_stores_the_file_under_our_own_name_and_queues_classification_after_commit(
    api_client, user, clip_wav, media_files, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        response = post(api_client, clip_wav, name="../../etc/My Balcony.wav")

    assert response.status_code == 201, response.content
    recording = Recording.objects.get()
    assert recording.file.name == f"recordings/{user.id}/{recording.id}.wav"
    assert recording.original_filename == "My Balcony.wav"  # Django keeps only the base name
    assert [p.name for p in media_files()] == [f"{recording.id}.wav"]
    assert len(callbacks) == 1  # the classification, sent only once the row is committed
    body = response.json()
    assert body["status"] == "queued" and body["result"] is None
    assert body["page_url"] == f"/scenes/{recording.id}/"


def test_it_records_duration_sample_rate_format_and_size(api_client, clip_wav) -> None:
    post(api_client, clip_wav)

    recording = Recording.objects.get()
    assert recording.duration_s == pytest.approx(6.0, abs=0.01)
    assert recording.sample_rate == 16000
    assert recording.channels == 1
    assert recording.format == "wav"
    assert recording.size_bytes == len(clip_wav)
    assert recording.status == Recording.Status.QUEUED


@pytest.mark.parametrize("fmt, extension", [("flac", "flac"), ("ogg", "ogg"), ("webm", "webm"), ("mp3", "mp3")])
def test_it_accepts_the_formats_browsers_and_phones_produce(api_client, user, fmt: str, extension: str) -> None:
    response = post(api_client, encode(ambience(4.0), fmt=fmt), name=f"clip.{fmt}", content_type="audio/whatever")

    assert response.status_code == 201, response.content
    assert (Recording.objects.get().file.name or "").endswith(f".{extension}")


def test_a_large_upload_spooled_to_a_temporary_file_is_accepted(api_client, media_files) -> None:
    data = encode(ambience(40.0, sample_rate=48000), 48000, fmt="wav")  # 3.8 MB: past Django's in-memory limit

    response = post(api_client, data, name="long-walk.wav")

    assert response.status_code == 201, response.content
    assert Recording.objects.get().size_bytes == len(data)
    assert media_files()[0].read_bytes() == data


def test_the_decoded_header_decides_the_format_not_the_extension_or_content_type(api_client, clip_wav) -> None:
    response = post(api_client, clip_wav, name="clip.mp3", content_type="audio/mpeg")

    assert response.status_code == 201
    recording = Recording.objects.get()
    assert recording.format == "wav" and (recording.file.name or "").endswith(".wav")
    assert recording.original_filename == "clip.mp3"


# --- Bad input: its message, no file, no row, nothing queued ----------------------------------


def _wav_cut_in_half() -> bytes:
    data = encode(ambience(6.0), fmt="wav")
    return data[: len(data) // 2]


def _flac_cut_short() -> bytes:
    data = encode(ambience(6.0), fmt="flac")
    return data[: len(data) // 6]  # about 1 s left: the stream ends within the upload's probe


TEXT = b"Hello, this is a text file and not a recording.\n" * 40
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
BAD_INPUTS = {
    "not audio": (TEXT, "notes.wav", "undecodable", UNDECODABLE_MESSAGE),
    "an image named .wav": (PNG, "photo.wav", "undecodable", UNDECODABLE_MESSAGE),
    "a header cut short": (encode(ambience(6.0), fmt="wav")[:30], "clip.wav", "undecodable", UNDECODABLE_MESSAGE),
    "a truncated wav": (_wav_cut_in_half(), "clip.wav", "truncated", TRUNCATED_MESSAGE),
    "a truncated flac": (_flac_cut_short(), "clip.flac", "truncated", TRUNCATED_MESSAGE),
    "an empty file": (b"", "empty.wav", "empty", EMPTY_MESSAGE),
    "sampled at 4 kHz": (
        encode(ambience(5.0, sample_rate=4000), 4000, fmt="wav"), "old-dictaphone.wav", "low_sample_rate",
        LOW_SAMPLE_RATE_MESSAGE,
    ),
    "too short": (encode(ambience(0.5), fmt="wav"), "blip.wav", "too_short", TOO_SHORT_MESSAGE.format(limit_s=1.0)),
    "too long": (
        encode(ambience(121.0, sample_rate=8000), 8000, fmt="flac"), "long.flac", "too_long",
        TOO_LONG_MESSAGE.format(limit_s=120.0),
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS), ids=lambda case: case.replace(" ", "-"))
def test_each_bad_input_gets_its_message_and_leaves_no_file_behind(
    api_client, media_files, django_capture_on_commit_callbacks, case: str
) -> None:
    data, name, code, message = BAD_INPUTS[case]

    with django_capture_on_commit_callbacks() as callbacks:
        response = post(api_client, data, name=name)

    assert response.status_code == 400, response.content
    assert response.json() == {"code": code, "detail": message}
    assert media_files() == []
    assert not Recording.objects.exists()
    assert callbacks == []


def test_silence_passes_the_upload_check_which_decodes_only_the_first_seconds(api_client, media_files) -> None:
    """The worker decodes the whole clip and fails it (tests/scenes/test_recording_storage.py)."""
    response = post(api_client, encode(np.zeros(16000 * 5, dtype=np.float32), fmt="wav"), name="quiet.wav")

    assert response.status_code == 201, response.content
    assert Recording.objects.get().status == Recording.Status.QUEUED


def test_the_messages_read_as_sentences_with_the_default_limits() -> None:
    assert TOO_LONG_MESSAGE.format(limit_s=120.0) == "This recording is too long: recordings can last up to 120 s."
    assert TOO_LARGE_MESSAGE.format(limit_mb=20.0) == "This file is too large: recordings can be up to 20 MB."


def test_an_oversize_file_is_refused_with_413_before_it_is_decoded(api_client, settings, media_files) -> None:
    settings.SCENES_MAX_UPLOAD_BYTES = 1024 * 1024
    data = encode(ambience(40.0, sample_rate=16000), fmt="wav")  # about 1.3 MB of real audio

    response = post(api_client, data)

    assert response.status_code == 413
    assert response.json() == {"code": "too_large", "detail": "This file is too large: recordings can be up to 1 MB."}
    assert media_files() == [] and not Recording.objects.exists()


def test_the_duration_limits_are_configurable(api_client, settings, media_files) -> None:
    settings.SCENES_MIN_DURATION_S = 5.0
    settings.SCENES_MAX_DURATION_S = 10.0

    short = post(api_client, encode(ambience(3.0), fmt="wav"))
    long = post(api_client, encode(ambience(11.0), fmt="wav"))
    fine = post(api_client, encode(ambience(7.0), fmt="wav"))

    assert short.json()["detail"] == "This recording is too short: please record at least 5 s."
    assert long.json()["detail"] == "This recording is too long: recordings can last up to 10 s."
    assert fine.status_code == 201
    assert len(media_files()) == 1


# --- Quotas ---------------------------------------------------------------------------------


def test_past_the_hourly_quota_it_answers_429_with_retry_after(api_client, settings, clip_wav, media_files) -> None:
    settings.SCENES_RECORDINGS_PER_HOUR = 2
    assert post(api_client, clip_wav).status_code == 201
    assert post(api_client, clip_wav).status_code == 201

    response = post(api_client, clip_wav)

    assert response.status_code == 429
    retry_after_s = int(response["Retry-After"])
    assert response.json() == {
        "code": "rate_limited", "detail": rate_limited_message(limit=2, retry_after_s=retry_after_s)
    }
    assert 3500 <= retry_after_s <= 3601
    assert response.json()["detail"].endswith("You can send the next one in 60 minutes.")
    assert len(media_files()) == 2


def test_refused_uploads_count_against_the_hourly_quota_without_storing_anything(
    api_client, settings, clip_wav, media_files
) -> None:
    settings.SCENES_RECORDINGS_PER_HOUR = 3
    assert post(api_client, clip_wav).status_code == 201
    assert post(api_client, TEXT, name="notes.wav").status_code == 400
    assert post(api_client, PNG, name="photo.wav").status_code == 400

    response = post(api_client, clip_wav)

    assert response.status_code == 429
    retry_after_s = int(response["Retry-After"])
    assert response.json() == {
        "code": "rate_limited", "detail": rate_limited_message(limit=3, retry_after_s=retry_after_s)
    }
    assert 3500 <= retry_after_s <= 3601
    assert len(media_files()) == 1 and Recording.objects.count() == 1
    assert sorted(UploadRefusal.objects.values_list("code", flat=True)) == ["undecodable", "undecodable"]


def test_refusals_older_than_an_hour_no_longer_count(api_client, user, settings, clip_wav) -> None:
    settings.SCENES_RECORDINGS_PER_HOUR = 1
    assert post(api_client, TEXT, name="notes.wav").status_code == 400
    UploadRefusal.objects.update(created_at=timezone.now() - timedelta(hours=1, seconds=1))

    assert post(api_client, clip_wav).status_code == 201


def test_the_hourly_quota_is_per_user(api_client, settings, clip_wav, other_user) -> None:
    from rest_framework.test import APIClient

    settings.SCENES_RECORDINGS_PER_HOUR = 1
    assert post(api_client, clip_wav).status_code == 201
    other = APIClient()
    other.force_authenticate(other_user)

    assert post(other, clip_wav).status_code == 201


def test_past_the_storage_quota_it_answers_413(api_client, settings, clip_wav, media_files) -> None:
    settings.SCENES_STORAGE_PER_USER_BYTES = int(len(clip_wav) * 1.5)
    assert post(api_client, clip_wav).status_code == 201

    response = post(api_client, clip_wav)

    assert response.status_code == 413
    limit_mb = settings.SCENES_STORAGE_PER_USER_BYTES / (1024 * 1024)
    assert response.json() == {"code": "storage_full", "detail": STORAGE_FULL_MESSAGE.format(limit_mb=limit_mb)}
    assert len(media_files()) == 1


def test_audio_deleted_by_retention_no_longer_counts_against_the_storage_quota(
    api_client, settings, clip_wav
) -> None:
    from scenes.services import recordings_purge_expired_audio

    settings.SCENES_STORAGE_PER_USER_BYTES = int(len(clip_wav) * 1.5)
    post(api_client, clip_wav)
    recordings_purge_expired_audio(retention_days=-1)

    assert post(api_client, clip_wav).status_code == 201


# --- The web form -----------------------------------------------------------------------------


def test_the_web_form_uploads_and_redirects_to_the_result_page(user_client, clip_wav) -> None:
    response = user_client.post("/scenes/upload/", {"file": upload_file(clip_wav, "garden.wav")})

    recording = Recording.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/scenes/{recording.id}/"


def test_the_web_form_shows_the_message_of_a_bad_file(user_client, media_files) -> None:
    response = user_client.post("/scenes/upload/", {"file": upload_file(b"not audio at all" * 10, "x.wav")})

    assert response.status_code == 400
    assert UNDECODABLE_MESSAGE in response.content.decode()
    assert media_files() == []


def test_uploading_needs_a_signed_in_user(client, clip_wav) -> None:
    api = client.post(URL, {"file": upload_file(clip_wav)})
    page = client.post("/scenes/upload/", {"file": upload_file(clip_wav)})

    assert api.status_code in (401, 403)
    assert page.status_code == 302 and re.match(r"^/account/login/", page["Location"])
    assert not Recording.objects.exists()


def test_the_web_form_refuses_an_oversize_file_with_413_and_its_message(user_client, settings, media_files) -> None:
    settings.SCENES_MAX_UPLOAD_BYTES = 100 * 1024
    data = encode(ambience(10.0), fmt="wav")  # 320 kB

    response = user_client.post("/scenes/upload/", {"file": upload_file(data, "big.wav")})

    assert response.status_code == 413
    assert "This file is too large: recordings can be up to 0.0976562 MB." in response.content.decode()
    assert media_files() == []


def test_a_chunked_upload_is_told_to_send_its_length_on_the_api_and_the_web_form(
    api_client, user_client, clip_wav, media_files
) -> None:
    chunked = {"HTTP_TRANSFER_ENCODING": "chunked"}

    api = api_client.post(URL, {"file": upload_file(clip_wav, "clip.wav")}, format="multipart", **chunked)
    page = user_client.post("/scenes/upload/", {"file": upload_file(clip_wav, "clip.wav")}, **chunked)

    assert api.status_code == 411
    assert api.json() == {"code": "length_required", "detail": LENGTH_REQUIRED_MESSAGE}
    assert page.status_code == 411 and escape(LENGTH_REQUIRED_MESSAGE) in page.content.decode()
    assert media_files() == [] and not Recording.objects.exists()


# --- The user's time zone -----------------------------------------------------------------------


def test_the_api_keeps_the_time_zone_the_client_sends(api_client, clip_wav) -> None:
    response = api_client.post(
        URL, {"file": upload_file(clip_wav, "clip.wav", "audio/wav"), "time_zone": "Asia/Tokyo"}, format="multipart"
    )

    assert response.status_code == 201, response.content
    assert response.json()["time_zone"] == "Asia/Tokyo"
    assert Recording.objects.get().time_zone == "Asia/Tokyo"


def test_the_api_refuses_an_unknown_time_zone_with_a_message_and_stores_nothing(
    api_client, clip_wav, media_files
) -> None:
    response = api_client.post(
        URL, {"file": upload_file(clip_wav, "clip.wav", "audio/wav"), "time_zone": "Mars/Olympus_Mons"}, format="multipart"
    )

    assert response.status_code == 400
    assert "Unknown time zone 'Mars/Olympus_Mons'" in str(response.json())
    assert not Recording.objects.exists() and media_files() == []


def test_without_a_time_zone_the_recording_uses_the_sites(api_client, clip_wav) -> None:
    assert post(api_client, clip_wav).json()["time_zone"] == ""


def test_the_web_form_keeps_a_known_time_zone_and_drops_an_unknown_one(user_client, clip_wav) -> None:
    user_client.post("/scenes/upload/", {"file": upload_file(clip_wav, "a.wav"), "time_zone": "America/Santiago"})
    user_client.post("/scenes/upload/", {"file": upload_file(clip_wav, "b.wav"), "time_zone": "../../etc/passwd"})

    zones = dict(Recording.objects.values_list("original_filename", "time_zone"))
    assert zones == {"a.wav": "America/Santiago", "b.wav": ""}


def test_the_capture_page_has_the_time_zone_field_that_its_script_fills(user_client) -> None:
    page = user_client.get("/scenes/").content.decode()

    assert re.search(r'<input type="hidden" name="time_zone"[^>]*data-time-zone', page)
    assert "/static/js/time-zone.js" in page


def test_a_file_handed_over_without_a_size_is_measured_against_the_limit(user, settings, media_files) -> None:
    from io import BytesIO

    from django.core.files.uploadedfile import UploadedFile

    from scenes.services import recording_create

    settings.SCENES_MAX_UPLOAD_BYTES = 1024 * 1024
    big = encode(ambience(40.0, sample_rate=16000), fmt="wav")
    unsized = UploadedFile(BytesIO(big), name="clip.wav", size=None)

    with pytest.raises(UploadTooLarge):
        recording_create(user=user, upload=unsized)
    fine = recording_create(user=user, upload=UploadedFile(BytesIO(encode(ambience(6.0), fmt="wav")), name="c.wav"))
    assert fine.size_bytes > 0 and len(media_files()) == 1


def test_a_quota_of_no_recordings_an_hour_refuses_with_an_hour_to_wait(api_client, settings, clip_wav) -> None:
    settings.SCENES_RECORDINGS_PER_HOUR = 0

    response = post(api_client, clip_wav)

    assert response.status_code == 429
    assert 3500 <= int(response["Retry-After"]) <= 3601
    assert not Recording.objects.exists()


def test_the_wait_lasts_until_enough_recordings_have_left_the_hour(api_client, settings, clip_wav) -> None:
    """Three in the hour under a limit of two: the next one is allowed once two have left it."""
    for _ in range(3):
        assert post(api_client, clip_wav).status_code == 201
    for recording, minutes_ago in zip(Recording.objects.order_by("created_at"), (50.5, 40.5, 30.5), strict=True):
        Recording.objects.filter(pk=recording.pk).update(created_at=timezone.now() - timedelta(minutes=minutes_ago))
    settings.SCENES_RECORDINGS_PER_HOUR = 2

    response = post(api_client, clip_wav)

    assert response.status_code == 429
    assert 1160 <= int(response["Retry-After"]) <= 1171  # the second oldest leaves the hour in 19.5 minutes
    assert response.json()["detail"].endswith("You can send the next one in 20 minutes.")
