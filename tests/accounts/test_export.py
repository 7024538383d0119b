"""Export my data: everything about the user, nothing secret, nothing of anyone else."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from accounts.export import register_export_section, unregister_export_section, user_export_data
from accounts.services import api_token_create
from accounts.spotify.tokens import stored_token
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_export_holds_profile_services_and_token_metadata_but_no_secrets(client: Client, spotify_user: Any) -> None:
    issued = api_token_create(user=spotify_user, name="phone")
    client.force_login(spotify_user)

    response = client.get("/account/export/")

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["profile"]["username"] == spotify_user.username
    assert data["connected_services"] == [
        {
            "provider": "spotify",
            "uid": "fakeuser",
            "connected_at": data["connected_services"][0]["connected_at"],
            "usable": True,
        }
    ]
    assert data["api_tokens"][0]["name"] == "phone"
    body = response.content.decode()
    social = spotify_user.social_auth.get()
    for secret in (
        issued.key,
        issued.token.key_hash,
        social.extra_data["access_token"],
        social.extra_data["refresh_token"],
        stored_token(social, "access_token"),
        stored_token(social, "refresh_token"),
        spotify_user.password,
    ):
        assert secret and secret not in body


def test_the_export_contains_nothing_of_other_users(client: Client, spotify_user: Any) -> None:
    other = UserFactory.create(username="someone-else", email="else@example.com")
    api_token_create(user=other, name="other-phone")
    client.force_login(other)

    body = client.get("/account/export/").content.decode()
    api_body = client.get("/api/v1/me/export/").content.decode()

    for text in (body, api_body):
        assert "fakeuser" not in text
        assert spotify_user.username not in text
        assert "other-phone" in text


def test_apps_plug_their_own_sections_into_the_export(db: None) -> None:
    user = UserFactory.create()
    register_export_section("recordings", lambda u: [{"owner": u.username}])
    try:
        data = user_export_data(user=user)
    finally:
        unregister_export_section("recordings")

    assert data["recordings"] == [{"owner": user.username}]


def test_a_section_name_cannot_be_taken_twice() -> None:
    register_export_section("twice", lambda u: 1)
    try:
        with pytest.raises(ValueError):
            register_export_section("twice", lambda u: 2)
    finally:
        unregister_export_section("twice")
