"""The Celery app. Workers import Django settings; TensorFlow is loaded only by ml.inference."""
from __future__ import annotations

import os
from pathlib import Path

from celery import Celery
from kombu.exceptions import OperationalError as BrokerOperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "soundscapify.settings.base")

# The embedded broker's filesystem:// URLs get our atomic transport (soundscapify.broker).
app = Celery("soundscapify", amqp="soundscapify.broker:AMQP")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# What a publish raises when the broker is down or unreachable: Celery re-raises connection
# errors as kombu's OperationalError once its publish retries are spent; OSError covers a
# socket error or timeout that escapes that wrapping.
BROKER_ERRORS: tuple[type[BaseException], ...] = (BrokerOperationalError, OSError)
# A publish from a request: one retry on a fresh connection (what a restarted broker
# needs: the pooled connection is dead), not Celery's default three. Against a broker that
# hangs every try waits out the socket timeout (below), and a user waits for all of them:
# ~9 s with one retry, ~15 s with three.
PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}


def _ensure_filesystem_broker_folders() -> None:
    """The filesystem transport expects its folders to exist before the first message."""
    options = app.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "control_folder", "processed_folder"):
        if key in options:
            Path(options[key]).mkdir(parents=True, exist_ok=True)


# Redis that stops answering without closing the connection (stalled, failing over, a
# NAT that dropped the flow) holds a publish forever without these: an upload request
# would hang until gunicorn kills its worker. With them each try of a publish gives up
# after 3 s (the tries of one publish: PUBLISH_RETRY_POLICY above),
# the recording stays queued and the stale sweep sends it later. Redis answers in
# milliseconds, and kombu's BRPOP returns every second, well within. Settings may
# override them through CELERY_BROKER_TRANSPORT_OPTIONS.
REDIS_SOCKET_TIMEOUTS_S = {"socket_connect_timeout": 3, "socket_timeout": 3}


def _bound_redis_waits() -> None:
    if str(app.conf.broker_url or "").startswith(("redis://", "rediss://")):
        app.conf.broker_transport_options = {**REDIS_SOCKET_TIMEOUTS_S, **(app.conf.broker_transport_options or {})}


@app.on_after_configure.connect
def _prepare_broker(sender: Celery, **kwargs: object) -> None:
    _ensure_filesystem_broker_folders()
    _bound_redis_waits()
