"""The recording flow in headless Chromium, its fake microphone fed a real clip, through to the result.

Chromium: Debian's `chromium` and `chromium-driver`; the test skips without them. The
screenshot of the result page is kept under test-artifacts/.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from django.conf import settings

from ml.decoding import decode_audio
from scenes.models import RECORDED_IN_THE_BROWSER, Recording
from tests.browser import headless_chromium, save_screenshot
from tests.scenes.helpers import ambience, needs_model

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def microphone_wav(tmp_path: Path, esc50_clip: Path) -> Path:
    """What the fake microphone hears: a real ESC-50 clip as 16-bit WAV (Chromium reads WAV only)."""
    audio = decode_audio(esc50_clip, target_sr=48000)
    path = tmp_path / "microphone.wav"
    sf.write(path, audio.samples, 48000, subtype="PCM_16")
    return path


@pytest.fixture
def chromium(microphone_wav: Path) -> Iterator:
    """Chromium with a fake microphone that plays `microphone_wav`, and permission granted."""
    fake_microphone = [
        "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-audio-capture={microphone_wav}", "--autoplay-policy=no-user-gesture-required",
    ]
    with headless_chromium(fake_microphone, window_size="1100,1400") as driver:
        yield driver


def sign_in(driver, live_server, client, user) -> None:
    """Hand the browser a session of `user`, made by Django's test client."""
    client.force_login(user)
    driver.get(f"{live_server.url}/static/css/site.css")  # any page of the site, to set its cookie
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    driver.add_cookie({"name": settings.SESSION_COOKIE_NAME, "value": session, "path": "/"})


def wait(driver, condition, timeout: float = 60):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.2).until(condition)


def script_errors(driver) -> list[str]:
    """Severe console messages (CSP violations, uncaught errors) other than HTTP statuses,
    which the tests check themselves (a 400 for a bad file; /favicon.ico is not ours)."""
    return [
        entry["message"] for entry in driver.get_log("browser")
        if entry["level"] == "SEVERE" and "Failed to load resource" not in entry["message"]
    ]


@needs_model
def test_recording_in_the_browser_ends_on_the_result_page(live_server, celery_worker, chromium, client, user) -> None:
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select

    driver = chromium
    celery_worker.wait_model_warm()
    sign_in(driver, live_server, client, user)
    driver.get(f"{live_server.url}/scenes/")
    wait(driver, ec.visibility_of_element_located((By.ID, "recorder")))
    Select(driver.find_element(By.ID, "record-seconds")).select_by_value("5")

    driver.find_element(By.ID, "record-button").click()
    wait(driver, ec.visibility_of_element_located((By.ID, "stop-button")), 10)
    wait(driver, lambda d: float(d.find_element(By.ID, "level-meter").get_attribute("value")) > 0.05, 10)
    assert re.fullmatch(r"[1-5] s", driver.find_element(By.ID, "countdown").text)  # the countdown runs
    save_screenshot(driver, "scenes-recording-in-progress.png")

    try:
        # Generous: on a loaded 2-core machine Chromium encodes and uploads slowly.
        wait(driver, ec.url_matches(rf"/scenes/{UUID}/$"), 90)
    except TimeoutException:
        save_screenshot(driver, "scenes-recording-no-result-page.png")
        page = driver.find_element(By.TAG_NAME, "main").text
        raise AssertionError(f"no result page; the page says {page!r}; console {driver.get_log('browser')}") from None
    result = wait(driver, ec.visibility_of_element_located((By.ID, "result")), 120)

    save_screenshot(driver, "scenes-recording-result.png")
    recording = Recording.objects.get(user=user)
    assert recording.status == Recording.Status.DONE
    # 5 s chosen. Chromium's fake microphone delivers fewer samples when the machine is busy
    # (3.0 s seen on a loaded 2-core CI machine), so only the upper bound is strict.
    assert recording.result is not None
    assert recording.format == "matroska,webm" and 1.5 <= recording.duration_s <= 6.5
    assert recording.display_name == RECORDED_IN_THE_BROWSER  # how the recordings list names it
    assert result.get_attribute("data-top-scene") == recording.result.top_scene
    browser_zone = driver.execute_script("return Intl.DateTimeFormat().resolvedOptions().timeZone")
    assert browser_zone and recording.time_zone == browser_zone  # the songs follow the user's local time
    # The microphone heard an ESC-50 rain clip: the audio really went from Chromium to the model.
    assert recording.result.top_scene == "rain"
    assert driver.find_elements(By.CSS_SELECTOR, "#scene-bars .bar")
    heard = [item.text for item in driver.find_elements(By.CSS_SELECTOR, "#heard li")]
    assert heard and heard[0].startswith(recording.result.heard[0]["name"])  # AudioSet classes, not event labels
    assert driver.find_element(By.ID, "player").get_attribute("src").endswith(f"/scenes/{recording.id}/audio/")
    assert script_errors(driver) == []  # no CSP violation, no script error


def test_choosing_a_bad_file_shows_its_message_on_the_page(
    live_server, chromium, client, user, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    driver = chromium
    not_audio = tmp_path / "notes.wav"
    not_audio.write_text("These are my notes, not a recording.\n" * 20)
    sign_in(driver, live_server, client, user)
    driver.get(f"{live_server.url}/scenes/")

    driver.find_element(By.CSS_SELECTOR, "#upload-form input[type=file]").send_keys(str(not_audio))
    driver.find_element(By.CSS_SELECTOR, "#upload-form button[type=submit]").click()
    message = wait(driver, ec.visibility_of_element_located((By.CSS_SELECTOR, "#upload-message.error-message")), 20)

    save_screenshot(driver, "scenes-upload-refused.png")
    assert message.text.startswith("We could not read this recording.")
    assert driver.find_element(By.ID, "upload-progress").get_attribute("value") == "0"  # emptied, not left half-full
    assert driver.current_url.endswith("/scenes/")  # stayed on the page: nothing was created
    assert not Recording.objects.exists()
    assert script_errors(driver) == []


def test_a_chosen_file_goes_to_its_result_page(live_server, chromium, client, user, tmp_path: Path) -> None:
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    driver = chromium
    clip = tmp_path / "balcony.wav"
    sf.write(clip, ambience(4.0), 16000, subtype="PCM_16")
    sign_in(driver, live_server, client, user)
    driver.get(f"{live_server.url}/scenes/")

    driver.find_element(By.CSS_SELECTOR, "#upload-form input[type=file]").send_keys(str(clip))
    driver.find_element(By.CSS_SELECTOR, "#upload-form button[type=submit]").click()
    try:
        # Generous: on a loaded 2-core machine Chromium encodes and uploads slowly.
        wait(driver, ec.url_matches(rf"/scenes/{UUID}/$"), 90)
    except TimeoutException:
        save_screenshot(driver, "scenes-recording-no-result-page.png")
        page = driver.find_element(By.TAG_NAME, "main").text
        raise AssertionError(f"no result page; the page says {page!r}; console {driver.get_log('browser')}") from None

    recording = Recording.objects.get(user=user)
    assert recording.original_filename == "balcony.wav"
    status = driver.find_element(By.ID, "recording-status").get_attribute("data-status")
    assert status in {"queued", "processing", "done", "failed"}
    assert np.isclose(recording.duration_s, 4.0, atol=0.01)
