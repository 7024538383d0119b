"""The embedded (filesystem) broker never hands a worker a message that is still being written."""
from __future__ import annotations

from pathlib import Path

import pytest
from kombu import Connection
from kombu.exceptions import ChannelError

from soundscapify import broker
from soundscapify.settings.base import filesystem_broker_options

QUEUE = "ml"
PAYLOAD = {"body": "x" * 100_000, "headers": {"task": "scenes.tasks.classify_recording"}}


@pytest.fixture
def channel(tmp_path: Path):
    options = filesystem_broker_options(tmp_path)
    for key in ("data_folder_in", "control_folder", "processed_folder"):
        Path(str(options[key])).mkdir(parents=True)
    with Connection("filesystem://", transport=broker.AtomicFilesystemTransport, transport_options=options) as conn:
        yield conn.default_channel


def test_the_celery_app_uses_the_atomic_transport_for_the_filesystem_broker(settings, monkeypatch) -> None:
    if not settings.CELERY_BROKER_URL.startswith("filesystem://"):
        pytest.skip("runs on the embedded broker")
    from soundscapify.celery import app

    with app.connection_for_write() as conn:
        assert isinstance(conn.transport, broker.AtomicFilesystemTransport)
    # However the URL reaches Celery: here the environment, read on every connection.
    monkeypatch.setenv("CELERY_BROKER_URL", "filesystem://")
    for connection in (app.connection_for_write, app.connection_for_read):
        with connection() as conn:
            assert isinstance(conn.transport, broker.AtomicFilesystemTransport)


def test_other_broker_urls_keep_their_own_transport(monkeypatch) -> None:
    from kombu.transport.redis import Transport as RedisTransport

    from soundscapify.celery import app

    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:9/0")

    with app.connection_for_write() as conn:
        assert isinstance(conn.transport, RedisTransport)


def test_kombus_own_filesystem_transport_is_left_alone() -> None:
    from kombu.transport import TRANSPORT_ALIASES

    from soundscapify import celery  # noqa: F401  (the app is set up)

    assert TRANSPORT_ALIASES["filesystem"] == "kombu.transport.filesystem:Transport"
    with Connection("filesystem://") as conn:
        assert not isinstance(conn.transport, broker.AtomicFilesystemTransport)


def test_a_worker_polling_while_a_message_is_written_finds_nothing_rather_than_half_of_it(
    channel, monkeypatch
) -> None:
    seen_while_writing = []
    broker_dumps = broker.dumps

    def serialise_then_poll(payload: dict) -> str:
        # The moment between the file being opened and its body written: what kombu's own
        # transport exposes to a worker as an empty message.
        text = broker_dumps(payload)
        try:
            seen_while_writing.append(channel._get(QUEUE))
        except Exception as exc:  # kombu's transport fails here with a JSONDecodeError
            seen_while_writing.append(type(exc).__name__)
        return text

    monkeypatch.setattr(broker, "dumps", serialise_then_poll)
    channel._put(QUEUE, PAYLOAD)

    assert seen_while_writing == ["Empty"]
    monkeypatch.undo()
    assert channel._get(QUEUE) == PAYLOAD


def test_a_failed_write_leaves_no_file_behind(channel, tmp_path: Path, monkeypatch) -> None:
    def fail(payload: dict) -> str:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(broker, "dumps", fail)

    with pytest.raises(ChannelError):
        channel._put(QUEUE, PAYLOAD)
    assert list((tmp_path / "queue").iterdir()) == []
