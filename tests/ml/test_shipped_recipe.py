"""The commands' default recipe is the one the shipped artifact was trained with."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import load_command_class

from ml.artifacts import load_metadata
from ml.training.recipes import SHIPPED_RECIPE
from ml.training.scene_lstm import SCENE_LSTM_RECIPE

SHIPPED = Path(settings.BASE_DIR) / "ml" / "artifacts" / "current"


def test_the_shipped_artifact_names_the_shipped_recipe() -> None:
    # Reading metadata.json needs no TensorFlow; the artifact is committed, so it is always here.
    metadata = load_metadata(SHIPPED)

    assert metadata.arch == SHIPPED_RECIPE
    assert metadata.training["recipe"] == SCENE_LSTM_RECIPE.to_dict()
    assert metadata.training["n_params"] < 1_000_000


@pytest.mark.parametrize("command", ["train_scene_model", "crossvalidate_scene_model"])
def test_the_training_commands_default_to_the_shipped_recipe(command: str) -> None:
    parser = load_command_class("ml", command).create_parser("manage.py", command)

    assert parser.get_default("arch") == SHIPPED_RECIPE
