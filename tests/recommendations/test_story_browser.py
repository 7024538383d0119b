"""One story from sound to songs, in a real Chromium: correcting the scene re-picks the songs,
"Save to Spotify" stays hidden on a server without Spotify, the timeline chart draws in the
scene colours. Screenshots go to test-artifacts/.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from recommendations.models import Recommendation
from recommendations.tasks import recommend_for_recording
from scenes.models import SceneResult
from tests.browser import headless_chromium, save_screenshot
from tests.recommendations.factories import RecordingFactory, TrackFactory, seed_scene_table
from tests.scenes.helpers import ambience, encode

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def driver() -> Iterator[Any]:
    with headless_chromium([], window_size="1280,1000") as chromium:
        yield chromium


@pytest.fixture
def songs(user) -> Recommendation:
    """Rain heard, then a little street: the recording, its timeline, and songs for it."""
    seed_scene_table()
    for valence in range(1, 20):
        for energy in range(1, 20):
            TrackFactory.create(valence=valence / 20, energy=energy / 20)
    recording = RecordingFactory.create(user=user, scenes={"rain": 0.8, "street": 0.2})
    timeline = [
        {"start_s": i * 2.5, "end_s": i * 2.5 + 5, "top_scene": top, "scenes": {"rain": p, "street": 1 - p}}
        for i, (top, p) in enumerate([("rain", 0.9), ("rain", 0.85), ("rain", 0.8), ("street", 0.4)])
    ]
    SceneResult.objects.filter(recording=recording).update(timeline=timeline)
    audio = Path(recording.file.path)  # the result page plays it back
    audio.parent.mkdir(parents=True, exist_ok=True)
    audio.write_bytes(encode(ambience(2.0), fmt="wav"))
    return Recommendation.objects.get(pk=recommend_for_recording(str(recording.pk)))


def sign_in(driver, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    driver.get(f"{live_server.url}/static/css/site.css")  # a page of the site, to set its cookie
    driver.add_cookie({"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "path": "/"})


def wait(driver, condition, timeout: float = 20):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.2).until(condition)


def severe_console_messages(driver) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def song_names(driver) -> list[str]:
    from selenium.webdriver.common.by import By

    return [element.text for element in driver.find_elements(By.CSS_SELECTOR, ".tracks .track-title")]


def heading(driver: Any) -> str:
    """The page's h1 as read aloud: the scene chip is its own box, so Chromium breaks the line."""
    from selenium.webdriver.common.by import By

    return " ".join(driver.find_element(By.TAG_NAME, "h1").text.split())


def test_correcting_the_scene_shows_songs_for_the_corrected_scene(driver, live_server, user, songs) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    sign_in(driver, live_server, user)
    driver.get(f"{live_server.url}/recommendations/{songs.pk}/")
    assert heading(driver) == "Songs for Rain"
    before = song_names(driver)

    Select(driver.find_element(By.ID, "id_scene")).select_by_visible_text("Nature")
    driver.find_element(By.CSS_SELECTOR, "form.correction button[type=submit]").click()
    wait(driver, lambda d: heading(d) == "Songs for Nature")

    corrected = Recommendation.objects.exclude(pk=songs.pk).get()
    assert driver.current_url == f"{live_server.url}/recommendations/{corrected.pk}/"
    after = song_names(driver)
    assert len(after) == 20 and not set(after) & set(before)
    assert driver.find_element(By.ID, "corrected-scene").text == "You told us: Nature."
    save_screenshot(driver, "songs-after-correction.png")

    # The result page tells the same story, and its songs are the corrected ones.
    driver.get(f"{live_server.url}/scenes/{songs.recording_id}/")
    assert "You told us it is Nature" in driver.find_element(By.ID, "corrected-scene").text
    driver.find_element(By.ID, "songs-link").click()
    wait(driver, lambda d: heading(d) == "Songs for Nature")
    assert song_names(driver) == after
    assert severe_console_messages(driver) == []


def test_save_to_spotify_is_hidden_on_a_server_without_spotify(driver, live_server, user, songs, settings) -> None:
    from selenium.webdriver.common.by import By

    settings.SPOTIFY_ENABLED = False
    sign_in(driver, live_server, user)
    driver.get(f"{live_server.url}/recommendations/{songs.pk}/")

    page = driver.find_element(By.TAG_NAME, "body").text
    assert heading(driver) == "Songs for Rain" and song_names(driver)
    assert "Save to Spotify" not in page and "Connect Spotify" not in page
    assert driver.find_elements(By.ID, "spotify-save") == []
    save_screenshot(driver, "songs-without-spotify.png")


def test_a_user_without_spotify_sees_connect_spotify_instead_of_save(driver, live_server, user, songs) -> None:
    from selenium.webdriver.common.by import By

    sign_in(driver, live_server, user)
    driver.get(f"{live_server.url}/recommendations/{songs.pk}/")

    button = driver.find_element(By.CSS_SELECTOR, "#connect-spotify button")
    assert button.is_displayed() and button.text == "Connect Spotify"
    assert driver.find_element(By.CSS_SELECTOR, "#connect-spotify input[name=next]").get_attribute("value") == f"/recommendations/{songs.pk}/"
    assert "Save to Spotify" not in driver.find_element(By.TAG_NAME, "body").text


@pytest.mark.parametrize("window_size", ["1280,1000", "390,844"], ids=["desktop", "phone"])
def test_the_result_page_draws_the_timeline_in_the_scene_colours(live_server, user, songs, window_size: str) -> None:
    from selenium.webdriver.common.by import By

    with headless_chromium([], window_size=window_size) as driver:
        if window_size == "390,844":  # headless Chromium's windows are at least 500 px wide: emulate the phone
            driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True})
        sign_in(driver, live_server, user)
        driver.get(f"{live_server.url}/scenes/{songs.recording_id}/")

        assert driver.find_element(By.ID, "headline").text == "Mostly rain, then street"
        chart = driver.find_element(By.CSS_SELECTOR, "#timeline svg")
        assert chart.size["width"] > 300 and chart.size["height"] > 100
        assert driver.execute_script("return window.innerWidth") == int(window_size.split(",")[0])
        fills = driver.execute_script(
            "const root = getComputedStyle(document.documentElement);"
            "return [...document.querySelectorAll('#timeline .timeline-strip rect')].map(r => ["
            "  getComputedStyle(r).fill, root.getPropertyValue('--scene-' + r.dataset.scene).trim()]);"
        )
        assert len(fills) == 2
        for fill, colour in fills:  # rgb(60, 110, 159) for #3c6e9f
            assert fill == "rgb({}, {}, {})".format(*(int(colour[i : i + 2], 16) for i in (1, 3, 5)))
        overflow = driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0
        assert severe_console_messages(driver) == []
        save_screenshot(driver, f"result-timeline-{window_size.replace(',', 'x')}.png")
