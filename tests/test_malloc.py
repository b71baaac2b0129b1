"""The server's heap tuning (runbase_server/malloc.py): applied on glibc, left to the operator's MALLOC_*
settings where they gave any."""

from __future__ import annotations

import subprocess
import sys

import pytest

PROBE = "from runbase_server.malloc import keep_freed_memory; print(keep_freed_memory())"


def probe(env: dict[str, str]) -> str:
    return subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True,
                          check=True).stdout.strip()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_the_thresholds_are_raised_unless_the_operator_set_them(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    base = {key: value for key, value in os.environ.items() if not key.startswith("MALLOC_")}
    libc = subprocess.run(["ldd", "--version"], capture_output=True, text=True)
    if "GLIBC" not in (libc.stdout + libc.stderr).upper():
        pytest.skip("not glibc")
    assert probe(base) == "True"
    assert probe({**base, "MALLOC_TRIM_THRESHOLD_": "1048576"}) == "False"
    assert probe({**base, "MALLOC_MMAP_THRESHOLD_": "1048576"}) == "False"
