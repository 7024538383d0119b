# SceneLabel now belongs to the scenes app (scenes 0005 took over its table).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("recommendations", "0008_track_spotify_id_constraint"),
        ("scenes", "0005_scenelabel"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="SceneLabel")], database_operations=[]),
    ]
