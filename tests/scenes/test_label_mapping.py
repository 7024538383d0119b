"""Classification follows the label -> scene table that the admin edits."""
from __future__ import annotations

import pytest

from recommendations.models import SceneCriteria
from scenes.models import SceneLabel
from scenes.services import classification
from tests.scenes.helpers import ambience, needs_model

pytestmark = [pytest.mark.django_db, needs_model]


def test_moving_a_label_to_another_scene_moves_its_probability() -> None:
    samples, sample_rate = ambience(5.0), 16_000
    before = classification._classify(samples, sample_rate)
    top_label, top_probability = before.top_labels[0]
    old_scene = SceneLabel.objects.get(label=top_label).scene.name
    new_scene = next(name for name in SceneCriteria.objects.values_list("name", flat=True) if name != old_scene)

    SceneLabel.objects.filter(label=top_label).update(scene=SceneCriteria.objects.get(name=new_scene))
    after = classification._classify(samples, sample_rate)

    moved = after.scene_probabilities[new_scene] - before.scene_probabilities[new_scene]
    assert moved == pytest.approx(top_probability, abs=1e-4)
    assert after.scene_probabilities[old_scene] == pytest.approx(
        before.scene_probabilities[old_scene] - top_probability, abs=1e-4
    )


def test_a_partial_table_keeps_the_shipped_scene_for_the_labels_it_lacks() -> None:
    samples, sample_rate = ambience(5.0), 16_000
    SceneLabel.objects.exclude(label="rain").delete()

    result = classification._classify(samples, sample_rate)

    assert sum(result.scene_probabilities.values()) == pytest.approx(1.0, abs=1e-4)
