"""Live mode in headless Chromium: the fake microphone hears a street, then rain; a real worker
classifies each snippet with the real model, the held scene changes once, and songs for the rain
come after it. Skips without Chromium, the scene model or ../shared/data/ambience.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf

from ml.decoding import decode_audio
from recommendations.models import Recommendation
from scenes.models import ListeningSession, LiveSnippet
from tests.browser import headless_chromium, save_screenshot
from tests.recommendations.factories import TrackFactory, seed_scene_table
from tests.scenes.helpers import SHARED_DIR, needs_model
from tests.scenes.test_recording_browser import script_errors, sign_in, wait

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]
AMBIENCE = SHARED_DIR / "data" / "ambience" / "audio"
STREET_S, RAIN_S = 16, 70  # the rain lasts past the test: the fake microphone loops the file


@pytest.fixture
def street_then_rain(tmp_path: Path) -> Path:
    """Real recordings (Blanket's city, then its rain) joined into the 16-bit WAV Chromium plays."""
    street, rain = AMBIENCE / "blanket_city.opus", AMBIENCE / "blanket_rain.opus"
    if not (street.is_file() and rain.is_file()):
        pytest.skip(f"ambience recordings not found under {AMBIENCE}")
    rate = 48000
    parts = [decode_audio(path, target_sr=rate).samples for path in (street, rain)]
    rain_part = np.tile(parts[1], int(np.ceil(RAIN_S * rate / parts[1].size)))[: RAIN_S * rate]
    path = tmp_path / "street-then-rain.wav"
    sf.write(path, np.concatenate([parts[0][: STREET_S * rate], rain_part]), rate, subtype="PCM_16")
    return path


@pytest.fixture
def chromium(street_then_rain: Path) -> Iterator[Any]:
    fake_microphone = [
        "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-audio-capture={street_then_rain}", "--autoplay-policy=no-user-gesture-required",
    ]
    with headless_chromium(fake_microphone, window_size="1100,1600") as driver:
        yield driver


@needs_model
def test_a_live_session_follows_the_street_into_the_rain_with_songs_for_it(
    live_server: Any, celery_worker: Any, chromium: Any, client: Any, user: Any, settings: Any, media_root: Path
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    # The page and the API run here (the worker keeps its defaults: two snippets must agree).
    settings.SCENES_LIVE_MIN_INTERVAL_S, settings.SCENES_LIVE_INTERVAL_S = 3, 4
    seed_scene_table()  # an earlier transactional test may have emptied the criteria table
    for v in range(1, 10):
        for e in range(1, 10):
            TrackFactory.create(valence=v / 10, energy=e / 10)
    driver = chromium
    celery_worker.wait_model_warm()
    sign_in(driver, live_server, client, user)
    driver.get(f"{live_server.url}/scenes/")
    wait(driver, ec.visibility_of_element_located((By.ID, "live")))

    driver.find_element(By.ID, "live-start").click()  # without consent: refused, nothing opened
    assert "agree" in wait(driver, ec.visibility_of_element_located((By.ID, "live-message"))).text
    assert not ListeningSession.objects.exists()
    driver.find_element(By.ID, "live-consent").click()
    driver.find_element(By.ID, "live-start").click()
    indicator = wait(driver, ec.visibility_of_element_located((By.ID, "live-indicator")), 20)
    assert indicator.text.startswith("Listening: a 2-second snippet every 4 seconds")

    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, '#live-songs .live-songs-heading[data-scene="street"]'), 90)
    try:
        wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, '#live-songs .live-songs-heading[data-scene="rain"]'), 120)
    finally:
        save_screenshot(driver, "scenes-live-mode.png")
    assert driver.find_element(By.ID, "live-scene").text == "Rain"
    headings = [h.get_attribute("data-scene") for h in driver.find_elements(By.CSS_SELECTOR, ".live-songs-heading")]
    assert headings == ["street", "rain"]  # the street's songs stay queued; the rain's come after
    rain_songs = driver.find_elements(By.CSS_SELECTOR, '.live-songs-heading[data-scene="rain"] ~ .track .play-button')
    assert rain_songs

    driver.find_element(By.ID, "live-stop").click()
    wait(driver, ec.invisibility_of_element_located((By.ID, "live-indicator")), 20)
    session = ListeningSession.objects.get(user=user)
    assert session.status == "stopped" and session.scene == "rain" and session.scene_changes == 1
    held = [s.held_scene for s in session.snippets.filter(status="done")]
    assert held[0] == "street" and held[-1] == "rain"
    assert [scene for i, scene in enumerate(held) if i == 0 or scene != held[i - 1]] == ["street", "rain"]
    assert Recommendation.objects.filter(user=user, top_scene="rain").exists()
    # Every snippet's audio is gone once classified (wait for the ones still in flight).
    wait(driver, lambda d: not LiveSnippet.objects.filter(status="queued").exists(), 60)
    assert [p for p in media_root.rglob("*") if p.is_file()] == []
    assert script_errors(driver) == []
