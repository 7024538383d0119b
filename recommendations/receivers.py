"""What this app does when others tell it something: a classified recording gets its songs."""
from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.dispatch import receiver

from recommendations.tasks import recommend_for_recording
from scenes.models import Recording
from scenes.signals import recording_classified
from soundscapify.celery import BROKER_ERRORS, PUBLISH_RETRY_POLICY

logger = logging.getLogger(__name__)


@receiver(recording_classified, dispatch_uid="recommendations.recommend_when_classified")
def recommend_when_classified(sender: type[Recording], recording: Recording, **kwargs: Any) -> None:
    recording_id = str(recording.id)
    transaction.on_commit(lambda: _ask_for_recommendations(recording_id))


def _ask_for_recommendations(recording_id: str) -> None:
    try:
        recommend_for_recording.apply_async((recording_id,), queue="default", retry_policy=PUBLISH_RETRY_POLICY)
    except BROKER_ERRORS:
        # The result is stored and the recording done: a broker outage must not fail the
        # classification task after the fact. The recommendations page makes the same
        # attempt when the user opens it.
        logger.warning("Broker unreachable: no recommendations requested for recording %s", recording_id)
