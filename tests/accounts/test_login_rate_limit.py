"""Rate limits on password guessing (log-in form, API token endpoint) and reset requests."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from django.core import mail
from django.test import Client, RequestFactory

from accounts import constants
from accounts.ratelimit import client_address
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
LOGIN_URL = "/account/login/"
RESET_URL = "/account/password/reset/"
TOKEN_URL = "/api/v1/auth/token/"
LIMIT = 3
ACCOUNT_LIMIT = 5
ADDRESS_LIMIT = 8


@pytest.fixture(autouse=True)
def _small_limits(settings: Any) -> None:
    settings.LOGIN_FAILURE_LIMIT = LIMIT
    settings.LOGIN_FAILURE_WINDOW = 600
    settings.LOGIN_ACCOUNT_FAILURE_LIMIT = ACCOUNT_LIMIT
    settings.LOGIN_ACCOUNT_FAILURE_WINDOW = 120
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = ADDRESS_LIMIT
    settings.LOGIN_ADDRESS_FAILURE_WINDOW = 900
    settings.PASSWORD_RESET_LIMIT = 2
    settings.PASSWORD_RESET_WINDOW = 3600


def _log_in(client: Client, username: str, password: str, address: str = "10.0.0.1", **extra: Any) -> Any:
    return client.post(LOGIN_URL, {"username": username, "password": password}, REMOTE_ADDR=address, **extra)


def _fail(client: Client, username: str, times: int = LIMIT, address: str = "10.0.0.1") -> None:
    for _ in range(times):
        assert _log_in(client, username, "wrong-password", address).status_code == 200


def _page(response: Any, *, hiding: str = "") -> str:
    """The page without its per-request CSRF token (and without `hiding`)."""
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())
    return page.replace(hiding, "X") if hiding else page


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_after_the_limit_of_failures_even_the_right_password_is_refused_with_429(client: Client) -> None:
    user = UserFactory.create()
    _fail(client, user.username)

    response = _log_in(client, user.username, PASSWORD)

    assert response.status_code == 429
    assert response["Retry-After"] == "600"
    assert constants.LOGIN_RATE_LIMITED.format(minutes=10) in response.content.decode()
    assert not _signed_in(client)


def test_failures_below_the_limit_still_allow_signing_in(client: Client) -> None:
    user = UserFactory.create()
    _fail(client, user.username, times=LIMIT - 1)

    response = _log_in(client, user.username, PASSWORD)

    assert response.status_code == 302
    assert _signed_in(client)


def test_an_unknown_username_is_limited_exactly_like_a_real_one(client: Client) -> None:
    user = UserFactory.create()
    _fail(client, user.username)
    _fail(client, "nobody-has-this-name")

    real = _log_in(client, user.username, "guess")
    unknown = _log_in(client, "nobody-has-this-name", "guess")

    assert real.status_code == unknown.status_code == 429
    assert real["Retry-After"] == unknown["Retry-After"]
    assert _page(real, hiding=user.username) == _page(unknown, hiding="nobody-has-this-name")


def test_the_count_is_per_username_and_address(client: Client) -> None:
    user, other = UserFactory.create(), UserFactory.create()
    _fail(client, user.username, address="10.0.0.1")

    assert _log_in(client, user.username.upper(), PASSWORD, "10.0.0.1").status_code == 429
    assert _log_in(client, other.username, PASSWORD, "10.0.0.1").status_code == 302
    client.logout()
    assert _log_in(client, user.username, PASSWORD, "10.0.0.2").status_code == 302


def test_a_forged_forwarded_for_header_does_not_give_a_fresh_count(client: Client) -> None:
    user = UserFactory.create()
    _fail(client, user.username)

    response = _log_in(client, user.username, PASSWORD, headers={"X-Forwarded-For": "203.0.113.9"})

    assert response.status_code == 429


def _client_address(remote_addr: str, forwarded_for: str) -> str:
    request = RequestFactory().post(LOGIN_URL, REMOTE_ADDR=remote_addr, headers={"X-Forwarded-For": forwarded_for})
    return client_address(request)


def test_behind_a_proxy_the_client_is_the_address_the_proxy_appended(settings: Any) -> None:
    settings.TRUSTED_PROXY_COUNT = 1

    assert _client_address("172.18.0.5", "6.6.6.6, 198.51.100.7") == "198.51.100.7"


def test_behind_two_proxies_the_client_is_the_address_the_outer_one_appended(settings: Any) -> None:
    settings.TRUSTED_PROXY_COUNT = 2

    assert _client_address("172.18.0.5", "6.6.6.6, 198.51.100.7, 192.0.2.1") == "198.51.100.7"


def test_a_peer_outside_the_proxy_networks_cannot_choose_its_address(settings: Any) -> None:
    """gunicorn reached directly: whatever the client wrote in the header is not believed."""
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXY_NETWORKS = ["172.16.0.0/12"]

    assert _client_address("203.0.113.50", "198.51.100.7") == "203.0.113.50"


def test_a_forwarded_entry_that_is_no_address_is_ignored(settings: Any) -> None:
    settings.TRUSTED_PROXY_COUNT = 1

    assert _client_address("172.18.0.5", "unknown") == "172.18.0.5"


def _fail_through_proxy(client: Client, username: str, addresses: list[str]) -> None:
    """Failures from many client addresses, as our proxy (10.0.0.1) forwards them."""
    for address in addresses:
        response = _log_in(client, username, "wrong-password", "10.0.0.1", headers={"X-Forwarded-For": address})
        assert response.status_code == 200


def test_guesses_from_many_addresses_lock_the_account_briefly(client: Client, settings: Any) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    user = UserFactory.create()
    _fail_through_proxy(client, user.username, [f"203.0.113.{i}" for i in range(ACCOUNT_LIMIT)])

    response = _log_in(client, user.username, PASSWORD, "10.0.0.1", headers={"X-Forwarded-For": "203.0.113.200"})

    assert response.status_code == 429
    assert response["Retry-After"] == "120"
    assert constants.LOGIN_RATE_LIMITED.format(minutes=2) in response.content.decode()


def test_the_account_lock_spares_the_addresses_its_owner_signed_in_from(client: Client, settings: Any) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    user = UserFactory.create()
    home = {"headers": {"X-Forwarded-For": "198.51.100.7"}}
    assert _log_in(client, user.username, PASSWORD, "10.0.0.1", **home).status_code == 302
    client.logout()
    _fail_through_proxy(client, user.username, [f"203.0.113.{i}" for i in range(ACCOUNT_LIMIT)])
    stranger = {"headers": {"X-Forwarded-For": "203.0.113.200"}}
    assert _log_in(client, user.username, PASSWORD, "10.0.0.1", **stranger).status_code == 429

    assert _log_in(client, user.username, PASSWORD, "10.0.0.1", **home).status_code == 302


def test_one_address_trying_many_accounts_is_refused(client: Client) -> None:
    users = UserFactory.create_batch(ADDRESS_LIMIT + 1)
    for user in users[:ADDRESS_LIMIT]:
        _fail(client, user.username, times=1)

    assert _log_in(client, users[-1].username, PASSWORD).status_code == 429
    assert _log_in(client, users[-1].username, PASSWORD, "10.0.0.2").status_code == 302


def test_a_successful_log_in_clears_the_failures(client: Client) -> None:
    user = UserFactory.create()
    _fail(client, user.username, times=LIMIT - 1)
    assert _log_in(client, user.username, PASSWORD).status_code == 302
    client.logout()

    _fail(client, user.username, times=LIMIT - 1)

    assert _log_in(client, user.username, PASSWORD).status_code == 302


def test_the_limit_ends_with_its_window(client: Client, settings: Any) -> None:
    settings.LOGIN_FAILURE_WINDOW = 1
    user = UserFactory.create()
    _fail(client, user.username)
    assert _log_in(client, user.username, PASSWORD).status_code == 429

    time.sleep(1.2)

    assert _log_in(client, user.username, PASSWORD).status_code == 302


def test_the_api_token_endpoint_shares_the_failed_log_in_count(client: Client) -> None:
    user = UserFactory.create()
    _fail(client, user.username, times=LIMIT - 1)
    wrong = {"username": user.username, "password": "wrong-password"}
    assert client.post(TOKEN_URL, wrong, content_type="application/json", REMOTE_ADDR="10.0.0.1").status_code == 400

    right = {"username": user.username, "password": PASSWORD}
    response = client.post(TOKEN_URL, right, content_type="application/json", REMOTE_ADDR="10.0.0.1")

    assert response.status_code == 429
    assert response.json()["detail"].startswith(constants.LOGIN_RATE_LIMITED.format(minutes=10))
    assert response["Retry-After"] == "600"
    assert _log_in(client, user.username, PASSWORD).status_code == 429


def test_password_reset_requests_are_limited_per_address_without_revealing_the_account(client: Client) -> None:
    user = UserFactory.create()
    for email in (user.email, "nobody@example.com"):
        for _ in range(2):
            assert client.post(RESET_URL, {"email": email}, REMOTE_ADDR="10.0.0.1").status_code == 302

    known = client.post(RESET_URL, {"email": user.email}, REMOTE_ADDR="10.0.0.1")
    unknown = client.post(RESET_URL, {"email": "nobody@example.com"}, REMOTE_ADDR="10.0.0.1")

    assert known.status_code == unknown.status_code == 429
    assert _page(known) == _page(unknown)
    assert constants.PASSWORD_RESET_RATE_LIMITED.format(minutes=60) in known.content.decode()
    assert len(mail.outbox) == 2
