"""Map the scene model's scene-head outputs ("ambience:rain", ...) to their scenes.

The YAMNet + LSTM model (yamnet-lstm) outputs ESC-50's 50 labels and one `ambience:<scene>`
label per scene; this adds the latter to the admin's label -> scene table, so that it covers
every label the model outputs. Rows already there (an admin's edits) are left alone.
"""
from __future__ import annotations

from django.db import migrations

# A copy of ml.scenes.SCENES's names as they stood (migrations never import live code).
SCENE_NAMES = (
    "nature", "rain", "seaside", "fireside", "countryside", "street", "transit", "home", "work_study", "social",
)


def seed(apps, schema_editor):
    Scene = apps.get_model("recommendations", "Scene")
    SceneLabel = apps.get_model("recommendations", "SceneLabel")
    for scene in Scene.objects.filter(name__in=SCENE_NAMES):
        SceneLabel.objects.get_or_create(label=f"ambience:{scene.name}", defaults={"scene": scene})


def unseed(apps, schema_editor):
    SceneLabel = apps.get_model("recommendations", "SceneLabel")
    SceneLabel.objects.filter(label__in=[f"ambience:{name}" for name in SCENE_NAMES]).delete()


class Migration(migrations.Migration):
    dependencies = [("recommendations", "0004_playlistexport_uuid")]

    operations = [migrations.RunPython(seed, unseed)]
