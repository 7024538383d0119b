"""What a signed-in user is sent holds their data: no browser or shared cache may keep it."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.services import api_token_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PERSONAL_PAGES = ["/account/", "/account/export/", "/account/password/", "/account/delete/"]
PERSONAL_API = ["/api/v1/auth/tokens/", "/api/v1/me/", "/api/v1/me/export/"]


@pytest.mark.parametrize("path", PERSONAL_PAGES)
def test_personal_pages_are_sent_with_no_store(client: Client, path: str) -> None:
    client.force_login(UserFactory.create())

    response = client.get(path)

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", PERSONAL_API)
def test_personal_api_answers_to_a_token_are_sent_with_no_store(client: Client, path: str) -> None:
    issued = api_token_create(user=UserFactory.create(), name="phone")

    response = client.get(path, headers={"Authorization": f"Bearer {issued.key}"})

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


def test_pages_for_visitors_who_are_not_signed_in_may_be_cached(client: Client) -> None:
    assert not client.get("/").has_header("Cache-Control")
