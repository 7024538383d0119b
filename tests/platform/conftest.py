"""The `browser` fixture: a headless Chromium with the waits and checks the page tests need."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser import headless_chromium, save_screenshot


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
        return save_screenshot(self.driver, name)


@pytest.fixture
def browser_arguments() -> list[str]:
    """Extra Chromium arguments; override in a test module (e.g. a fake microphone)."""
    return []


@pytest.fixture
def browser(browser_arguments: list[str]) -> Iterator[Browser]:
    with headless_chromium(browser_arguments) as driver:
        yield Browser(driver)
