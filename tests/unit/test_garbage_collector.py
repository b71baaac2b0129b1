"""The server's garbage-collector tuning (runbase_server/garbage_collector.py): what it had at start-up is out of
the collector's sight, and a batch of parsed rows no longer sets off a young collection every 700 objects."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PROBE = """
import gc, json
from runbase_server.http.app import create_app
from runbase_server.garbage_collector import YOUNG_THRESHOLD, tune_for_serving
app = create_app()
tune_for_serving()
gc.collect(0)
rows = [{"_step": step, "values": [step]} for step in range(20_000)]  # tracked containers, as orjson makes them
print(json.dumps({"frozen": gc.get_freeze_count(), "young": gc.get_count()[0], "threshold": gc.get_threshold(),
                  "expected": YOUNG_THRESHOLD}))
"""


def test_start_up_objects_are_frozen_and_young_collections_wait(tmp_path: Path) -> None:
    found = json.loads(subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True,
                                      cwd=tmp_path, env={"RUNBASE_DATA_DIR": str(tmp_path / "data"),
                                                         "PATH": "/usr/bin:/bin"}).stdout)
    assert found["frozen"] > 50_000  # the schema, SQLAlchemy's metadata, the modules
    assert found["threshold"][0] == found["expected"]
    assert found["young"] > 35_000  # no young collection ran for the 40,000 containers made since
