#!/usr/bin/env bash
# Installs the test dependencies if needed, then runs the whole test suite.
# Runs on the embedded defaults; set DATABASE_URL and CELERY_BROKER_URL to run it on
# PostgreSQL and Redis instead. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/bootstrap.sh dev
exec .venv/bin/python -m pytest "$@"
