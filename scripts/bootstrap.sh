#!/usr/bin/env bash
# Creates .venv and installs the pinned dependencies; does nothing when they are already in place.
# Usage: scripts/bootstrap.sh [runtime|dev]
set -euo pipefail
cd "$(dirname "$0")/.."

profile="${1:-runtime}"
requirements="requirements.txt"
[ "$profile" = "dev" ] && requirements="requirements-dev.txt"

python_bin="$(command -v python3.11 || command -v python3)"
if [ ! -x .venv/bin/python ]; then
  echo "Creating .venv with $python_bin"
  "$python_bin" -m venv .venv
fi

# Reinstall only when the requirement files change: a stamp holds their checksum.
stamp=".venv/.installed-$profile"
wanted="$(cat requirements.txt requirements-dev.txt constraints.txt | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  echo "Installing Python dependencies ($requirements)"
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -r "$requirements" -c constraints.txt
  echo "$wanted" > "$stamp"
fi
