#!/usr/bin/env bash
# The run command: install runbase into .venv and start the server on SQLite
# (./runbase-data), logging a demo run to it once it is up.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[server]'
exec .venv/bin/runbase server --demo "$@"
