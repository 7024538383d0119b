"""The database cache's table (settings.CACHES, the default when CACHE_URL is unset).

Sign-in limits and API throttles count in the cache, which every web process must share.
createcachetable creates only the tables of the database caches configured now, and skips
those that exist: with CACHE_URL set to Redis this does nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.db import migrations


def create_cache_tables(apps: Any, schema_editor: Any) -> None:
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_encrypt_spotify_tokens")]

    operations = [migrations.RunPython(create_cache_tables, migrations.RunPython.noop)]
