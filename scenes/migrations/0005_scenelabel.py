# The label -> scene table moves here from the recommendations app, so classification reads it
# directly. The table is kept (renamed), with its rows.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("scenes", "0004_upload_refusal"),
        ("recommendations", "0008_track_spotify_id_constraint"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="SceneLabel",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("label", models.CharField(max_length=100, unique=True)),
                        ("scene", models.ForeignKey(on_delete=models.deletion.PROTECT, related_name="labels", to="recommendations.scene")),
                    ],
                    options={"ordering": ["scene__name", "label"], "db_table": "recommendations_scenelabel"},
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="scenelabel", table=None),
    ]
