"""Server-rendered pages: what they offer, and that they need nothing from outside."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from social_django.models import UserSocialAuth

from accounts import constants
from accounts.tokens import generate_key
from tests.factories import SpotifyOnlyUserFactory, UserFactory, connect_spotify
from tests.fakes.spotify import FakeSpotify

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/", "/account/login/", "/account/signup/"])
def test_public_pages_offer_spotify_sign_in_as_a_post_form_without_scripts_or_cdn(client: Client, url: str) -> None:
    html = client.get(url).content.decode()

    assert '<form method="post" action="/login/spotify/"' in html
    assert "<script" not in html
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert 'name="viewport"' in html


def test_the_account_page_lists_services_tokens_and_data_actions(client: Client, spotify_user: Any) -> None:
    client.force_login(spotify_user)

    html = client.get("/account/").content.decode()

    assert "connected as <code>fakeuser</code>" in html
    assert 'action="/account/spotify/disconnect/"' in html
    assert 'href="/account/export/"' in html
    assert 'href="/account/delete/"' in html
    assert 'action="/account/tokens/"' in html
    assert "csrfmiddlewaretoken" in html
    assert "<script" not in html


def test_the_account_page_offers_to_connect_spotify_when_not_connected(client: Client) -> None:
    client.force_login(UserFactory.create())

    html = client.get("/account/").content.decode()

    assert "Connect Spotify" in html
    assert "Disconnect Spotify" not in html


def test_the_account_page_asks_to_reconnect_when_spotify_refused_the_tokens(
    client: Client, fake_spotify: FakeSpotify
) -> None:
    user = UserFactory.create()
    connect_spotify(user, "fakeuser", fake_spotify.mint_tokens())
    UserSocialAuth.objects.filter(user=user).update(extra_data={"auth_time": 1})
    client.force_login(user)

    html = client.get("/account/").content.decode()

    assert "Reconnect Spotify" in html


def test_disconnecting_spotify_deletes_the_association_and_its_tokens(client: Client, spotify_user: Any) -> None:
    client.force_login(spotify_user)

    response = client.post("/account/spotify/disconnect/")

    assert response.status_code == 302
    assert not UserSocialAuth.objects.filter(user=spotify_user).exists()
    assert [str(m) for m in get_messages(response.wsgi_request)] == [constants.SPOTIFY_DISCONNECTED]


def test_a_user_without_a_password_must_set_one_before_disconnecting(client: Client, fake_spotify: FakeSpotify) -> None:
    user = SpotifyOnlyUserFactory.create()
    connect_spotify(user, "fakeuser", fake_spotify.mint_tokens())
    client.force_login(user)

    response = client.post("/account/spotify/disconnect/")

    assert response.status_code == 302
    assert response["Location"] == "/account/password/"
    assert UserSocialAuth.objects.filter(user=user).exists()
    assert [str(m) for m in get_messages(response.wsgi_request)] == [constants.DISCONNECT_NEEDS_PASSWORD]


def test_creating_a_token_on_the_account_page_shows_the_key_once(client: Client) -> None:
    user = UserFactory.create()
    client.force_login(user)

    response = client.post("/account/tokens/", {"name": "My phone"})

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    shown = re.search(r'id="api-token-key"[^>]*>(ssk_[^<]+)</code>', response.content.decode())
    assert shown is not None
    key = shown.group(1)
    assert client.get("/api/v1/me/", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    assert key not in client.get("/account/").content.decode()


def test_the_new_token_is_shown_whole_with_a_copy_button(client: Client) -> None:
    client.force_login(UserFactory.create())

    html = client.post("/account/tokens/", {"name": "My phone"}).content.decode()

    key = re.search(r'<code class="token-key" id="api-token-key"[^>]*>([^<]+)</code>', html)
    assert key is not None and len(key.group(1)) == len(generate_key())  # whole, never cut to a width
    assert 'data-copy-from="api-token-key"' in html
    assert '<script src="/static/accounts/copy.js" defer></script>' in html


def test_revoking_a_token_on_the_account_page(client: Client) -> None:
    user = UserFactory.create()
    client.force_login(user)
    client.post("/account/tokens/", {"name": "My phone"})
    token = user.api_tokens.get()

    response = client.post(f"/account/tokens/{token.pk}/revoke/")

    assert response.status_code == 302
    assert not user.api_tokens.exists()


def test_a_user_cannot_revoke_someone_elses_token_from_the_page(client: Client) -> None:
    owner = UserFactory.create()
    client.force_login(owner)
    client.post("/account/tokens/", {"name": "Owner's"})
    token = owner.api_tokens.get()
    client.force_login(UserFactory.create())

    response = client.post(f"/account/tokens/{token.pk}/revoke/")

    assert response.status_code == 404
    assert owner.api_tokens.exists()
