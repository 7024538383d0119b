from __future__ import annotations

import importlib
from dataclasses import astuple
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from recommendations import criteria as rules
from recommendations.models import CriteriaSuggestion, SceneCriteria
from scenes.models import SceneLabel
from tests.recommendations.factories import TrackFactory

CRITERIA = {"valence_min": 0.2, "valence_max": 0.6, "energy_min": 0.1, "energy_2nd": 0.3, "energy_3rd": 0.6, "energy_max": 0.9}


@pytest.mark.parametrize(
    ("hour", "band"),
    [(0, "mid"), (1, "mid"), (2, "low"), (11, "low"), (12, "high"), (17, "high"), (18, "mid"), (23, "mid")],
)
def test_the_energy_band_follows_the_originals_hours(hour, band):
    assert rules.band_for_hour(hour) == band


def test_the_time_rule_is_configurable(settings):
    settings.RECOMMENDATIONS_ENERGY_BANDS = [(6, "high"), (22, "low")]

    assert [rules.band_for_hour(h) for h in (3, 6, 21, 22)] == ["low", "high", "high", "low"]


def test_each_band_takes_its_part_of_the_energy_range():
    assert rules.scene_box(CRITERIA, "low") == rules.Box(0.2, 0.6, 0.1, 0.3)
    assert rules.scene_box(CRITERIA, "mid") == rules.Box(0.2, 0.6, 0.3, 0.6)
    assert rules.scene_box(CRITERIA, "high") == rules.Box(0.2, 0.6, 0.6, 0.9)


def test_blending_weights_each_scenes_box_by_its_probability():
    other = {**CRITERIA, "valence_min": 0.6, "valence_max": 1.0, "energy_3rd": 0.7, "energy_max": 1.0}

    box = rules.blend([(0.75, CRITERIA), (0.25, other)], "high")

    assert astuple(box) == pytest.approx((0.3, 0.7, 0.625, 0.925))


def test_likely_scenes_drop_unlikely_and_unknown_scenes_and_renormalise():
    weights = rules.likely_scenes({"rain": 0.5, "nature": 0.3, "street": 0.05, "mars": 0.15}, {"rain", "nature", "street"}, 0.1)

    assert weights == pytest.approx({"rain": 0.625, "nature": 0.375})
    assert list(weights) == ["rain", "nature"]


def test_the_top_known_scene_stays_even_when_unlikely():
    assert rules.likely_scenes({"mars": 0.95, "rain": 0.05}, {"rain"}, 0.5) == {"rain": 1.0}


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"valence_min": -0.1}, "valence_min", rules.ERROR_RANGE),
        ({"energy_max": 1.2}, "energy_max", rules.ERROR_RANGE),
        ({"valence_min": 0.7}, "valence_max", rules.ERROR_VALENCE_ORDER),
        ({"energy_2nd": 0.7}, "energy_3rd", rules.ERROR_BAND_ORDER),
    ],
)
def test_criteria_errors_name_the_field(change, field, message):
    assert rules.criteria_errors({**CRITERIA, **change})[field] == message


@pytest.mark.django_db
def test_the_seed_migration_holds_the_ml_scenes_and_mapping():
    from ml.scenes import ESC50_LABEL_TO_SCENE, SCENES, ambience_label

    seed = importlib.import_module("recommendations.migrations.0002_seed_scenes")
    assert {name: row[0] for name, row in seed.SCENES.items()} == SCENES
    scene_head = {ambience_label(scene): scene for scene in SCENES}
    assert dict(SceneLabel.objects.values_list("label", "scene__name")) == {**ESC50_LABEL_TO_SCENE, **scene_head}
    for scene in SceneCriteria.objects.all():
        assert rules.criteria_errors(scene.criteria) == {}, scene.name
        assert scene.description == SCENES[scene.name] and scene.rationale


@pytest.mark.django_db
def test_import_criteria_loads_a_table_and_maps_the_labels_to_themselves(tmp_path):
    path = tmp_path / "criteria.csv"
    path.write_text("label,valence_min,valence_max,energy_min,energy_2nd,energy_3rd,energy_max\nmetro,0.259,0.489,0.00591,0.337,0.668,1.0\n")
    out = StringIO()

    call_command("import_criteria", str(path), stdout=out)

    assert "Imported criteria for 1 scenes: metro." in out.getvalue()
    metro = SceneCriteria.objects.get(name="metro")
    assert (metro.valence_min, metro.energy_3rd) == (0.259, 0.668)
    assert SceneLabel.objects.get(label="metro").scene == metro


@pytest.mark.django_db
def test_import_criteria_refuses_bands_out_of_order(tmp_path):
    path = tmp_path / "criteria.csv"
    path.write_text("label,valence_min,valence_max,energy_min,energy_2nd,energy_3rd,energy_max\nbus,0.7,0.9,0.1,0.8,0.5,1.0\n")

    with pytest.raises(CommandError, match="line 2: energy_3rd: Energy bands must be in order"):
        call_command("import_criteria", str(path))
    assert not SceneCriteria.objects.filter(name="bus").exists()


@pytest.mark.django_db
@pytest.mark.shared_data
def test_import_criteria_reads_the_originals_table(shared_catalog):
    call_command("import_criteria", str(shared_catalog / "recommend_criteria.csv"), stdout=StringIO())

    park = SceneCriteria.objects.get(name="park")
    assert (park.valence_min, park.valence_max, park.energy_max) == (0.0196, 0.257, 0.999)
    assert set(SceneLabel.objects.filter(label__in=["metro", "bus", "park", "street_traffic"]).values_list("scene__name", flat=True)) == {"metro", "bus", "park", "street_traffic"}


@pytest.mark.django_db
@pytest.mark.shared_data
def test_derive_criteria_reproduces_the_originals_table(shared_catalog):
    call_command("import_tracks", str(shared_catalog / "valence_arousal_dataset.csv"), "--no-progress", stdout=StringIO(), stderr=StringIO())
    call_command("import_criteria", str(shared_catalog / "recommend_criteria.csv"), stdout=StringIO())
    original = {s.name: s.criteria for s in SceneCriteria.objects.filter(name__in=["metro", "bus", "park", "street_traffic"])}

    call_command("derive_criteria", "--scenes", "metro,bus,park,street_traffic", stdout=StringIO())

    for suggestion in CriteriaSuggestion.objects.select_related("scene"):
        assert suggestion.criteria == pytest.approx(original[suggestion.scene.name], abs=0.01), suggestion.scene.name
    assert SceneCriteria.objects.get(name="metro").criteria == original["metro"]  # a suggestion, not an overwrite


@pytest.mark.django_db
def test_derive_criteria_on_a_tiny_catalog_says_so():
    TrackFactory.create(valence=0.3)

    with pytest.raises(CommandError, match="too few scored tracks to derive criteria: 1 for 10 scenes"):
        call_command("derive_criteria")


@pytest.mark.django_db
def test_derive_criteria_gives_lower_clusters_to_lower_valence_scenes():
    for i in range(30):
        TrackFactory.create(valence=[0.1, 0.5, 0.9][i % 3] + (i % 5) / 100, energy=(i % 10) / 10)

    call_command("derive_criteria", "--scenes", "rain,social,nature", "--energy-split", "percentiles", stdout=StringIO())

    by_scene = {s.scene.name: s for s in CriteriaSuggestion.objects.select_related("scene")}
    assert by_scene["rain"].valence_max < by_scene["nature"].valence_min < by_scene["social"].valence_min
    assert by_scene["rain"].track_count == 10


@pytest.mark.parametrize("rule", [[], [(2, "low"), (2, "mid")], [(25, "low")], [(3, "loud")], ["2-low"]])
def test_a_broken_time_rule_fails_the_system_check(settings, rule):
    from recommendations.checks import check_energy_band_rule

    settings.RECOMMENDATIONS_ENERGY_BANDS = rule

    assert [e.id for e in check_energy_band_rule()] == ["recommendations.E001"]
