"""The admin's label -> scene table covers every label the shipped scene model outputs."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from ml.artifacts import load_metadata
from scenes.selectors import label_to_scene

pytestmark = pytest.mark.django_db


def test_every_label_of_the_shipped_model_has_a_row_in_the_table() -> None:
    metadata = load_metadata(Path(settings.BASE_DIR) / "ml" / "artifacts" / "current")

    table = label_to_scene()

    assert set(metadata.labels) <= set(table)
    assert {label: table[label] for label in metadata.labels} == metadata.label_to_scene
