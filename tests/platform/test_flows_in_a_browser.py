"""The rough edges a new user met, walked through in a real Chromium: where signing in and up
lands, deleting a recording (asks first), and the recorder when the microphone is refused."""
from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from accounts import constants
from accounts.services import api_token_create
from scenes.errors import MICROPHONE_MESSAGES
from scenes.models import Recording
from scenes.views import RECORDING_DELETED
from tests.factories import PASSWORD, UserFactory
from tests.platform.test_pages_in_a_browser import sign_in
from tests.recommendations.factories import RecordingFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LISTEN_HEADING = "What does it sound like here?"


def fill(browser, values: dict[str, str]) -> None:
    for name, value in values.items():
        field = browser.find_element("css selector", f"main input[name={name}]")
        field.clear()
        field.send_keys(value)


def submit(browser, form_action: str) -> None:
    browser.find_element("css selector", f"main form[action='{form_action}'] button[type=submit]").click()


def test_signing_in_lands_on_the_listen_page(live_server, browser) -> None:
    user = UserFactory.create()
    browser.get(f"{live_server.url}/account/login/")

    fill(browser, {"username": user.username, "password": PASSWORD})
    submit(browser, "/account/login/")

    assert browser.wait_for_css("h1").text == LISTEN_HEADING
    assert browser.current_url == f"{live_server.url}/scenes/"
    browser.save_screenshot_artifact("landing-after-sign-in.png")


def test_signing_up_lands_on_the_listen_page_with_a_welcome(live_server, browser) -> None:
    browser.get(f"{live_server.url}/account/signup/")

    fill(browser, {"username": "ada", "email": "ada@example.com", "password1": PASSWORD, "password2": PASSWORD})
    submit(browser, "/account/signup/")

    assert browser.wait_for_css("h1").text == LISTEN_HEADING
    assert browser.current_url == f"{live_server.url}/scenes/"
    assert constants.SIGNED_UP in browser.find_element("css selector", ".messages").text
    assert get_user_model().objects.filter(username="ada").exists()


def test_deleting_a_recording_asks_first_then_says_it_is_done(live_server, browser) -> None:
    user = UserFactory.create()
    kept = RecordingFactory.create(user=user, original_filename="keep-me.wav")
    doomed = RecordingFactory.create(user=user, original_filename="delete-me.wav")
    sign_in(browser, live_server, user)
    browser.get(f"{live_server.url}/scenes/history/")

    # One click on the list only asks.
    browser.find_element("css selector", f"a.delete-link[href='/scenes/{doomed.id}/delete/']").click()
    assert browser.wait_for_css("h1").text == "Delete this recording?"
    assert "delete-me.wav" in browser.find_element("css selector", "#delete-recording").text
    assert Recording.objects.filter(pk=doomed.pk).exists()
    browser.save_screenshot_artifact("delete-asks-first.png")

    # "Keep it" leaves it alone.
    browser.find_element("css selector", "#keep-recording").click()
    browser.wait_for_css("body")
    assert browser.current_url == f"{live_server.url}/scenes/{doomed.id}/"
    assert Recording.objects.filter(pk=doomed.pk).exists()

    # Confirmed, it is gone and the page says so.
    browser.get(f"{live_server.url}/scenes/{doomed.id}/delete/")
    browser.wait_for_css("#confirm-delete").click()
    message = browser.wait_for_css(".messages .message-success")
    assert message.text == RECORDING_DELETED
    assert browser.current_url == f"{live_server.url}/scenes/history/"
    table = browser.find_element("css selector", "#history").text
    assert "keep-me.wav" in table and "delete-me.wav" not in table
    assert list(Recording.objects.values_list("pk", flat=True)) == [kept.pk]


@pytest.fixture
def browser_arguments() -> list[str]:
    """A microphone exists (a fake one), but every permission prompt is answered "Block"."""
    return ["--use-fake-device-for-media-stream", "--deny-permission-prompts"]


def test_a_refused_microphone_is_explained_in_the_recorder_card(live_server, browser) -> None:
    user = UserFactory.create()
    sign_in(browser, live_server, user)
    browser.get(f"{live_server.url}/scenes/")

    browser.wait_for_css("#record-button").click()

    message = browser.wait_for_css("#recorder #recorder-message")
    assert message.text == MICROPHONE_MESSAGES["denied"]
    assert not browser.find_element("css selector", "#upload-status").is_displayed()
    browser.save_screenshot_artifact("microphone-denied.png")


def test_the_new_token_is_copied_whole_by_its_button(live_server, browser) -> None:
    user = UserFactory.create()
    sign_in(browser, live_server, user)
    browser.execute_cdp_cmd(
        "Browser.grantPermissions",
        {"origin": live_server.url, "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]},
    )
    browser.get(f"{live_server.url}/account/")

    fill(browser, {"name": "My phone"})
    submit(browser, "/account/tokens/")
    key = browser.wait_for_css("#api-token-key").text
    browser.wait_for_css(".copy-button").click()

    assert browser.wait_for_css(".copy-status").text == "Copied."
    copied = browser.execute_async_script("navigator.clipboard.readText().then(arguments[0], () => arguments[0](null));")
    assert copied == key and key.startswith("ssk_") and len(key) == 47
    assert user.api_tokens.get().prefix == key[:12]
    assert browser.console_errors() == []


def test_the_token_table_and_the_recordings_list_fit_a_phone(live_server, browser) -> None:
    user = UserFactory.create()
    api_token_create(user=user, name="My phone, the one with the cracked screen")
    recording = RecordingFactory.create(user=user, original_filename="a-long-file-name-from-a-phone-2026-12-03-0905.m4a")
    sign_in(browser, live_server, user)
    # A phone's 390 x 844 viewport; with "mobile", a page too wide widens the layout viewport.
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": 390, "height": 844, "deviceScaleFactor": 3, "mobile": True}
    )

    widths = {}
    for path in ("/account/", "/scenes/history/", f"/scenes/{recording.id}/delete/"):
        browser.get(live_server.url + path)
        browser.wait_for_css("main")
        widths[path] = browser.execute_script("return document.documentElement.scrollWidth")
        browser.save_screenshot_artifact(f"phone{path.rstrip('/').replace('/', '-')[:40]}.png")

    assert widths == dict.fromkeys(widths, 390)
    link = browser.find_element("css selector", "#confirm-delete")
    assert link.size["height"] >= 44


def test_a_refused_microphone_is_explained_in_the_live_card_and_no_session_opens(live_server, browser) -> None:
    from scenes.models import ListeningSession

    user = UserFactory.create()
    sign_in(browser, live_server, user)
    browser.get(f"{live_server.url}/scenes/")

    browser.wait_for_css("#live-consent").click()
    browser.find_element("css selector", "#live-start").click()

    message = browser.wait_for_css("#live #live-message")
    assert message.text == MICROPHONE_MESSAGES["denied"]
    assert not browser.find_element("css selector", "#live-indicator").is_displayed()
    assert not ListeningSession.objects.exists()
