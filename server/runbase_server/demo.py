"""`runbase server --demo`: once the server is up, log a run to it with the SDK,
so a first-time user sees data flow end to end."""

from __future__ import annotations

import math
import sys
import tempfile
import threading
import time

import httpx


def _wait_until_up(base_url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server at {base_url} did not come up")


def _log_demo_run(base_url: str, api_key: str) -> None:
    import runbase

    _wait_until_up(base_url)
    settings = runbase.Settings(api_key=api_key, base_url=base_url, root_dir=tempfile.mkdtemp(prefix="runbase-demo-"))
    with runbase.init(project="demo", config={"lr": 0.01, "layers": 4}, tags=["demo"], settings=settings,
                      reinit="create_new") as run:
        for step in range(1000):
            run.log({"loss": 1 / (step + 1), "acc": step / 1000, "lr": 0.01 * math.cos(step / 1000)})
        run.summary["best_acc"] = 0.999
    print(f"runbase demo: logged run {run.path} with 1,000 steps; see it at {base_url}/graphql with\n"
          f'  {{ project(name: "demo") {{ run(name: "{run.id}") {{ state config summaryMetrics historyLineCount '
          f"history(samples: 5) }} }} }}\n"
          f"  and the header Authorization: Bearer {api_key}", file=sys.stderr, flush=True)


def start(base_url: str, api_key: str) -> threading.Thread:
    thread = threading.Thread(target=_log_demo_run, args=(base_url, api_key), name="runbase-demo", daemon=True)
    thread.start()
    return thread
