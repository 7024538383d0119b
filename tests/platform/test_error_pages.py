"""The product's own 404 and 500 pages, with DEBUG off and on (scripts/start.sh runs with it on):
never Django's technical pages, which show settings and code to whoever asks."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client

from soundscapify.api_errors import NOT_FOUND_MESSAGE, SERVER_ERROR_MESSAGE
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.platform.error_urls")]

NOT_FOUND_HEADING = "We could not find that page"
SERVER_ERROR_HEADING = "Something went wrong on our side"
TECHNICAL_PAGE = "DEBUG = True"  # both of Django's technical pages say why they are shown


@pytest.fixture(params=[False, True], ids=["debug-off", "debug-on"])
def debug(request: pytest.FixtureRequest, settings) -> bool:
    settings.DEBUG = request.param
    return request.param


@pytest.mark.parametrize("path", ["/no-such-page/", "/probe/missing/", "/scenes/not-a-uuid/"])
def test_a_page_that_is_not_there_is_our_404(client: Client, debug: bool, path: str) -> None:
    response = client.get(path)

    html = response.content.decode()
    assert response.status_code == 404
    assert NOT_FOUND_HEADING in html and 'class="site-header"' in html
    assert TECHNICAL_PAGE not in html


def test_a_bug_in_a_page_is_our_500(debug: bool, caplog: pytest.LogCaptureFixture) -> None:
    response = Client(raise_request_exception=False).get("/probe/broken/")

    html = response.content.decode()
    assert response.status_code == 500
    assert SERVER_ERROR_HEADING in html and TECHNICAL_PAGE not in html
    # The traceback is not lost: it goes to the log, as without DEBUG.
    assert any(record.exc_info and "a bug" in str(record.exc_info[1]) for record in caplog.records)


def test_the_api_keeps_its_json_errors(debug: bool) -> None:
    client = Client(raise_request_exception=False)

    missing = client.get("/api/v1/no-such-thing/")
    broken = client.get("/api/v1/probe/broken/")

    assert (missing.status_code, missing.json()) == (404, {"code": "not_found", "detail": NOT_FOUND_MESSAGE})
    assert (broken.status_code, broken.json()) == (500, {"code": "server_error", "detail": SERVER_ERROR_MESSAGE})


def test_a_missing_slash_still_redirects(client: Client, debug: bool) -> None:
    response = client.get("/scenes/history")

    assert response.status_code == 301 and response["Location"] == "/scenes/history/"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str, deadline: float) -> tuple[int, str]:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_the_server_that_start_sh_runs_answers_our_404(tmp_path: Path) -> None:
    """As scripts/start.sh starts it: base settings, DEBUG left at its default (on), runserver."""
    port = _free_port()
    env = {
        **os.environ, "DJANGO_SETTINGS_MODULE": "soundscapify.settings.base",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "MEDIA_ROOT": str(tmp_path / "media"),
    }
    env.pop("DEBUG", None)
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"],
        cwd=django_settings.BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        status, html = _get(f"http://127.0.0.1:{port}/no-such-page/", deadline=time.monotonic() + 60)
    finally:
        server.terminate()
        server.wait(timeout=10)

    assert status == 404
    assert NOT_FOUND_HEADING in html and TECHNICAL_PAGE not in html


def test_an_expired_form_is_explained_not_django_s_csrf_page(debug: bool) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory.create())

    response = client.post("/account/logout/")  # no CSRF token: a page left open too long

    html = response.content.decode()
    assert response.status_code == 403
    assert "This form had expired" in html and 'class="site-header"' in html
    assert "CSRF" not in html and TECHNICAL_PAGE not in html
    assert "_auth_user_id" in client.session  # nothing was changed
