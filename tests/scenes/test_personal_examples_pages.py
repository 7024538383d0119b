"""Personal examples as people see them: the result page, "Your places", the API, the admin,
the export and account deletion."""
from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from accounts.services import user_delete
from scenes import personal
from scenes.models import PersonalExample, Recording, SceneResult
from scenes.story import personal_headline
from tests.factories import UserFactory
from tests.recommendations.factories import RecordingFactory

pytestmark = pytest.mark.django_db
LEANED = {"scene": "home", "examples": 4, "weight": 0.5714, "model_scene": "work_study", "model_confidence": 0.7}


def example(user: Any, scene: str = "home", name: str = "kitchen.wav", recording: Recording | None = None) -> PersonalExample:
    return PersonalExample.objects.create(
        user=user, scene=scene, embedding=personal.embedding_to_bytes(np.ones(1024) / 32), model_version="fake-1",
        recording=recording, source_name=name,
    )


def leaned_recording(user: Any, personal_lean: dict[str, Any]) -> Recording:
    recording = RecordingFactory.create(user=user, scenes={"home": 0.6, "work_study": 0.4})
    assert recording.result is not None
    timeline = [{"start_s": 0.0, "end_s": 5.0, "top_scene": "work_study", "scenes": {"work_study": 0.7, "home": 0.3}}]
    SceneResult.objects.filter(pk=recording.result.pk).update(personal=personal_lean, timeline=timeline)
    return recording


# --- The result page ----------------------------------------------------------------------------


def test_the_headline_names_the_users_place_only_when_their_examples_made_the_scene() -> None:
    assert personal_headline(LEANED, "home").text == "It sounds like your home"  # type: ignore[union-attr]
    assert personal_headline(LEANED, "work_study") is None
    assert personal_headline({}, "home") is None


def test_the_result_page_says_it_sounds_like_your_home(client, user) -> None:
    recording = leaned_recording(user, LEANED)
    client.force_login(user)

    html = client.get(f"/scenes/{recording.pk}/").content.decode()

    assert 'data-scenes="home">It sounds like your <span class="top-scene"' in html
    assert ">home</span></h1>" in html
    assert "It is close to 4 of your own examples of home: they weigh 57% against the model, which heard Work &amp; study (70%)." in html
    assert 'href="/scenes/places/"' in html


def test_a_nudge_that_did_not_change_the_scene_is_said_too(client, user) -> None:
    recording = leaned_recording(user, {**LEANED, "scene": "work_study", "examples": 1, "weight": 0.25})
    SceneResult.objects.filter(recording=recording).update(top_scene="home")
    client.force_login(user)

    html = client.get(f"/scenes/{recording.pk}/").content.decode()

    assert "It sounds like your" not in html
    assert "1 of your own examples of work &amp; study nudged this result: they weigh 25% against the model" in html


def test_a_result_without_examples_says_nothing_of_them(client, user) -> None:
    recording = RecordingFactory.create(user=user)
    client.force_login(user)

    html = client.get(f"/scenes/{recording.pk}/").content.decode()

    assert 'id="personal-scene"' not in html


# --- Your places ----------------------------------------------------------------------------------


def test_your_places_lists_the_examples_by_scene_with_their_source(client, user, other_user) -> None:
    recording = RecordingFactory.create(user=user, original_filename="kitchen.wav")
    example(user, "home", "kitchen.wav", recording=recording)
    example(user, "work_study", "desk.wav")
    example(other_user, "seaside", "theirs.wav")
    client.force_login(user)

    html = client.get("/scenes/places/").content.decode()

    assert html.index('data-scene="home"') < html.index('data-scene="work_study"')
    assert f'<a href="/scenes/{recording.pk}/">kitchen.wav</a>' in html
    assert "desk.wav <span class=\"muted\">(deleted)</span>" in html
    assert "theirs.wav" not in html and "seaside" not in html


def test_forgetting_one_example_keeps_the_others(client, user) -> None:
    kept, forgotten = example(user, name="a.wav"), example(user, name="b.wav")
    client.force_login(user)

    response = client.post(f"/scenes/places/{forgotten.pk}/delete/", follow=True)

    assert list(PersonalExample.objects.filter(user=user)) == [kept]
    assert "That example is forgotten: it no longer leans your results." in response.content.decode()


def test_nobody_forgets_another_users_example(client, user, other_user) -> None:
    theirs = example(other_user)
    client.force_login(user)

    assert client.post(f"/scenes/places/{theirs.pk}/delete/").status_code == 404
    assert PersonalExample.objects.filter(pk=theirs.pk).exists()


def test_forgetting_all_asks_first_then_deletes_only_the_users_examples(client, user, other_user) -> None:
    example(user), example(user)
    theirs = example(other_user)
    client.force_login(user)

    confirm = client.get("/scenes/places/delete/").content.decode()
    assert PersonalExample.objects.filter(user=user).count() == 2
    assert "This deletes your 2 examples." in confirm

    client.post("/scenes/places/delete/")

    assert list(PersonalExample.objects.all()) == [theirs]


def test_the_listen_and_account_pages_link_your_places(client, user) -> None:
    RecordingFactory.create(user=user)
    client.force_login(user)

    assert 'href="/scenes/places/"' in client.get("/scenes/").content.decode()
    assert 'href="/scenes/places/"' in client.get("/account/").content.decode()


# --- Both ways to correct a scene teach it -------------------------------------------------------


def recommended_with_embedding(user: Any) -> Any:
    from recommendations.models import Recommendation
    from recommendations.tasks import recommend_for_recording
    from tests.recommendations.factories import TrackFactory

    TrackFactory.create_batch(5)
    recording = RecordingFactory.create(user=user, original_filename="kitchen.wav")
    SceneResult.objects.filter(recording=recording).update(embedding=personal.embedding_to_bytes(np.ones(1024) / 32))
    return Recommendation.objects.get(pk=recommend_for_recording(str(recording.pk)))


def test_wrong_scene_on_the_songs_page_teaches_the_place(client, user) -> None:
    recommendation = recommended_with_embedding(user)
    client.force_login(user)

    client.post(reverse("recommendations:correct_scene", args=[recommendation.pk]), {"scene": "home"})

    assert list(PersonalExample.objects.values_list("user", "scene", "source_name")) == [(user.pk, "home", "kitchen.wav")]


def test_a_scene_correction_through_the_api_teaches_the_place(api_client, user) -> None:
    recommendation = recommended_with_embedding(user)

    response = api_client.post(f"/api/v1/recommendations/{recommendation.pk}/scene-correction/", {"scene": "home"})

    assert response.status_code == 201
    assert list(PersonalExample.objects.values_list("user", "scene")) == [(user.pk, "home")]


# --- API ------------------------------------------------------------------------------------------


def test_the_api_lists_only_the_users_examples_without_their_vectors(api_client, user, other_user) -> None:
    recording = RecordingFactory.create(user=user)
    mine = example(user, recording=recording)
    example(other_user)

    body = api_client.get("/api/v1/personal-examples/").json()

    assert body["count"] == 1
    assert body["results"] == [
        {
            "id": mine.pk, "scene": "home", "created_at": body["results"][0]["created_at"],
            "recording": str(recording.pk), "recording_name": "kitchen.wav", "model_version": "fake-1",
        }
    ]


def test_the_api_deletes_the_users_example_and_answers_404_for_anyone_elses(api_client, user, other_user) -> None:
    mine, theirs = example(user), example(other_user)

    assert api_client.delete(f"/api/v1/personal-examples/{mine.pk}/").status_code == 204
    refused = api_client.delete(f"/api/v1/personal-examples/{theirs.pk}/")

    assert refused.status_code == 404
    assert set(refused.json()) >= {"code", "detail"}
    assert list(PersonalExample.objects.all()) == [theirs]


def test_a_recordings_result_in_the_api_says_how_examples_moved_it(api_client, user) -> None:
    recording = leaned_recording(user, LEANED)

    body = api_client.get(f"/api/v1/recordings/{recording.pk}/").json()

    assert body["result"]["personal"] == LEANED


def test_the_api_schema_documents_the_personal_examples_endpoints(client) -> None:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("spectacular", "--format", "openapi-json", stdout=out)
    paths = json.loads(out.getvalue())["paths"]

    assert "get" in paths["/api/v1/personal-examples/"]
    assert set(paths["/api/v1/personal-examples/{example_id}/"]["delete"]["responses"]) >= {"204", "404"}


# --- Admin, export, account deletion ----------------------------------------------------------


def test_the_admin_shows_examples_read_only(client) -> None:
    admin = UserFactory.create(is_staff=True, is_superuser=True)
    shown = example(UserFactory.create())
    client.force_login(admin)

    assert client.get("/admin/scenes/personalexample/").status_code == 200
    page = client.get(f"/admin/scenes/personalexample/{shown.pk}/change/").content.decode()
    assert 'name="scene"' not in page
    assert client.get("/admin/scenes/personalexample/add/").status_code == 403


def test_the_export_lists_the_examples_but_not_their_vectors(client, user, other_user) -> None:
    recording = RecordingFactory.create(user=user)
    example(user, recording=recording)
    example(other_user, "seaside")
    client.force_login(user)

    data = json.loads(client.get("/account/export/").content)

    assert data["personal_examples"] == [
        {
            "scene": "home", "created_at": data["personal_examples"][0]["created_at"], "recording": str(recording.pk),
            "recording_name": "kitchen.wav", "model_version": "fake-1",
        }
    ]


def test_deleting_the_account_deletes_its_examples_only(user, other_user) -> None:
    example(user)
    theirs = example(other_user)

    user_delete(user=user)

    assert not get_user_model().objects.filter(pk=user.pk).exists()
    assert list(PersonalExample.objects.all()) == [theirs]


def test_an_id_past_any_database_integer_is_not_found(api_client, client, user) -> None:
    huge = 10**30
    client.force_login(user)

    assert api_client.delete(f"/api/v1/personal-examples/{huge}/").status_code == 404
    assert client.post(f"/scenes/places/{huge}/delete/").status_code == 404
