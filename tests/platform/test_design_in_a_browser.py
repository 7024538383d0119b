"""The look, in a real Chromium: songs play in the page through Spotify's embed player, the
main pages fit a phone (390x844) without sideways scrolling and with touch targets of at
least 44 px, and screenshots of them at desktop and phone size are kept under
var/screenshots/ for a person to look at.

This machine is offline: the embed player's frame cannot load Spotify's page, so the tests
check the frame's address and that the Content-Security-Policy let it be made.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from recommendations.models import Recommendation
from recommendations.tasks import recommend_for_recording
from tests.factories import UserFactory
from tests.platform.test_pages_in_a_browser import sign_in
from tests.recommendations.factories import RecordingFactory, TrackFactory, seed_scene_table
from tests.scenes.helpers import ambience, encode

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True}
DESKTOP = {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False}
TOUCH_MIN = 44
# Controls a finger presses. Links inside running text are exempt (WCAG 2.5.8's inline
# exception); a link alone in its paragraph, in a table or in the frame is not.
CONTROLS = (
    "button, .button, select, textarea, input:not([type=hidden]):not([type=checkbox]):not([type=radio]),"
    " .site-nav a, .site-footer a, .brand, .icon-button, p > a:only-child, td a"
)
EMBED = "https://open.spotify.com/embed/track/"


@pytest.fixture
def user():
    return UserFactory.create()


@pytest.fixture
def pages(user) -> dict[str, str]:
    """Paths of the landing, listen, result and songs pages, with a classified recording."""
    seed_scene_table()
    for valence in range(1, 20):
        for energy in range(1, 20):
            TrackFactory.create(valence=valence / 20, energy=energy / 20, acousticness=(valence * energy % 10) / 10)
    recording = RecordingFactory.create(user=user, scenes={"rain": 0.62, "nature": 0.3, "street": 0.08})
    audio = Path(recording.file.path)  # the result page plays it back
    audio.parent.mkdir(parents=True, exist_ok=True)
    audio.write_bytes(encode(ambience(2.0), fmt="wav"))
    recommendation = Recommendation.objects.get(pk=recommend_for_recording(str(recording.pk)))
    return {
        "landing": "/", "listen": "/scenes/", "result": f"/scenes/{recording.pk}/",
        "songs": f"/recommendations/{recommendation.pk}/",
    }


def policy_violations(browser) -> list[str]:
    return [m for m in browser.console_errors() if "Content Security Policy" in m or "Refused" in m]


def test_the_play_button_makes_spotifys_embed_player_for_that_song_only(live_server, browser, user, pages) -> None:
    from selenium.webdriver.common.by import By

    sign_in(browser, live_server, user)
    browser.get(live_server.url + pages["songs"])
    browser.wait_for_css(".play-button")
    browser.get_log("browser")
    buttons = browser.find_elements(By.CSS_SELECTOR, ".play-button")
    recommendation = Recommendation.objects.get(pk=int(pages["songs"].strip("/").split("/")[-1]))
    ids = [item.track.spotify_id for item in recommendation.items.select_related("track").order_by("rank")]
    assert len(buttons) == len(ids) == 20
    assert browser.find_elements(By.TAG_NAME, "iframe") == []  # nothing loads before it is asked for

    buttons[0].click()
    frames = browser.find_elements(By.CSS_SELECTOR, ".track iframe")
    assert [f.get_attribute("src") for f in frames] == [EMBED + ids[0]]
    assert buttons[0].get_attribute("aria-expanded") == "true" and buttons[0].text.startswith("Close")

    buttons[2].click()  # a second song stops the first: one player at a time
    frames = browser.find_elements(By.CSS_SELECTOR, ".track iframe")
    assert [f.get_attribute("src") for f in frames] == [EMBED + ids[2]]
    assert buttons[0].get_attribute("aria-expanded") == "false"

    buttons[2].click()
    assert browser.find_elements(By.CSS_SELECTOR, ".track iframe") == []
    assert policy_violations(browser) == []


def fit_problems(browser) -> dict[str, Any]:
    """Sideways overflow and visible controls smaller than TOUCH_MIN on the current page."""
    return browser.execute_script(
        """
        const min = arguments[0], selector = arguments[1];
        const page = document.documentElement;
        const small = [];
        for (const el of document.querySelectorAll(selector)) {
          const box = el.getBoundingClientRect();
          if (!box.width || !box.height || getComputedStyle(el).visibility === 'hidden') continue;
          if (box.width < min - 0.5 || box.height < min - 0.5) {
            small.push(`${el.tagName.toLowerCase()}.${el.className || ''} "${(el.textContent || el.value || '').trim().slice(0, 30)}" ${Math.round(box.width)}x${Math.round(box.height)}`);
          }
        }
        const wide = [...document.querySelectorAll('body *')].filter(el => el.getBoundingClientRect().right > page.clientWidth + 0.5 && !el.closest('table, iframe'))
          .slice(0, 5).map(el => el.tagName.toLowerCase() + '.' + el.className);
        return {overflow: page.scrollWidth - page.clientWidth, small: small, wide: wide};
        """,
        TOUCH_MIN, CONTROLS,
    )


def show_as(browser, metrics: dict[str, int]) -> None:
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)


def screenshot(browser, name: str, metrics: dict[str, int]) -> Path:
    """The whole page, not only the first screen: the viewport is stretched to the page's height."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    height = browser.execute_script("return Math.ceil(document.documentElement.scrollHeight)")
    show_as(browser, {**metrics, "height": max(int(metrics["height"]), min(height, 6000))})
    path = SCREENSHOTS / f"{name}.png"
    browser.save_screenshot(str(path))
    show_as(browser, metrics)
    return path


def visit(browser, live_server, path: str) -> None:
    browser.get(live_server.url + path)
    browser.wait_for_css("main")


def test_the_main_pages_fit_a_phone_with_touch_sized_controls(live_server, browser, user, pages) -> None:
    show_as(browser, PHONE)
    problems = {}
    for name in ("landing", "listen", "result", "songs"):
        if name == "listen":
            sign_in(browser, live_server, user)
        elif name == "landing":
            browser.delete_all_cookies()
        visit(browser, live_server, pages[name])
        found = fit_problems(browser)
        if found["overflow"] > 0 or found["small"]:
            problems[name] = found

    assert problems == {}


def test_screenshots_of_the_main_pages_at_desktop_and_phone_size(live_server, browser, user, pages) -> None:
    saved = []
    for size, metrics in (("desktop", DESKTOP), ("phone", PHONE)):
        show_as(browser, metrics)
        browser.delete_all_cookies()
        visit(browser, live_server, pages["landing"])
        saved.append(screenshot(browser, f"landing-{size}", metrics))
        sign_in(browser, live_server, user)
        for name in ("listen", "result", "songs"):
            visit(browser, live_server, pages[name])
            saved.append(screenshot(browser, f"{name}-{size}", metrics))

    assert [p.name for p in saved if p.stat().st_size > 10_000] == [
        f"{name}-{size}.png" for size in ("desktop", "phone") for name in ("landing", "listen", "result", "songs")
    ]
