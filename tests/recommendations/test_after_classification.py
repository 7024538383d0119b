"""A classified recording asks for its songs, once its result has committed."""
from __future__ import annotations

import logging

import pytest
from celery import current_app
from kombu.exceptions import OperationalError

from recommendations.tasks import recommend_for_recording
from scenes.models import Recording
from scenes.signals import recording_classified
from tests.recommendations.factories import RecordingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch) -> list[tuple]:
    calls: list[tuple] = []

    def send_task(name, args=(), *rest, **options):  # what Task.apply_async calls
        calls.append((name, tuple(args), options.get("queue")))

    monkeypatch.setattr(current_app, "send_task", send_task)
    return calls


def test_a_classified_recording_asks_for_songs_after_the_commit(user, sent, django_capture_on_commit_callbacks):
    recording = RecordingFactory.create(user=user)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        recording_classified.send(sender=Recording, recording=recording)
        assert sent == []  # nothing leaves before the result is committed
    for callback in callbacks:
        callback()

    assert sent == [(recommend_for_recording.name, (str(recording.pk),), "default")]


def test_a_broker_outage_leaves_the_classification_alone(
    user, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(current_app, "send_task", broker_down)
    recording = RecordingFactory.create(user=user)

    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        recording_classified.send(sender=Recording, recording=recording)

    assert f"no recommendations requested for recording {recording.pk}" in caplog.text
