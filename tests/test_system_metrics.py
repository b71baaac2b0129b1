"""The system stream (W&B's events): rows stored through history's columnar store in tables of their own,
numbered per run, never touching the run's history, steps, summary or metric automations; sent by the
Sender (live and through `runbase sync`) and read back as W&B reads them (`history(stream="system")`,
`system_metrics`, GraphQL `events`)."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import threading
import uuid
from pathlib import Path
from typing import Any

import pytest
import runbase
from alembic import command
from alembic.config import Config as AlembicConfig
from conftest import Server, run_script, sdk_environment
from runbase.automations import DoNothing, OnRunMetric, RunEvent
from runbase.errors import CommError
from runbase.records import SYSTEM, RecordLog, read
from runbase.sender import Sender
from runbase_server import users
from runbase_server.database import MIGRATIONS, upgrade
from runbase_server.errors import UserError
from runbase_server.runs import history, runs
from runbase_server.tables import Run, SystemChunk, SystemColumn
from sqlalchemy import func, inspect, select
from test_history import Store, canon, small_segments, store

FIXTURES = (small_segments, store)  # test_history's, used here by name: on SQLite and PostgreSQL


def sample(i: int, **more: Any) -> dict[str, Any]:
    """A row as the SDK's sampler makes it: raw keys, no prefix, no _step."""
    return {"cpu": 10.0 + i, "memory_percent": 40.5, "proc.memory.rssMB": 120.25, "gpu.0.gpu": 30 + i,
            "_timestamp": 1_733_400_000.5 + i, "_runtime": 15.0 * (i + 1), **more}


def as_events(row: dict[str, Any]) -> dict[str, Any]:
    """The row as W&B's events hold it (and runbase's readers give it back)."""
    return {"_wandb": True, **{k if k.startswith("_") else f"system.{k}": v for k, v in row.items()}}


# -- the store, through the service functions ------------------------------------------------------------


def append_system(store: Store, rows: list[Any], start: int | None, run: str = "r") -> history.Appended:
    with store.db.session() as session:
        viewer = users.admin_viewer(session)
        return history.append(session, viewer, None, "p", run_name=run, rows_text="[]", system_start=start,
                               system_text=json.dumps(rows))


def events(store: Store, samples: int = 100_000, run: str = "r") -> list[dict[str, Any]]:
    return [json.loads(row) for row in store.call(history.events, samples, run=run)]


def run_fields(store: Store, run: str = "r") -> dict[str, Any]:
    with store.db.session() as session:
        row = session.scalar(select(Run).where(Run.name == run))
        return {"lines": row.history_line_count, "last": row.last_step, "keys": row.history_keys,
                "summary": row.summary, "system": row.system_line_count, "latest": row.system_metrics}


def test_rows_are_numbered_resent_harmlessly_and_kept_apart_from_history(store: Store) -> None:
    store.append([{"_step": 0, "cpu": 1.0}, {"_step": 1, "loss": 0.5}])
    before = run_fields(store)
    rows = [as_events(sample(i)) for i in range(4)]
    assert append_system(store, rows[:3], 0).refused_system == []
    assert append_system(store, rows[:3], 0).accepted == 0  # a resend changes nothing
    append_system(store, rows[2:4], 2)  # overlaps the last: only row 3 is new
    append_system(store, [{"_timestamp": 1.0, "system.gpu.0.temp": 60}], 10)  # a gap is fine
    after = run_fields(store)
    assert {k: after[k] for k in ("lines", "last", "keys", "summary")} == \
        {k: before[k] for k in ("lines", "last", "keys", "summary")}
    assert store.read() == [{"_step": 0, "cpu": 1.0}, {"_step": 1, "loss": 0.5}]
    assert canon(events(store)) == canon([*rows, {"_timestamp": 1.0, "system.gpu.0.temp": 60}])
    assert after["system"] == 11
    # The latest value of every key; the latest row's _timestamp and _runtime; no _wandb.
    assert after["latest"] == {**{k: v for k, v in rows[3].items() if k != "_wandb"}, "_timestamp": 1.0,
                               "system.gpu.0.temp": 60}
    assert [row["_timestamp"] for row in events(store, samples=2)] == [rows[0]["_timestamp"], 1.0]


def test_a_bad_row_is_refused_alone_and_keeps_its_number(store: Store) -> None:
    store.append([{"_step": 0, "x": 0}])
    rows: list[dict[str, Any]] = [as_events(sample(i)) for i in range(6)]
    rows[1]["bad\x00key"], rows[2]["lone\ud800"], rows[3]["s"], rows[4]["_step"] = 1, 2, ["x\udc00"], 7
    rows[5]["big"], rows[5]["nul"] = 2**70, "a\x00b"  # kept: exact, and NUL inside a string is stored text
    stored = append_system(store, rows, 5)
    assert [(r.position, r.step) for r in stored.refused_system] == [(1, 6), (2, 7), (3, 8), (4, 9)]
    assert "_step" in stored.refused_system[3].reason and "NUL" in stored.refused_system[0].reason
    assert canon(events(store)) == canon([rows[0], rows[5]])
    fields = run_fields(store)
    assert fields["system"] == 11 and fields["latest"]["big"] == 2**70 and "nul" not in fields["latest"]
    for bad, start, match in (([1], 0, "system row 0 is not a JSON object"), ([{}], None, "systemStart"),
                              ([{}], -1, "systemStart"), ([{}, {}], 2**63 - 1, "2\\^63-1")):
        with pytest.raises(UserError, match=match):
            append_system(store, bad, start)
    assert run_fields(store)["system"] == 11


def test_the_stream_compacts_samples_and_is_deleted_with_its_run(store: Store, small_segments: None) -> None:
    rows = [{"_wandb": True, "_timestamp": 1e9 + i, "system.cpu": float(i % 17), "system.n": i}
            | ({"system.disk./.usageGB": "full" if i % 5 else None} if i % 3 else {}) for i in range(300)]
    store.append([])  # makes the run
    for start in range(0, 300, 40):
        append_system(store, rows[start:start + 40], start)
    with store.db.session() as session:
        run_id = session.scalar(select(Run.id))
        assert session.scalar(select(func.count()).where(SystemColumn.run_id == run_id,
                                                         SystemColumn.key == "_step")) >= 2
    assert canon(events(store)) == canon(rows)
    picked = events(store, samples=20)
    assert len(picked) == 20 and picked[0] == rows[0] and picked[-1] == rows[-1]
    assert {row["system.cpu"] for row in picked} >= {0.0, 16.0}  # each metric's extremes stay
    with store.db.session() as session:
        history.compact(session, session.scalar(select(Run)))
        assert session.scalar(select(func.count()).select_from(SystemChunk)) == 0
    assert canon(events(store)) == canon(rows)
    with store.db.session() as session:
        runs.delete(session, runs.writable(session, users.admin_viewer(session), None, "p", name="r"))
    with store.db.session() as session:
        assert session.scalar(select(func.count()).select_from(SystemColumn)) == 0


def test_the_migration_upgrades_a_database_holding_history(store: Store) -> None:
    rows = [{"_step": i, "loss": i / 2} for i in range(30)]
    store.append(rows)
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    with store.db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0008")
    with store.db.engine.connect() as connection:
        found = inspect(connection)
        assert not found.has_table("system_chunks") and not found.has_table("system_columns")
        assert "system_line_count" not in {column["name"] for column in found.get_columns("runs")}
    upgrade(store.db.engine)  # from 0008, with the run's history in place
    assert store.read() == rows and run_fields(store)["system"] == 0 and events(store) == []
    append_system(store, [as_events(sample(0))], 0)
    assert events(store) == [as_events(sample(0))] and store.read() == rows


# -- the SDK's sender ------------------------------------------------------------------------------------


def test_sender_batches_numbered_rows_and_refuses_what_json_cannot_hold(tmp_path: Path) -> None:
    log = RecordLog(tmp_path / "run.runbase")
    sender = Sender(None, log, {"entityName": "e", "projectName": "p", "runName": "r"}, {}, heartbeat_seconds=600,
                    max_batch_bytes=400, warn=print, silent=True, system_start=7)
    sender.start()
    with pytest.raises(TypeError):
        sender.system({"cpu": object()})
    with pytest.raises(TypeError, match="keys must be strings"):
        sender.system({1: 2.0})
    threads = [threading.Thread(target=lambda n=n: [sender.system(sample(n * 10 + i)) for i in range(5)])
               for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sender.system(sample(99, nan=float("nan")))
    assert sender.close({"state": "finished"}, timeout=10)
    log.close()
    records = [r for r in read(tmp_path / "run.runbase") if r["t"] == SYSTEM]
    assert len(records) > 1 and all(len(r["systemRows"]) <= 400 for r in records)
    assert records[0]["systemStart"] == 7 and all(  # numbered on from batch to batch
        b["systemStart"] == a["systemStart"] + len(json.loads(a["systemRows"])) for a, b in itertools.pairwise(records))
    got = [row for r in records for row in json.loads(r["systemRows"])]
    assert len(got) == 11 and got[-1]["system.nan"] != got[-1]["system.nan"]
    assert sorted(row["system.cpu"] for row in got[:-1]) == sorted(sample(n * 10 + i)["cpu"] for n in range(2)
                                                                   for i in range(5))


class OldServer:
    """A connection to a server older than the system stream: it refuses systemRows, takes the rest."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def log_history(self, fields: Any) -> None:
        if fields.system_rows is not None:
            raise CommError('Field "systemRows" is not defined by type "LogHistoryInput"')
        self.sent.append(fields.model_dump(exclude_none=True))

    def upsert_bucket(self, fields: Any) -> None:
        self.sent.append({"state": fields.state})


def test_a_server_that_refuses_system_rows_gets_the_rest(tmp_path: Path) -> None:
    warnings: list[str] = []
    server = OldServer()
    identity = {"entityName": "e", "projectName": "p", "runName": "r"}
    sender = Sender(server, RecordLog(tmp_path / "run.runbase"), identity, {}, heartbeat_seconds=600,
                    max_batch_bytes=1 << 20, warn=warnings.append, silent=True)
    sender.start()
    sender.system(sample(0))
    sender.row({"_step": 0, "loss": 1.0})
    sender.wake.set()
    sender.system(sample(1))
    assert sender.close({"state": "finished"}, timeout=10)
    assert [w for w in warnings if "system metrics" in w] == [warnings[0]] and len(warnings) == 1
    assert {"rows": '[{"_step":0,"loss":1.0}]', "entity_name": "e", "project_name": "p", "run_name": "r"} in server.sent
    assert server.sent[-1] == {"state": "finished"}
    assert len([r for r in read(tmp_path / "run.runbase") if r["t"] == SYSTEM]) >= 1  # kept for `runbase sync`


# -- end to end: a real server ---------------------------------------------------------------------------


def test_live_rows_reach_the_system_stream_only(server: Server, tmp_path: Path) -> None:
    api = runbase.Api(overrides={"base_url": server.url}, api_key=server.key)
    project = f"system-{uuid.uuid4().hex[:8]}"
    api.create_project(project, entity="admin")
    watch = api.create_automation(OnRunMetric(scope=f"admin/{project}", filter=RunEvent.metric("cpu") > 5)
                                  >> DoNothing(), name=f"{project}-cpu")
    run = runbase.init(project=project, settings=runbase.Settings(
        api_key=server.key, base_url=server.url, root_dir=str(tmp_path), quiet=True, heartbeat_seconds=600))
    run.log({"loss": 1.0})
    run.summary["best"] = 0.5
    sender = threading.Thread(target=lambda: [run._sender.system(sample(i)) for i in range(3)])
    sender.start()
    sender.join()
    run._sender.system({"gpu.0.temp": 61, "_timestamp": 1_733_400_100.0, "_runtime": 115.0})  # another device's row
    run.finish()

    expected = [as_events(sample(i)) for i in range(3)] + [
        {"_wandb": True, "system.gpu.0.temp": 61, "_timestamp": 1_733_400_100.0, "_runtime": 115.0}]
    public = api.run(f"admin/{project}/{run.id}")
    assert public.history(stream="system", pandas=False) == expected
    # The latest value of every key (the GPU row does not hide the CPU row's), with the latest row's times.
    assert public.system_metrics == {k: v for row in expected[2:] for k, v in row.items() if k != "_wandb"}
    assert [{k: row[k] for k in ("_step", "loss")} for row in public.history(pandas=False)] == [{"_step": 0, "loss": 1}]
    assert public.lastHistoryStep == 0 and public._attrs["history_line_count"] == 1
    assert public.summary["best"] == 0.5 and not any("cpu" in key or "gpu" in key for key in public.summary)
    assert [(r["run_id"], r["system.cpu"]) for r in api.runs(f"admin/{project}").histories(stream="system")
            if "system.cpu" in r] == [(run.id, 10.0), (run.id, 11.0), (run.id, 12.0)]
    with pytest.raises(runbase.UsageError, match="keys cannot be given"):
        public.history(keys=["system.cpu"], stream="system")
    with pytest.raises(runbase.UsageError, match="stream must be"):
        public.history(stream="events")
    assert list(watch.deliveries()) == []  # cpu > 5 in every system row, and no automation saw it

    answer = server.graphql(
        """mutation($p: String!, $r: String!, $rows: JSONString!) {
             logHistory(input: {projectName: $p, runName: $r, rows: "[]", systemRows: $rows, systemStart: 3}) {
               accepted refused { index } refusedSystemRows { index step reason }
               eventsLineCount historyLineCount } }""",
        {"p": project, "r": run.id, "rows": json.dumps([{"system.cpu": 1}, {"bad\x00": 1}, {"system.cpu": 2}])})
    logged = answer["data"]["logHistory"]
    assert [(r["index"], r["step"], "NUL" in r["reason"]) for r in logged.pop("refusedSystemRows")] == [(1, 4, True)]
    assert logged == {"accepted": 0, "refused": [], "eventsLineCount": 6, "historyLineCount": 1}
    found = server.graphql(
        """query($p: String!, $r: String!) { project(name: $p) { run(name: $r) {
             events(samples: 2) eventsLineCount systemMetrics historyLineCount lastHistoryStep } } }""",
        {"p": project, "r": run.id})["data"]["project"]["run"]
    assert [json.loads(row) for row in found["events"]] == [expected[0], {"system.cpu": 2}]
    assert (found["eventsLineCount"], found["historyLineCount"], found["lastHistoryStep"]) == (6, 1, 0)
    assert json.loads(found["systemMetrics"])["system.cpu"] == 2

    with runbase.init(project=project, settings=runbase.Settings(
            api_key=server.key, base_url=server.url, root_dir=str(tmp_path), quiet=True)) as other:
        other.log({"cpu": 50.0})  # the same metric logged as history: the automation fires
    assert len(list(watch.deliveries())) == 1


def test_an_offline_run_s_rows_are_uploaded_by_sync_once(server: Server, tmp_path: Path) -> None:
    env = sdk_environment(server, tmp_path)
    result = run_script("""
        import json, runbase
        with runbase.init(project="system-offline", mode="offline") as run:
            run.log({"loss": 0.25})
            for i in range(3):
                run._sender.system({"cpu": 5.0 + i, "gpu.0.gpu": i, "_timestamp": 1e9 + i, "_runtime": float(i)})
        print("RESULT " + json.dumps({"id": run.id}))
    """, env)
    run_id = json.loads(result.stdout.split("RESULT ", 1)[1])["id"]
    for _ in range(2):
        out = subprocess.run([sys.executable, "-m", "runbase.cli", "sync", str(tmp_path / "runs")], env=env,
                             capture_output=True, text=True, timeout=120, check=False)
        assert out.returncode == 0, out.stderr
    public = runbase.Api(overrides={"base_url": server.url}, api_key=server.key).run(f"admin/system-offline/{run_id}")
    assert public.history(stream="system", pandas=False) == [
        {"_wandb": True, "system.cpu": 5.0 + i, "system.gpu.0.gpu": i, "_timestamp": 1e9 + i, "_runtime": float(i)}
        for i in range(3)]
    assert public.system_metrics == {"system.cpu": 7.0, "system.gpu.0.gpu": 2, "_timestamp": 1e9 + 2, "_runtime": 2.0}
    assert public._attrs["history_line_count"] == 1 and public.state == "finished"


def test_a_training_script_records_its_machine_without_asking(server: Server, tmp_path: Path) -> None:
    """The sampler starts with init() and stops with finish(); its readings match psutil in the same process
    and reach the server's system stream, leaving the run's history alone."""
    env = sdk_environment(server, tmp_path)
    result = run_script(f"""
        import json, os, time, psutil, runbase
        run = runbase.init(project="machine", settings=runbase.Settings(x_stats_sampling_interval=0.2,
                                                                        x_stats_disk_paths=[{str(tmp_path)!r}]))
        run.log({{"loss": 0.5}})
        time.sleep(1.5)
        me = psutil.Process()
        print(json.dumps({{"id": run.id, "rss": me.memory_info().rss / 2**20, "threads": me.num_threads(),
                          "disk": psutil.disk_usage({str(tmp_path)!r}).used / 2**30}}))
        run.finish()
    """, env)
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    api_run = runbase.Api(overrides={"base_url": server.url}, api_key=server.key).run(f"machine/{seen['id']}")
    rows = api_run.history(stream="system", pandas=False)
    assert len(rows) >= 3, rows
    last = rows[-1]
    assert last["_wandb"] is True and "_step" not in last and last["_runtime"] > 0
    assert abs(last["system.proc.memory.rssMB"] - seen["rss"]) < 0.25 * seen["rss"]
    assert abs(last["system.proc.cpu.threads"] - seen["threads"]) <= 3
    assert abs(last[f"system.disk.{tmp_path}.usageGB"] - seen["disk"]) < 0.5
    assert 0 <= last["system.memory_percent"] <= 100 and last["system.network.sent"] >= 0
    assert not any(key.startswith("system.gpu.") for key in last)  # no GPU here: the GPU part is absent
    assert api_run.system_metrics["system.proc.memory.rssMB"] == pytest.approx(last["system.proc.memory.rssMB"])
    assert [row["loss"] for row in api_run.history(pandas=False)] == [0.5] and api_run.lastHistoryStep == 0
