"""A run of the official wandb client logged offline, then uploaded with `wandb sync`, with each pinned release
(the older one on SQLite only): everything it logged reads back. wandb 0.22's sync looks the ServerSettings type
up before its upsertBucket and, where the server lacks it, uploads nothing yet reports success."""

from __future__ import annotations

import json

import pytest
from conftest import Server
from official_client import (  # noqa: F401 - release: a fixture
    LoggingProxy,
    Release,
    check_known,
    new_user,
    release,
    run_wandb,
    wandb_environment,
)
from test_wandb_client import NOT_ANSWERED

OFFLINE = """
import wandb
run = wandb.init(project="offline", mode="offline", config={"o": 1})
for i in range(20):
    run.log({"v": i * 1.5})
run.summary["fin"] = "yes"
print("RUN", run.id)
run.finish()
"""


def test_an_offline_run_synced_later_reads_back(server: Server, backend: str, release: Release,
                                               tmp_path_factory: pytest.TempPathFactory) -> None:
    user, key, home = new_user(server, tmp_path_factory, "off", release)
    with LoggingProxy(server) as proxy:
        env = {**wandb_environment(proxy, home), "WANDB_API_KEY": key}
        logged = run_wandb(OFFLINE, env, cwd=home, release=release)
        run_id = next(line.split()[1] for line in logged.stdout.splitlines() if line.startswith("RUN "))
        [directory] = list((home / "wandb").glob(f"offline-run-*-{run_id}"))
        run_wandb("", env, cwd=home, args=("sync", str(directory)), release=release)
        recorded = proxy.record(f"wandb-{release.version}-offline-sync-{backend}", release)
    unanswered = [(e.route, e.status, e.answer[:200]) for e in proxy.exchanges if not e.answered]
    assert set(recorded["not_answered"]) <= set(NOT_ANSWERED), unanswered
    check_known(recorded, release)
    stored = server.run(run_id, project="offline", entity=user, samples=100, key=key)
    assert stored is not None, f"wandb {release.version} sync uploaded nothing"
    assert json.loads(stored["config"])["o"]["value"] == 1
    assert json.loads(stored["summaryMetrics"])["fin"] == "yes"
    assert [json.loads(row)["v"] for row in stored["history"]] == [i * 1.5 for i in range(20)]
    assert stored["state"] == "finished"
