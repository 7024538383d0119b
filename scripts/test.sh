#!/usr/bin/env bash
# Installs the test dependencies if needed, then runs the whole test suite.
# Runs on the embedded defaults; set DATABASE_URL and CELERY_BROKER_URL to run it on
# PostgreSQL and Redis instead. Extra arguments go to pytest.
# --quick (first argument) leaves out the tests that start a worker, drive the browser or
# train a model: the edit-test loop, a few minutes instead of a quarter of an hour.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/bootstrap.sh dev
if [ "${1:-}" = "--quick" ]; then
  shift
  exec .venv/bin/python -m pytest -m "not worker and not browser and not trains" "$@"
fi
exec .venv/bin/python -m pytest "$@"
