"""The embedded broker: kombu's filesystem transport, with messages that appear whole.

kombu writes a message in place: it creates `<time>_<uuid>.<queue>.msg`, then writes the
body. A worker polling the folder can take the file in between, read it empty and die on
a JSONDecodeError, and the message is lost. Here a message is written under a name that no
worker picks up, then renamed: a rename within one folder is atomic, so a worker sees
either no file or the whole message.

The Celery app (soundscapify.celery) makes its connections through `AMQP`, whose
`Connection` picks this transport for a `filesystem://` URL, whichever way the URL is given
(settings, the CELERY_BROKER_URL environment variable, `celery -b`). kombu's alias table is
left alone: a plain kombu.Connection("filesystem://") is still kombu's own transport.
"""
from __future__ import annotations

import os
import uuid
from time import monotonic
from typing import Any

import kombu
from celery.app.amqp import AMQP as CeleryAMQP
from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

# Workers take only names of the form `<stem>.<queue>.msg` (kombu splits at the first dot):
# a leading dot leaves an empty stem, so a file being written is never one of them.
WRITING_PREFIX = "."


class AtomicFilesystemChannel(filesystem.Channel):
    # kombu's own filesystem channel already names this argument differently from its base class.
    def _put(self, queue: str, payload: dict, **kwargs: object) -> None:  # type: ignore[override]
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        final_path = os.path.join(self.data_folder_out, name)
        writing_path = os.path.join(self.data_folder_out, WRITING_PREFIX + name)
        try:
            with open(writing_path, "wb") as message_file:
                message_file.write(str_to_bytes(dumps(payload)))
            os.replace(writing_path, final_path)
        except OSError as exc:
            _remove_quietly(writing_path)
            raise ChannelError(f"Cannot add file {final_path!r} to directory") from exc


class AtomicFilesystemTransport(filesystem.Transport):
    Channel = AtomicFilesystemChannel


def _remove_quietly(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass


FILESYSTEM_SCHEME = "filesystem://"


class Connection(kombu.Connection):
    """kombu's Connection, with AtomicFilesystemTransport for `filesystem://` URLs.

    Chosen per connection, from the URL it is given: Celery reads CELERY_BROKER_URL from
    the environment on every connection, so a fixed `broker_transport` setting could pair
    our transport with a Redis URL. An explicit `transport` still wins.
    """

    def __init__(self, hostname: Any = "localhost", *args: Any, **kwargs: Any) -> None:
        if kwargs.get("transport") is None and isinstance(hostname, str) and hostname.startswith(FILESYSTEM_SCHEME):
            kwargs["transport"] = AtomicFilesystemTransport
        super().__init__(hostname, *args, **kwargs)


class AMQP(CeleryAMQP):
    """Celery's messaging layer with our Connection (Celery(amqp=...), a documented hook)."""

    Connection = Connection
