"""The web role needs no TensorFlow: its image (requirements/base.txt) has none to import.

tests/platform/web_role_probe.py serves every page in a process of its own, where nothing
else of the test run has imported anything yet.
"""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from django.conf import settings

from tests.platform.web_role_probe import UPLOAD_URL
from tests.scenes.helpers import worker_env


@pytest.mark.django_db(transaction=True)
def test_serving_every_page_and_an_upload_imports_no_ml_library() -> None:
    # The in-memory broker keeps the upload's classification out of this run's queue.
    env = worker_env({"CELERY_BROKER_URL": "memory://"})
    probe = subprocess.run(
        [sys.executable, "-m", "tests.platform.web_role_probe"],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=300,
    )

    assert probe.stdout.strip(), probe.stderr[-4000:]
    report = json.loads(probe.stdout.splitlines()[-1])
    statuses = report["statuses"]
    assert statuses[f"POST {UPLOAD_URL}"] == 201
    assert {"/", "/scenes/", "/recommendations/", "/api/schema/", "/readyz", "/admin/"} <= set(statuses)
    assert {path: status for path, status in statuses.items() if status >= 500} == {}
    assert report["loaded"] == [], f"the web role imported {report['loaded']}"
    assert probe.returncode == 0
