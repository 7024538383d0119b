"""Every page, in a real Chromium, under the real Content-Security-Policy: nothing is blocked.

A page that breaks the policy (an inline script or style block, a resource from elsewhere)
shows a SEVERE console message in Chromium; so does a missing resource (404) or a script error.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from recommendations.models import Recommendation, SceneCriteria
from recommendations.tasks import recommend_for_recording
from tests.factories import UserFactory
from tests.recommendations.factories import RecordingFactory, TrackFactory, seed_scene_table
from tests.scenes.helpers import ambience, encode

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ANONYMOUS_PAGES = [
    "/", "/account/login/", "/account/signup/", "/account/password/reset/", "/api/docs/", "/admin/login/",
]
SIGNED_IN_PAGES = [
    "/", "/account/", "/account/password/", "/account/delete/", "/scenes/", "/scenes/history/",
    "/scenes/{recording}/", "/scenes/{recording}/delete/", "/recommendations/", "/recommendations/{recommendation}/",
    "/recommendations/recording/{recording}/",
]
ADMIN_PAGES = [
    "/admin/", "/admin/recommendations/scenecriteria/", "/admin/recommendations/scenecriteria/{scene}/change/",
    "/admin/recommendations/track/", "/admin/scenes/recording/",
]


@pytest.fixture
def staff_user():
    return UserFactory.create(is_staff=True, is_superuser=True)


@pytest.fixture
def objects(staff_user) -> dict[str, object]:
    seed_scene_table()
    for valence in range(1, 20):
        for energy in range(1, 20):
            TrackFactory.create(valence=valence / 20, energy=energy / 20)
    recording = RecordingFactory.create(user=staff_user)
    audio = Path(recording.file.path)  # the result page plays it back
    audio.parent.mkdir(parents=True, exist_ok=True)
    audio.write_bytes(encode(ambience(2.0), fmt="wav"))
    recommendation = Recommendation.objects.get(pk=recommend_for_recording(str(recording.pk)))
    scene = SceneCriteria.objects.first()
    assert scene is not None
    return {"recording": recording.pk, "recommendation": recommendation.pk, "scene": scene.pk}


def sign_in(browser, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    browser.get(f"{live_server.url}/static/css/site.css")  # a page of the site, to set its cookie
    browser.add_cookie({"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "path": "/"})


def problems_on(browser, live_server, path: str) -> list[str]:
    browser.get_log("browser")  # drop what earlier pages logged
    browser.get(live_server.url + path)
    browser.wait_for_css("body")
    assert "Server Error" not in browser.title and "Not Found" not in browser.title, (path, browser.title)
    return browser.console_errors()


def test_the_public_pages_break_no_policy(live_server, browser) -> None:
    problems = {path: problems_on(browser, live_server, path) for path in ANONYMOUS_PAGES}

    assert {path: found for path, found in problems.items() if found} == {}


def test_the_signed_in_and_admin_pages_break_no_policy(live_server, browser, staff_user, objects) -> None:
    sign_in(browser, live_server, staff_user)
    paths = [page.format(**objects) for page in SIGNED_IN_PAGES + ADMIN_PAGES]

    problems = {path: problems_on(browser, live_server, path) for path in paths}

    assert {path: found for path, found in problems.items() if found} == {}


def test_the_pages_scripts_run_under_the_policy(live_server, browser, staff_user, objects) -> None:
    """Our own scripts are allowed: the time-zone script fills the hidden field it is for."""
    sign_in(browser, live_server, staff_user)
    browser.get(f"{live_server.url}/recommendations/{objects['recommendation']}/")
    browser.wait_for_css("body")

    zone = browser.execute_script("return Intl.DateTimeFormat().resolvedOptions().timeZone")
    field = browser.find_element("css selector", "input[name=tz]")
    assert zone and field.get_attribute("value") == zone
