"""A headless Chromium (Debian's package) driven by Selenium, shared by the page tests."""
from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS_DIR = Path(settings.BASE_DIR) / "test-artifacts"
BASE_ARGUMENTS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    # Background services would try to reach Google and fail on this offline machine.
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
)


@contextmanager
def headless_chromium(extra_arguments: list[str], window_size: str = "1280,900") -> Iterator:
    """A Selenium driver of a fresh Chromium profile, keeping the console log; skips the test
    when Chromium is not installed."""
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip("Debian's chromium and chromium-driver are not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    profile_dir = tempfile.mkdtemp(prefix="soundscapify-chromium-")
    options = Options()
    options.binary_location = str(CHROMIUM)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    for argument in [*BASE_ARGUMENTS, f"--window-size={window_size}", f"--user-data-dir={profile_dir}",
                     *extra_arguments]:
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile_dir, ignore_errors=True)


def save_screenshot(driver, name: str) -> Path:
    """Keep what the page looked like under test-artifacts/, for a human to check."""
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    path = ARTIFACTS_DIR / name
    driver.save_screenshot(str(path))
    return path
