"""`runbase server --demo`, what README's run command starts: a run is logged and an automation fires."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import free_port

pytestmark = pytest.mark.slow


def test_demo_logs_a_run_and_fires_an_automation(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RUNBASE_", "WANDB_"))}
    env["RUNBASE_CONFIG_DIR"] = str(tmp_path / "config")
    server = subprocess.Popen([sys.executable, "-m", "runbase.cli", "server", "--demo", "--port", str(free_port()),
                               "--data-dir", str(tmp_path / "data")], env=env, stderr=subprocess.PIPE, text=True)
    lines = []
    try:
        for line in server.stderr:  # the demo ends by reporting the webhook, or that it did not come
            lines.append(line)
            if line.startswith("runbase demo: the automation"):
                break
    finally:
        server.terminate()
        server.wait(30)
    output = "".join(lines)
    assert "logged run admin/demo/" in output, output
    assert "the automation fired; the webhook receiver got {'text':" in output, output
    assert "loss fell to 0.0099" in output and "at step 100" in output, output
