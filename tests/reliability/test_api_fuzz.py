"""Schemathesis against our own OpenAPI schema, in-process: no operation answers 5xx.

A real API token of a user who owns a recording, a recommendation and a spare token
authenticates every call, and about half the generated cases aim at those objects' ids
(the rest at ids that exist nowhere), so both the found and the not-found paths run.
"""
from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings
from rest_framework.throttling import SimpleRateThrottle
from schemathesis.checks import not_a_server_error

from accounts.services import api_token_create
from soundscapify.wsgi import application
from tests.factories import UserFactory
from tests.recommendations.factories import (
    RecommendationFactory,
    RecommendationItemFactory,
    RecordingFactory,
    SceneFactory,
)

MAX_EXAMPLES = 25


@dataclass
class Owner:
    key: str
    path_values: dict[str, object]


@pytest.fixture(autouse=True)
def keep_the_test_connection() -> Iterator[None]:
    """Calls through the WSGI app would close the connection that holds the test's
    transaction; django.test.Client disconnects the same receivers for the same reason."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def owner(db: None, media_root: Path, monkeypatch: pytest.MonkeyPatch) -> Owner:
    """A staff user (so the admin-only catalogue search runs too) with one of each object."""
    # Hundreds of calls a minute would otherwise end in 429 and test nothing.
    monkeypatch.setattr(SimpleRateThrottle, "allow_request", lambda self, request, view: True)
    user = UserFactory.create(is_staff=True)
    SceneFactory.create(name="rain")
    recording = RecordingFactory.create(user=user)
    audio = media_root / str(recording.file.name)
    audio.parent.mkdir(parents=True, exist_ok=True)
    audio.write_bytes(b"RIFF" + bytes(996))  # served as stored; the audio endpoints never decode it
    recommendation = RecommendationFactory.create(user=user, recording=recording)
    RecommendationItemFactory.create(recommendation=recommendation)
    spare = api_token_create(user=user, name="spare").token
    key = api_token_create(user=user, name="fuzz").key
    values = {"recording_id": str(recording.pk), "id": recommendation.pk, "token_id": spare.pk, "name": "rain"}
    return Owner(key=key, path_values=values)


def aim_at_owned_objects(case: Any, owner: Owner) -> None:
    """Half the cases (chosen from the case itself, so a failure replays) use owned ids."""
    if not case.path_parameters:
        return
    if zlib.crc32(repr((case.path_parameters, case.query, case.body)).encode()) % 2:
        case.path_parameters = {
            name: owner.path_values.get(name, value) for name, value in case.path_parameters.items()
        }


# Loaded at import: serving the schema to an anonymous caller touches no database.
# (schemathesis.pytest.from_fixture fails under pytest 9: it reads the removed Function._nodeid.)
schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_operation_answers_a_server_error(case: Any, owner: Owner) -> None:
    aim_at_owned_objects(case, owner)
    case.call_and_validate(headers={"Authorization": f"Bearer {owner.key}"}, checks=[not_a_server_error])


# Found by the fuzz test above (SQLite: OverflowError; kept as an explicit case so it
# fails every run until recommendations.selectors.playlist_export_for is fixed).
HUGE_ID = 3219907525909827949576189667228778496


def test_a_playlist_status_for_an_id_beyond_the_integer_range_is_404(owner: Owner) -> None:
    client = Client(headers={"Authorization": f"Bearer {owner.key}"})
    assert client.get(f"/api/v1/recommendations/{HUGE_ID}/playlist/").status_code == 404
