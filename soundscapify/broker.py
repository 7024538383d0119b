"""The embedded broker: kombu's filesystem transport, with messages that appear whole.

kombu writes a message in place: it creates `<time>_<uuid>.<queue>.msg`, then writes the
body. A worker polling the folder can take the file in between, read it empty and die on
a JSONDecodeError, and the message is lost. Here a message is written under a name that no
worker picks up, then renamed: a rename within one folder is atomic, so a worker sees
either no file or the whole message.

`filesystem://` names this transport once `use_atomic_filesystem_transport` has run (the
Celery app runs it on import), whichever way the broker URL is given.
"""
from __future__ import annotations

import os
import uuid
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import TRANSPORT_ALIASES, filesystem
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


def use_atomic_filesystem_transport() -> None:
    """Make `filesystem://` URLs use AtomicFilesystemTransport in this process.

    kombu resolves a URL's scheme through TRANSPORT_ALIASES on every connection, so this
    also covers a broker URL that Celery reads from the environment at run time.
    """
    TRANSPORT_ALIASES["filesystem"] = f"{__name__}:{AtomicFilesystemTransport.__name__}"
