"""The SDK logging path against a real server process, as training scripts use it."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import runbase
from conftest import Server, run_script, sdk_environment


def rows(run: dict) -> list[dict]:
    return [json.loads(row) for row in run["history"]]


def init(server: Server, tmp_path: Path, **kwargs):
    settings = runbase.Settings(api_key=server.key, base_url=server.url, root_dir=str(tmp_path), quiet=True)
    return runbase.init(settings=settings, **kwargs)


def test_the_issue_example_in_a_separate_process(server: Server, sdk_env: dict[str, str]) -> None:
    result = run_script(f"""
        import runbase as wandb
        wandb.login(key={server.key!r}, host={server.url!r})
        with wandb.init(project='demo', config={{'lr': 0.01, 'layers': 4}}, tags=['baseline']) as run:
            for i in range(1000):
                run.log({{'loss': 1/(i+1), 'acc': i/1000}})
            run.summary['best_acc'] = 0.999
        print(run.id)
    """, sdk_env)
    run = server.run(result.stdout.strip(), samples=2000)
    assert run["state"] == "finished" and run["exitCode"] == 0
    assert json.loads(run["config"]) == {"lr": {"value": 0.01, "desc": None}, "layers": {"value": 4, "desc": None}}
    assert run["tags"] == ["baseline"]
    summary = json.loads(run["summaryMetrics"])
    assert summary["best_acc"] == 0.999 and summary["loss"] == 1 / 1000 and summary["_step"] == 999
    history = rows(run)
    assert run["historyLineCount"] == 1000 and len(history) == 1000
    assert [r["_step"] for r in history] == list(range(1000))
    assert all(r["loss"] == 1 / (r["_step"] + 1) and r["acc"] == r["_step"] / 1000 for r in history)
    assert all("_runtime" in r and "_timestamp" in r for r in history)


def test_step_and_commit_forms_from_the_reference_are_equivalent(server: Server, tmp_path: Path) -> None:
    results = []
    for form in range(3):
        run = init(server, tmp_path, project="steps")
        if form == 0:
            run.log({"train-loss": 0.5, "accuracy": 0.8})
            run.log({"train-loss": 0.4, "accuracy": 0.9})
        elif form == 1:
            run.log({"train-loss": 0.5}, commit=False)
            run.log({"accuracy": 0.8})
            run.log({"train-loss": 0.4}, commit=False)
            run.log({"accuracy": 0.9})
        else:
            current_step = 0
            run.log({"train-loss": 0.5}, step=current_step)
            run.log({"accuracy": 0.8}, step=current_step)
            current_step += 1
            run.log({"train-loss": 0.4}, step=current_step)
            run.log({"accuracy": 0.9}, step=current_step)
        run.finish()
        results.append([{k: v for k, v in r.items() if not k.startswith("_") or k == "_step"}
                         for r in rows(server.run(run.id, project="steps"))])
    assert results[0] == results[1] == results[2] == [
        {"_step": 0, "train-loss": 0.5, "accuracy": 0.8}, {"_step": 1, "train-loss": 0.4, "accuracy": 0.9}]


def test_steps_never_go_backwards(server: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = init(server, tmp_path, project="steps")
    run.log({"a": 1}, step=5)
    run.log({"a": 2}, step=3)  # warned and dropped
    run.log({"b": 3}, step=5, commit=True)
    run.log({"a": 4})  # implicit step continues after the explicit one
    run.finish()
    assert "step 3 is before the current step 5" in capsys.readouterr().err
    history = rows(server.run(run.id, project="steps"))
    assert [(r["_step"], r.get("a"), r.get("b")) for r in history] == [(5, 1, 3), (6, 4, None)]


def test_config_summary_and_define_metric(server: Server, tmp_path: Path) -> None:
    run = init(server, tmp_path, project="metrics", config={"lr": 0.1, "opt": {"name": "adam", "betas": [0.9, 0.99]}})
    run.config.epochs = 3
    run.config.update({"batch": 32})
    with pytest.raises(runbase.errors.ConfigError, match="lr"):
        run.config.lr = 0.2
    run.config.update({"lr": 0.2}, allow_val_change=True)
    run.define_metric("val/*", summary="min,max")
    run.define_metric("acc", summary="max")
    for i, (loss, acc) in enumerate([(0.5, 0.1), (0.2, 0.7), (0.3, 0.6)]):
        run.log({"val": {"loss": loss}, "acc": acc, "epoch": i})
    run.summary["note"] = "done"
    run.summary.update({"epoch": 99})  # an explicit value wins over the logged one
    run.log({"epoch": 3})
    run.finish()
    data = server.run(run.id, project="metrics")
    config = {k: v["value"] for k, v in json.loads(data["config"]).items()}
    definitions = config.pop("_wandb")  # W&B's bookkeeping: the definitions, as its client records them
    assert definitions == {"m": [{"2": "val/*", "6": [3], "7": [1, 2]}, {"1": "acc", "6": [3], "7": [2]}]}
    assert config == {"lr": 0.2, "opt": {"name": "adam", "betas": [0.9, 0.99]}, "epochs": 3, "batch": 32}
    summary = json.loads(data["summaryMetrics"])
    assert summary["val/loss"] == {"min": 0.2, "max": 0.5}
    assert summary["acc"] == {"max": 0.7}
    assert summary["note"] == "done" and summary["epoch"] == 99
    assert rows(data)[0]["val/loss"] == 0.5  # nested dicts flatten to a/b keys


def test_nan_and_infinities_round_trip(server: Server, tmp_path: Path) -> None:
    np = pytest.importorskip("numpy")
    run = init(server, tmp_path, project="numbers")
    run.log({"nan": float("nan"), "inf": float("inf"), "ninf": -math.inf, "np": np.float32(1.5),
             "arr": np.arange(3), "npint": np.int64(7), "big": 2**53 + 1})
    run.finish()
    data = server.run(run.id, project="numbers")
    row = rows(data)[0]
    assert math.isnan(row["nan"]) and row["inf"] == math.inf and row["ninf"] == -math.inf
    assert row["np"] == 1.5 and row["arr"] == [0, 1, 2] and row["npint"] == 7 and row["big"] == 2**53 + 1
    summary = json.loads(data["summaryMetrics"])
    assert math.isnan(summary["nan"]) and summary["inf"] == math.inf and summary["ninf"] == -math.inf


def test_unicode_and_odd_keys(server: Server, tmp_path: Path) -> None:
    run = init(server, tmp_path, project="keys", name="прогон ✓")
    run.log({"loss.total": 1.0, "a/b/c": 2.0, "名前": "値", "emoji 🚀": 3})
    run.finish()
    data = server.run(run.id, project="keys")
    assert data["displayName"] == "прогон ✓"
    assert {k: v for k, v in rows(data)[0].items() if not k.startswith("_")} == {
        "loss.total": 1.0, "a/b/c": 2.0, "名前": "値", "emoji 🚀": 3}


def test_resume_must_never_allow(server: Server, tmp_path: Path) -> None:
    with pytest.raises(runbase.UsageError, match="resume='must'"):
        init(server, tmp_path, project="resume", id="resume-me", resume="must")
    run = init(server, tmp_path, project="resume", id="resume-me", resume="never", config={"a": 1})
    run.log({"x": 1})
    run.log({"x": 2})
    run.finish()
    with pytest.raises(runbase.UsageError, match="resume='never'"):
        init(server, tmp_path, project="resume", id="resume-me", resume="never")
    with pytest.raises(runbase.UsageError, match="already exists"):
        init(server, tmp_path, project="resume", id="resume-me")
    run = init(server, tmp_path, project="resume", id="resume-me", resume="allow")
    assert run.resumed and run.config.a == 1 and run.summary["x"] == 2
    run.log({"x": 3})
    run.finish()
    run = init(server, tmp_path, project="resume", id="resume-me", resume="must")
    run.log({"x": 4})
    run.finish()
    data = server.run("resume-me", project="resume")
    assert [(r["_step"], r["x"]) for r in rows(data)] == [(0, 1), (1, 2), (2, 3), (3, 4)]
    assert data["state"] == "finished"


def test_exception_inside_with_marks_the_run_failed(server: Server, sdk_env: dict[str, str]) -> None:
    result = run_script("""
        import runbase
        try:
            with runbase.init(project="fail") as run:
                print(run.id, flush=True)
                run.log({"x": 1})
                raise RuntimeError("boom")
        except RuntimeError:
            pass
    """, sdk_env)
    data = server.run(result.stdout.split()[0], project="fail")
    assert data["state"] == "failed" and data["exitCode"] == 1 and data["historyLineCount"] == 1


def test_uncaught_exception_without_with_marks_the_run_failed(server: Server, sdk_env: dict[str, str]) -> None:
    result = run_script("""
        import runbase
        run = runbase.init(project="fail")
        print(run.id, flush=True)
        runbase.log({"x": 1})
        raise SystemError("uncaught")
    """, sdk_env, check=False)
    assert result.returncode != 0
    data = server.run(result.stdout.split()[0], project="fail")
    assert data["state"] == "failed" and data["historyLineCount"] == 1


def test_offline_then_sync_is_idempotent(server: Server, tmp_path: Path) -> None:
    env = sdk_environment(server, tmp_path)
    result = run_script("""
        import runbase
        with runbase.init(project="offline", mode="offline", config={"k": "v"}) as run:
            for i in range(500):
                run.log({"i": i})
            run.summary["final"] = 1
        print(run.id)
    """, env)
    run_id = result.stdout.strip()
    assert server.run(run_id, project="offline") is None
    for _ in range(2):
        out = subprocess.run([sys.executable, "-m", "runbase.cli", "sync", str(tmp_path / "runs")], env=env,
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
    data = server.run(run_id, project="offline", samples=1000)
    assert data["state"] == "finished" and data["historyLineCount"] == 500
    assert [r["i"] for r in rows(data)] == list(range(500))
    assert json.loads(data["summaryMetrics"])["final"] == 1
    assert json.loads(data["config"])["k"]["value"] == "v"


def test_summary_keeps_none_and_deleting_removes(server: Server, tmp_path: Path) -> None:
    """run.summary.update({"acc": None}) keeps "acc" as null, as W&B does; only deleting a key removes it."""
    run = init(server, tmp_path, project="summary-null")
    run.summary.update({"acc": 0.9, "gone": 1, "loss": 0.5})
    run.log({"x": 1})
    deadline = time.monotonic() + 30
    while "gone" not in json.loads(server.run(run.id, project="summary-null")["summaryMetrics"]):
        assert time.monotonic() < deadline, "the summary never reached the server"
        time.sleep(0.1)
    run.summary.update({"acc": None})
    run.summary["loss"] = None
    del run.summary["gone"]
    run.finish()
    summary = json.loads(server.run(run.id, project="summary-null")["summaryMetrics"])
    assert {k: v for k, v in summary.items() if not k.startswith("_")} == {"acc": None, "loss": None, "x": 1}
    resumed = init(server, tmp_path, project="summary-null", id=run.id, resume="must")
    assert "acc" in resumed.summary and resumed.summary["acc"] is None and "gone" not in resumed.summary
    resumed.finish()


def test_sync_keeps_summary_nulls_and_reads_older_logs(server: Server, tmp_path: Path) -> None:
    """A log written by this SDK lists removed summary keys apart, so its nulls are values; in an older log
    (no removeSummaryKeys) a null meant "remove the key", and still does."""
    from runbase.connection import Connection
    from runbase.sync import sync_log

    def write(name: str, **new_form: list[str]) -> Path:
        records = [{"t": "run", "entityName": "admin", "modelName": "sync-nulls", "name": name},
                   {"t": "history", "rows": "[]", "summaryMetrics": json.dumps({"a": 1, "b": 2, "c": 3}),
                    **new_form},
                   {"t": "history", "rows": "[]", "summaryMetrics": json.dumps({"a": None}), **new_form},
                   {"t": "run", "state": "finished", "exitCode": 0}]
        if new_form:
            records.insert(3, {"t": "history", "rows": "[]", "summaryMetrics": "{}", "removeSummaryKeys": ["c"]})
        log = tmp_path / f"run-{name}.runbase"
        log.write_text("".join(json.dumps(record) + "\n" for record in records))
        return log

    with Connection(server.url, server.key) as connection:
        sync_log(connection, write("older"))
        sync_log(connection, write("newer", removeSummaryKeys=[]))
    assert json.loads(server.run("older", project="sync-nulls")["summaryMetrics"]) == {"b": 2, "c": 3}
    assert json.loads(server.run("newer", project="sync-nulls")["summaryMetrics"]) == {"a": None, "b": 2}


def test_disabled_mode_is_a_no_op(tmp_path: Path) -> None:
    run = runbase.init(mode="disabled", config={"a": 1}, settings={"root_dir": str(tmp_path)})
    run.log({"x": 1})
    assert run.disabled and run.config.a == 1 and runbase.run is run
    run.finish()
    assert not (tmp_path / "runbase").exists()


def test_killed_server_loses_nothing(fresh_server: Server, tmp_path: Path) -> None:
    """kill -9 the server in the middle of 5,000 steps; every step arrives exactly once."""
    env = sdk_environment(fresh_server, tmp_path)
    script = tmp_path / "train.py"
    script.write_text(textwrap.dedent("""
        import sys, time, runbase
        run = runbase.init(project="durable", settings={"heartbeat_seconds": 1})
        print(run.id, flush=True)
        for i in range(5000):
            run.log({"i": i, "sq": i * i})
            if i % 50 == 0:
                time.sleep(0.02)
        run.finish()
        print("finished", flush=True)
    """))
    proc = subprocess.Popen([sys.executable, str(script)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    run_id = proc.stdout.readline().strip()
    time.sleep(0.5)
    fresh_server.kill()
    time.sleep(2)
    fresh_server.start()
    out, err = proc.communicate(timeout=180)
    assert proc.returncode == 0 and "finished" in out, err
    data = fresh_server.run(run_id, project="durable", samples=10000)
    steps = [r["_step"] for r in rows(data)]
    assert steps == list(range(5000)) and data["historyLineCount"] == 5000
    assert all(r["sq"] == r["i"] ** 2 for r in rows(data))
    assert data["state"] == "finished"


def test_reinit_modes_and_module_globals(tmp_path: Path) -> None:
    first = runbase.init(mode="offline", dir=tmp_path, project="re")
    assert runbase.run is first and runbase.config is first.config and runbase.summary is first.summary
    assert runbase.init(mode="offline", dir=tmp_path, project="re") is first  # return_previous by default
    side = runbase.init(mode="offline", dir=tmp_path, project="re", reinit="create_new")
    assert side is not first and runbase.run is first
    second = runbase.init(mode="offline", dir=tmp_path, project="re", reinit="finish_previous")
    assert second is not first and runbase.run is second
    with pytest.raises(runbase.UsageError, match="finished"):
        first.log({"x": 1})
    runbase.log({"x": 1})
    runbase.finish()
    assert runbase.run is None
    with pytest.raises(runbase.UsageError, match="before runbase.log"):
        runbase.log({"x": 2})
    side.finish()


def test_auto_resume_continues_a_run_that_did_not_finish(server: Server, tmp_path: Path) -> None:
    env = sdk_environment(server, tmp_path)
    crashed = run_script("""
        import os, runbase
        run = runbase.init(project="auto", resume="auto")
        run.log({"x": 1})
        run._sender.close({}, 30)  # deliver, then die without finishing
        print(run.id, flush=True)
        os._exit(3)
    """, env, check=False)
    run_id = crashed.stdout.strip()
    resumed = run_script("""
        import runbase
        with runbase.init(project="auto", resume="auto") as run:
            assert run.resumed
            run.log({"x": 2})
        print(run.id)
    """, env)
    assert resumed.stdout.strip() == run_id
    data = server.run(run_id, project="auto")
    assert [json.loads(r)["x"] for r in data["history"]] == [1, 2] and data["state"] == "finished"


def test_batches_mixing_plain_and_special_values_round_trip(server: Server, tmp_path: Path) -> None:
    """Rows with NaN inside lists or integers beyond 64 bits take the exact encoder; their neighbours do not."""
    run = init(server, tmp_path, project="numbers")
    for i in range(300):
        row = {"i": i}
        if i == 100:
            row["nested"] = {"vals": [1.0, float("nan"), -math.inf]}
        if i == 200:
            row["huge"] = 2**70
        run.log(row)
    run.finish()
    history = rows(server.run(run.id, project="numbers", samples=1000))
    assert [r["i"] for r in history] == list(range(300))
    vals = history[100]["nested/vals"]
    assert vals[0] == 1.0 and math.isnan(vals[1]) and vals[2] == -math.inf
    assert history[200]["huge"] == 2**70
    assert all("nested/vals" not in r for r in history[:100])


def test_integers_beyond_64_bits_stay_exact_in_config_and_summary(server: Server, tmp_path: Path) -> None:
    run = init(server, tmp_path, project="numbers", config={"seed": 2**70})
    run.summary["big"] = -(2**65) - 1
    run.finish()
    data = server.run(run.id, project="numbers")
    assert json.loads(data["config"])["seed"]["value"] == 2**70
    assert json.loads(data["summaryMetrics"])["big"] == -(2**65) - 1
