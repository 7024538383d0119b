#!/usr/bin/env bash
# Installs and starts SoundScapify on its embedded defaults: SQLite in the project folder and
# Celery's filesystem broker, so nothing else has to run. Web at http://127.0.0.1:8000,
# plus one Celery worker (both queues) with the beat scheduler inside it.
set -euo pipefail
cd "$(dirname "$0")/.."

# Every role runs here, the scene model's worker too: all of requirements/ml.txt.
scripts/bootstrap.sh runtime
python=.venv/bin/python

$python manage.py migrate --noinput

# Songs to recommend: the sample catalog beside the project, when it is there. The import
# upserts by Spotify id, so running it at every start changes nothing.
sample_catalog=../shared/data/catalog/spotify_tracks_11k.csv
if [ -f "$sample_catalog" ]; then
  $python manage.py import_tracks "$sample_catalog"
else
  echo "No track catalog found; import one with: $python manage.py import_tracks FILE"
fi

$python -m celery -A soundscapify worker --beat -Q ml,default --concurrency 1 --loglevel INFO &
worker_pid=$!
trap 'kill "$worker_pid" 2>/dev/null; wait "$worker_pid" 2>/dev/null' EXIT INT TERM

echo "SoundScapify: http://127.0.0.1:8000 (Ctrl-C stops web and worker)"
$python manage.py runserver 127.0.0.1:8000 --noreload
