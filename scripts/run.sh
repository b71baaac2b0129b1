#!/usr/bin/env bash
# The run command: build the web app when its sources changed, install runbase with its server and media
# encoders into a virtualenv (.venv, or $RUNBASE_VENV) and start the server on SQLite (./runbase-data), logging
# a demo run to it once it is up. Arguments go to `runbase server`, e.g. ./scripts/run.sh --port 9000.
#
# The install is a regular one, not editable: an editable install lets a `./runbase/` run folder in the
# directory a script runs from shadow the package. Running this again reinstalls from the sources.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${RUNBASE_VENV:-.venv}"
./scripts/build_web.sh  # the pages the server serves, rebuilt only when web/ changed (needs Node.js and npm)
python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q --upgrade pip
rm -rf build/lib  # setuptools reuses it: a module deleted from the tree would still be installed
"$venv/bin/python" -m pip install -q '.[server,media]'
exec "$venv/bin/runbase" server --demo "$@"
