"""define_metric's definitions in the run's config as W&B's client keeps them (`_wandb.m`), against a real server:
what is stored, that the public API's config still hides W&B's bookkeeping, and that a resumed run goes on with the
definitions it made before."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import runbase
from conftest import Server


def init(server: Server, tmp_path: Path, **kwargs: Any) -> runbase.Run:
    settings = runbase.Settings(api_key=server.key, base_url=server.url, root_dir=str(tmp_path), quiet=True)
    return runbase.init(settings=settings, **kwargs)


def stored_definitions(server: Server, run_id: str, project: str) -> list[dict[str, Any]]:
    run = server.run(run_id, project=project)
    assert run is not None
    records: list[dict[str, Any]] = json.loads(run["config"])["_wandb"]["value"]["m"]
    return records


def test_definitions_are_stored_as_wbs_metric_records_and_hidden_from_the_config(server: Server,
                                                                                  tmp_path: Path) -> None:
    run = init(server, tmp_path, project="definitions", config={"lr": 0.1})
    run.define_metric("epoch")
    run.define_metric("val/*", step_metric="epoch", summary="max")
    run.define_metric("secret", hidden=True)
    for epoch in range(3):
        run.log({"val/acc": epoch / 10, "epoch": epoch, "secret": 1})
    run.finish()
    assert stored_definitions(server, run.id, "definitions") == [
        {"1": "epoch", "6": [3]}, {"2": "val/*", "5": 1, "6": [1, 3], "7": [2]}, {"1": "secret", "6": [2, 3]}]
    public = runbase.Api(overrides={"base_url": server.url}, api_key=server.key).run(f"admin/definitions/{run.id}")
    assert public.config == {"lr": 0.1}  # W&B's bookkeeping stays out of the config, as in W&B
    assert public.rawconfig["_wandb"]["value"]["m"][1]["2"] == "val/*"
    assert public.summary["val/acc"] == {"max": 0.2}


def test_a_resumed_run_goes_on_with_its_definitions(server: Server, tmp_path: Path) -> None:
    run = init(server, tmp_path, project="definitions", config={"lr": 0.1})
    run.define_metric("epoch")
    run.define_metric("val/*", step_metric="epoch", summary="min")
    run.log({"val/loss": 0.5, "epoch": 0})
    run.finish()
    resumed = init(server, tmp_path, project="definitions", id=run.id, resume="must")
    assert [m.name for m in resumed._metrics.definitions()] == ["epoch", "val/*"]
    resumed.log({"epoch": 1})
    resumed.log({"val/loss": 0.7})  # synced to the last epoch and folded into the minimum, as before the resume
    resumed.define_metric("train/*", step_metric="epoch")
    resumed.finish()
    assert stored_definitions(server, run.id, "definitions") == [
        {"1": "epoch", "6": [3]}, {"2": "val/*", "5": 1, "6": [1, 3], "7": [1]}, {"2": "train/*", "5": 1, "6": [1, 3]}]
    data = server.run(run.id, project="definitions")
    assert data is not None
    assert json.loads(data["summaryMetrics"])["val/loss"] == {"min": 0.5}
    assert [json.loads(row).get("epoch") for row in data["history"]] == [0, 1, 1]
    assert json.loads(data["config"])["lr"] == {"value": 0.1, "desc": None}
