"""What this app tells the others, and the storage that follows its rows.

`recording_classified` is sent once per stored scene result, with `recording=`: the
recommendations app listens to pick songs, so this app never needs to know it exists.

A deleted recording's file goes once the deletion commits: a receiver rather than a service
call because rows also go by cascade (a user deleting their account) and by the admin's
bulk delete, which call no service.
"""
from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import Signal, receiver

from scenes.models import LiveSnippet, Recording

recording_classified = Signal()


@receiver(post_delete, sender=Recording, dispatch_uid="scenes.delete_recording_file")
def delete_recording_file(sender: type[Recording], instance: Recording, **kwargs: Any) -> None:
    name, storage = instance.file.name, instance.file.storage
    if name:
        transaction.on_commit(lambda: storage.delete(name))


@receiver(post_delete, sender=LiveSnippet, dispatch_uid="scenes.delete_snippet_file")
def delete_snippet_file(sender: type[LiveSnippet], instance: LiveSnippet, **kwargs: Any) -> None:
    """A snippet deleted before its worker ran (an account deleted mid-session) takes its audio along."""
    name, storage = instance.file.name, instance.file.storage
    if name:
        transaction.on_commit(lambda: storage.delete(name))
