from __future__ import annotations

import pytest
from django.urls import reverse

from recommendations import criteria as rules
from recommendations.models import CriteriaSuggestion, SceneCriteria
from scenes.models import SceneLabel
from tests.recommendations.factories import TrackFactory

pytestmark = pytest.mark.django_db


def scene_form(scene: SceneCriteria, **changes) -> dict:
    data = {
        "name": scene.name, "description": scene.description, "rationale": scene.rationale, **scene.criteria,
        "labels-TOTAL_FORMS": "0", "labels-INITIAL_FORMS": "0", "labels-MIN_NUM_FORMS": "0", "labels-MAX_NUM_FORMS": "1000",
    }
    return {**data, **changes}


def test_the_admin_refuses_bands_out_of_order(admin_client):
    rain = SceneCriteria.objects.get(name="rain")
    url = reverse("admin:recommendations_scenecriteria_change", args=[rain.pk])

    response = admin_client.post(url, scene_form(rain, energy_2nd="0.5", energy_3rd="0.4", valence_max="1.5"))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["energy_3rd"] == [rules.ERROR_BAND_ORDER]
    assert errors["valence_max"] == [rules.ERROR_RANGE]
    rain.refresh_from_db()
    assert rain.energy_2nd != 0.5


def test_the_admin_saves_valid_criteria_and_a_new_label_mapping(admin_client):
    rain = SceneCriteria.objects.get(name="rain")
    url = reverse("admin:recommendations_scenecriteria_change", args=[rain.pk])
    data = scene_form(rain, valence_max="0.5", **{"labels-TOTAL_FORMS": "1", "labels-0-label": "drizzle", "labels-0-scene": str(rain.pk)})

    response = admin_client.post(url, data)

    assert response.status_code == 302
    rain.refresh_from_db()
    assert rain.valence_max == 0.5
    assert SceneLabel.objects.get(label="drizzle").scene == rain


def test_the_scene_page_previews_how_many_tracks_each_band_holds(admin_client):
    rain = SceneCriteria.objects.get(name="rain")  # valence 0.05-0.45, energy 0.05 / 0.2167 / 0.3833 / 0.55
    TrackFactory.create_batch(3, valence=0.2, energy=0.1)
    TrackFactory.create(valence=0.2, energy=0.3)
    TrackFactory.create(valence=0.9, energy=0.1)
    TrackFactory.create(valence=None, energy=None)

    response = admin_client.get(reverse("admin:recommendations_scenecriteria_change", args=[rain.pk]))

    assert "3 / 1 / 0" in response.content.decode()
    listing = admin_client.get(reverse("admin:recommendations_scenecriteria_changelist")).content.decode()
    assert "3 / 1 / 0" in listing


def test_the_label_mapping_is_editable_from_its_list(admin_client):
    barking = SceneLabel.objects.get(label="dog")
    street = SceneCriteria.objects.get(name="street")
    labels = list(SceneLabel.objects.order_by("scene__name", "label"))
    data = {"form-TOTAL_FORMS": str(len(labels)), "form-INITIAL_FORMS": str(len(labels)), "_save": "Save"}
    for i, label in enumerate(labels):
        data[f"form-{i}-id"] = str(label.pk)
        data[f"form-{i}-scene"] = str(street.pk if label == barking else label.scene_id)

    response = admin_client.post(reverse("admin:scenes_scenelabel_changelist"), data)

    assert response.status_code == 302
    barking.refresh_from_db()
    assert barking.scene == street


def test_a_suggestion_is_applied_from_the_admin(admin_client):
    rain = SceneCriteria.objects.get(name="rain")
    suggestion = CriteriaSuggestion.objects.create(scene=rain, track_count=5, **{**rain.criteria, "valence_max": 0.33})

    response = admin_client.post(
        reverse("admin:recommendations_criteriasuggestion_changelist"),
        {"action": "apply_suggestions", "_selected_action": [suggestion.pk]},
    )

    assert response.status_code == 302
    rain.refresh_from_db()
    suggestion.refresh_from_db()
    assert rain.valence_max == 0.33 and suggestion.applied_at is not None


@pytest.mark.parametrize("name", ["track", "recommendation", "feedback", "scenecorrection", "playlistexport", "catalogrefreshrun", "criteriasuggestion", "scenecriteria"])
def test_every_admin_list_opens(admin_client, name):
    assert admin_client.get(reverse(f"admin:recommendations_{name}_changelist")).status_code == 200


def test_the_label_table_opens_in_the_scenes_admin(admin_client):
    response = admin_client.get(reverse("admin:scenes_scenelabel_changelist"))

    assert response.status_code == 200 and b"ambience:rain" in response.content
