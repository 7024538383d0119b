"""The recordings API: list, detail, delete, classify again, audio; scoped to the requesting user."""
from __future__ import annotations

import uuid

import pytest
import yaml
from rest_framework.test import APIClient

from scenes import services
from scenes.models import Recording, SceneResult
from tests.scenes.helpers import upload_file

pytestmark = pytest.mark.django_db
LIST_URL = "/api/v1/recordings/"


@pytest.fixture
def recording(user, clip_wav) -> Recording:
    return services.recording_create(user=user, upload=upload_file(clip_wav, "garden.wav"))


def store_result(recording: Recording, **overrides) -> SceneResult:
    fields = {
        "scene_probabilities": {"nature": 0.8, "street": 0.2}, "top_scene": "nature", "confidence": 0.8,
        "top_labels": [{"label": "chirping_birds", "probability": 0.6}], "model_version": "fake-1",
        "processing_ms": 20, "heard": [{"name": "Bird", "score": 0.7}],
        "timeline": [{"start_s": 0.0, "end_s": 5.0, "top_scene": "nature", "scenes": {"nature": 0.8}}],
    }
    result = SceneResult.objects.create(recording=recording, job_id=recording.job_id, **{**fields, **overrides})
    Recording.objects.filter(pk=recording.pk).update(result=result, status=Recording.Status.DONE)
    return result


def test_the_list_is_paginated_and_has_only_my_recordings(api_client, user, other_user, clip_wav) -> None:
    mine = [services.recording_create(user=user, upload=upload_file(clip_wav)) for _ in range(3)]
    services.recording_create(user=other_user, upload=upload_file(clip_wav))

    first = api_client.get(LIST_URL, {"page_size": 2}).json()
    second = api_client.get(first["next"]).json()

    assert first["count"] == 3 and len(first["results"]) == 2 and second["next"] is None
    listed = [item["id"] for item in first["results"] + second["results"]]
    assert listed == [str(r.id) for r in sorted(mine, key=lambda r: r.created_at, reverse=True)]


def test_the_detail_has_the_status_for_polling_and_the_result_fields(api_client, recording) -> None:
    queued = api_client.get(f"{LIST_URL}{recording.id}/").json()
    store_result(recording)
    done = api_client.get(f"{LIST_URL}{recording.id}/").json()

    assert queued["status"] == "queued" and queued["result"] is None
    assert done["status"] == "done"
    assert done["result"]["top_scene"] == "nature" and done["result"]["confidence"] == 0.8
    assert done["result"]["top_labels"] == [{"label": "chirping_birds", "probability": 0.6}]
    assert done["result"]["heard"] == [{"name": "Bird", "score": 0.7}]
    assert done["result"]["timeline"][0]["top_scene"] == "nature"
    assert done["result"]["model_version"] == "fake-1" and done["result"]["processing_ms"] == 20
    assert done["original_filename"] == "garden.wav" and done["format"] == "wav"
    assert done["audio_url"] == f"/api/v1/recordings/{recording.id}/audio/"


def test_deleting_a_recording_deletes_its_file_and_results(
    api_client, recording, media_files, django_capture_on_commit_callbacks
) -> None:
    store_result(recording)

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.delete(f"{LIST_URL}{recording.id}/")

    assert response.status_code == 204
    assert not Recording.objects.exists() and not SceneResult.objects.exists()
    assert media_files() == []


def test_classifying_again_answers_202_and_queues_a_new_job(
    api_client, recording, django_capture_on_commit_callbacks
) -> None:
    store_result(recording)
    old_job = recording.job_id

    with django_capture_on_commit_callbacks() as callbacks:
        response = api_client.post(f"{LIST_URL}{recording.id}/reclassify/")

    assert response.status_code == 202 and response.json()["status"] == "queued"
    assert Recording.objects.get(pk=recording.pk).job_id != old_job
    assert len(callbacks) == 1


def test_classifying_again_without_audio_answers_409(api_client, recording) -> None:
    services.recordings_purge_expired_audio(retention_days=-1)

    response = api_client.post(f"{LIST_URL}{recording.id}/reclassify/")

    assert response.status_code == 409 and response.json()["code"] == "no_audio"


def test_the_audio_is_served_to_its_owner_privately(api_client, recording, clip_wav) -> None:
    response = api_client.get(f"{LIST_URL}{recording.id}/audio/")

    assert response.status_code == 200
    assert response["Content-Type"] == "audio/wav"
    assert "private" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == clip_wav


@pytest.mark.parametrize(
    "method, path",
    [("get", ""), ("delete", ""), ("post", "reclassify/"), ("get", "audio/")],
    ids=["detail", "delete", "reclassify", "audio"],
)
def test_someone_elses_recording_answers_404_on_every_endpoint(
    other_user, recording, method: str, path: str, media_files
) -> None:
    intruder = APIClient()
    intruder.force_authenticate(other_user)

    response = getattr(intruder, method)(f"{LIST_URL}{recording.id}/{path}")

    assert response.status_code == 404
    assert Recording.objects.get(pk=recording.pk).status == Recording.Status.QUEUED
    assert len(media_files()) == 1


def test_someone_elses_recordings_are_not_listed(other_user, recording) -> None:
    intruder = APIClient()
    intruder.force_authenticate(other_user)

    assert intruder.get(LIST_URL).json()["count"] == 0


def test_an_unknown_id_answers_404(api_client) -> None:
    assert api_client.get(f"{LIST_URL}{uuid.uuid4()}/").status_code == 404


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", ""), ("post", ""), ("get", "{id}/"), ("delete", "{id}/"),
        ("post", "{id}/reclassify/"), ("get", "{id}/audio/"),
    ],
)
def test_every_endpoint_needs_authentication(recording, method: str, path: str) -> None:
    response = getattr(APIClient(), method)(LIST_URL + path.format(id=recording.id))

    assert response.status_code in (401, 403)


def test_the_openapi_schema_documents_the_endpoints_with_examples(client) -> None:
    schema = yaml.safe_load(client.get("/api/schema/").content)

    paths = schema["paths"]
    detail_path = "/api/v1/recordings/{recording_id}/"
    expected = {"/api/v1/recordings/", detail_path, f"{detail_path}reclassify/", f"{detail_path}audio/"}
    assert expected <= set(paths)
    upload = paths["/api/v1/recordings/"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    assert {"201", "400", "413", "429"} <= set(upload["responses"])
    assert "examples" in upload["responses"]["429"]["content"]["application/json"]
    detail = paths[detail_path]["get"]["responses"]["200"]["content"]["application/json"]
    assert {"Classified", "JustUploaded", "Failed"} <= set(detail["examples"])
    listing = paths["/api/v1/recordings/"]["get"]["responses"]["200"]["content"]["application/json"]
    assert listing["schema"]["$ref"].endswith("PaginatedRecordingList")
