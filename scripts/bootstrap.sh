#!/usr/bin/env bash
# Creates .venv and installs the pinned dependencies; does nothing when they are already in place.
# Usage: scripts/bootstrap.sh [runtime|dev]
#   runtime  requirements/ml.txt: every role on one machine, the scene model's worker included
#   dev      requirements/dev.txt: the same plus the test, lint and type-check tools
# (requirements/base.txt alone is the web image's set: docker/Dockerfile, target web.)
set -euo pipefail
cd "$(dirname "$0")/.."

profile="${1:-runtime}"
case "$profile" in
  runtime) requirements="requirements/ml.txt" ;;
  dev) requirements="requirements/dev.txt" ;;
  *) echo "Usage: $0 [runtime|dev]" >&2; exit 2 ;;
esac

python_bin="$(command -v python3.11 || command -v python3)"
if [ ! -x .venv/bin/python ]; then
  echo "Creating .venv with $python_bin"
  "$python_bin" -m venv .venv
fi

# Reinstall only when a requirement file changes: a stamp holds the checksum of all of them.
stamp=".venv/.installed-$profile"
wanted="$(cat requirements/*.txt constraints.txt | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  echo "Installing Python dependencies ($requirements)"
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -r "$requirements" -c constraints.txt
  echo "$wanted" > "$stamp"
fi
