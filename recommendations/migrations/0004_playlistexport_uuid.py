"""PlaylistExport.uuid: the marker written into the playlist's description.

Three steps, as Django documents for a unique field on a table with rows: a callable
default in AddField is evaluated once, so every existing row would get the same value.
"""
from __future__ import annotations

import uuid

from django.db import migrations, models


def fill_uuids(apps, schema_editor):
    PlaylistExport = apps.get_model("recommendations", "PlaylistExport")
    for export in PlaylistExport.objects.filter(uuid__isnull=True).only("pk"):
        export.uuid = uuid.uuid4()
        export.save(update_fields=["uuid"])


class Migration(migrations.Migration):
    dependencies = [("recommendations", "0003_refresh_schedule")]

    operations = [
        migrations.AddField(
            model_name="playlistexport", name="uuid", field=models.UUIDField(editable=False, null=True)
        ),
        migrations.RunPython(fill_uuids, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="playlistexport",
            name="uuid",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
    ]
