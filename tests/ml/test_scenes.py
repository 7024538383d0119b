from __future__ import annotations

import pytest

from ml.scenes import ESC50_LABEL_TO_SCENE, SCENES, default_label_to_scene, scene_probabilities


def test_there_are_eight_to_twelve_scenes_each_with_a_rationale() -> None:
    assert 8 <= len(SCENES) <= 12
    assert all(len(rationale) > 20 for rationale in SCENES.values())


def test_every_esc50_label_maps_to_a_defined_scene() -> None:
    assert len(ESC50_LABEL_TO_SCENE) == 50
    assert set(ESC50_LABEL_TO_SCENE.values()) == set(SCENES)


def test_a_scene_probability_is_the_sum_of_its_labels() -> None:
    probs = {"rain": 0.5, "thunderstorm": 0.2, "sea_waves": 0.3}

    scenes = scene_probabilities(probs, default_label_to_scene(list(ESC50_LABEL_TO_SCENE)))

    assert scenes["rain"] == pytest.approx(0.7)
    assert scenes["seaside"] == pytest.approx(0.3)
    assert sum(scenes.values()) == pytest.approx(1.0)


def test_a_model_trained_on_scene_labels_maps_each_label_to_itself() -> None:
    assert default_label_to_scene(["airport", "bus", "park"]) == {"airport": "airport", "bus": "bus", "park": "park"}
