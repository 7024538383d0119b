"""A headless Chromium (Debian's package) driven by Selenium, for page tests."""
from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS_DIR = Path(settings.BASE_DIR) / "test-artifacts"


class Browser:
    """A thin wrapper over a Selenium driver with the waits our tests need."""

    def __init__(self, driver) -> None:
        self.driver = driver

    def __getattr__(self, name: str):
        return getattr(self.driver, name)

    def wait_for_css(self, selector: str, timeout: float = 20):
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions
        from selenium.webdriver.support.ui import WebDriverWait

        return WebDriverWait(self.driver, timeout).until(
            expected_conditions.visibility_of_element_located((By.CSS_SELECTOR, selector))
        )

    def console_errors(self) -> list[str]:
        """Severe console messages so far, Content-Security-Policy violations included."""
        return [entry["message"] for entry in self.driver.get_log("browser") if entry["level"] == "SEVERE"]

    def save_screenshot_artifact(self, name: str) -> Path:
        ARTIFACTS_DIR.mkdir(exist_ok=True)
        path = ARTIFACTS_DIR / name
        self.driver.save_screenshot(str(path))
        return path


def chromium_options(extra_arguments: list[str], profile_dir: str):
    from selenium.webdriver.chrome.options import Options

    options = Options()
    options.binary_location = str(CHROMIUM)
    # Background services would try to reach Google and fail on this offline machine.
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    for argument in [
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--window-size=1280,900", f"--user-data-dir={profile_dir}",
        *extra_arguments,
    ]:
        options.add_argument(argument)
    return options


@pytest.fixture
def browser_arguments() -> list[str]:
    """Extra Chromium arguments; override in a test module (e.g. a fake microphone)."""
    return []


@pytest.fixture
def browser(browser_arguments: list[str]) -> Iterator[Browser]:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip("Debian's chromium and chromium-driver are not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile_dir = tempfile.mkdtemp(prefix="soundscapify-chromium-")
    driver = webdriver.Chrome(
        service=Service(str(CHROMEDRIVER)), options=chromium_options(browser_arguments, profile_dir)
    )
    try:
        yield Browser(driver)
    finally:
        driver.quit()
        shutil.rmtree(profile_dir, ignore_errors=True)
