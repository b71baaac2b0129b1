"""Rewinding and forking runs through the service functions, on SQLite and PostgreSQL: histories spread
over compacted segments and the JSON tail, cut at steps inside a segment, at its edges and in gaps."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
import runbase
from conftest import Server, run_script, sdk_environment
from runbase_server import users
from runbase_server.errors import NotFound, UserError
from runbase.metrics import MetricRules
from runbase.summary import Summary
from runbase_server.runs import branching, runs
from runbase_server.tables import Run, RunFile
from sqlalchemy import select
from test_history import Store, canon, send, small_segments, store  # noqa: F401 - fixtures

pytestmark = pytest.mark.usefixtures("small_segments")  # COMPACT_AT 50, SEGMENT_ROWS 80


def rows_of(count: int, start: int = 0, scale: float = 1.0) -> list[dict[str, Any]]:
    """Rows with steps start, start+2, ...: some keys in every row, some in a few, values of every kind."""
    rows = []
    for i in range(count):
        step = start + 2 * i
        row: dict[str, Any] = {"_step": step, "loss": scale / (step + 1), "_runtime": step * 0.5}
        if step % 3 == 0:
            row["acc"] = step * scale
        if step % 10 == 0:
            row["tag"] = f"s{step}"
        if step % 14 == 0:
            row["odd"] = math.nan if step % 28 == 0 else [step, {"k": None}]
        rows.append(row)
    return rows


def keys_of(rows: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in rows:
        for key in row:
            counts[key] = counts.get(key, 0) + 1
    return counts


def last_values(rows: list[dict[str, Any]]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for row in rows:
        values.update(row)
    return values


def run_row(store: Store, name: str = "r") -> dict[str, Any]:
    with store.db.session() as session:
        run = session.scalar(select(Run).where(Run.name == name))
        assert run is not None
        return {"count": run.history_line_count, "last": run.last_step, "summary": dict(run.summary),
                "keys": {key: entry["typeCounts"][0]["count"] for key, entry in run.history_keys.items()},
                "types": {key: entry["typeCounts"][0]["type"] for key, entry in run.history_keys.items()},
                "config": dict(run.config)}


def set_summary(store: Store, summary: dict[str, Any]) -> None:
    with store.db.session() as session:
        run = session.scalar(select(Run).where(Run.name == "r"))
        assert run is not None
        run.summary = summary


def rewind(store: Store, step: Any, name: str = "r", metric: str = "_step") -> None:
    with store.db.session() as session:
        branching.rewind(session, users.admin_viewer(session), None, "p", name=name, metric_name=metric,
                         metric_value=step)


def fork(store: Store, name: str, source: str, step: Any) -> None:
    config = json.dumps({"lr": {"value": 0.1}, "_wandb": {"value": {"branch_point": {"run_id": source, "step": step}}}})
    with store.db.session() as session:
        viewer = users.admin_viewer(session)
        run, inserted = runs.upsert(session, viewer, {"model_name": "p", "name": name, "config": config,
                                                      "summary_metrics": json.dumps({"own": 1})})
        assert inserted
        branching.fork(session, viewer, run)
    store.names.add(name)


def test_rewind_keeps_the_rows_up_to_the_step_in_segments_and_tail(store: Store) -> None:
    rows = rows_of(230)  # steps 0..458, in batches of 37: several segments of at most 80 rows and a tail
    send(store, rows, 37)
    assert store.layout()[0] and store.layout()[1] >= 3
    assert run_row(store)["keys"] == keys_of(rows)  # counted over every batch, not frozen after the first
    set_summary(store, {**last_values(rows), "note": "kept"})
    rewind(store, 201)  # inside a segment, between two steps: the last row kept is 200
    kept = [row for row in rows if row["_step"] <= 201]
    assert canon(store.scan_all()) == canon(kept)
    assert canon(store.scan_all(["acc"], limit=7)) == canon([{"_step": r["_step"], "acc": r["acc"]}
                                                             for r in kept if "acc" in r])
    state = run_row(store)
    assert (state["count"], state["last"]) == (len(kept), 200)
    assert state["keys"] == keys_of(kept) and state["types"]["tag"] == "string" and state["types"]["acc"] == "number"
    assert canon([state["summary"]]) == canon([{**last_values(kept), "note": "kept"}])
    sample = store.sampled(None, 10)
    assert sample[0]["_step"] == 0 and sample[-1]["_step"] == 200 and len(sample) == 10
    more = rows_of(40, start=202, scale=-1.0)  # logging goes on after the step
    send(store, more, 15)
    assert canon(store.scan_all(limit=33)) == canon(kept + more)
    assert run_row(store)["count"] == len(kept) + len(more)


def test_rewind_at_the_edges(store: Store) -> None:
    rows = rows_of(230)
    send(store, rows, 80)  # segments of 80 rows: steps 0..158, 160..318, ...
    for step in (458, 160, 158, 0):  # the last step, a segment's first and last, the first
        rewind(store, step)
        kept = [row for row in rows if row["_step"] <= step]
        assert canon(store.scan_all()) == canon(kept) and run_row(store)["last"] == step
        assert canon(store.read(min_step=step)) == canon([kept[-1]])


SHA = "0123456789abcdef" * 4
SOURCE_FILES = {  # name: in a fork at step 300
    "media/images/img_300_0123456789abcdef0123.png": True, "media/images/img_302_0123456789abcdef0123.png": False,
    "media/images/a_7_b/c_12_0123456789abcdef0123.png": True, "media/table/t_460_0123456789abcdef0123.table.json":
    False, "media/images/0123456789abcdef0123.png": True, "code/train.py": True, "diff.patch": True,
    "requirements.txt": True, "notes_999_x.txt": True, "wandb-metadata.json": False, "output.log": False}


def files_of(store: Store, name: str) -> dict[str, tuple[str, int]]:
    with store.db.session() as session:
        return {row.name: (row.sha256, row.size) for row in session.scalars(
            select(RunFile).join(Run).where(Run.name == name))}


def test_fork_copies_the_source_up_to_the_step_and_leaves_it_alone(store: Store) -> None:
    rows = rows_of(230)
    send(store, rows, 37)
    set_summary(store, {"best": 7, "own": 0})
    with store.db.session() as session:  # as the SDK names them (media/SUBDIR/KEY_STEP_SHA20EXT); blobs shared
        run_id = session.scalar(select(Run.id).where(Run.name == "r"))
        session.add_all(RunFile(run_id=run_id, name=name, sha256=SHA, size=len(name)) for name in SOURCE_FILES)
    before = run_row(store)
    fork(store, "f", "r", 300.5)
    # The source's files as at step 300, pointing at the same blobs; not the files of its own process.
    assert files_of(store, "f") == {name: (SHA, len(name)) for name, kept in SOURCE_FILES.items() if kept}
    assert len(files_of(store, "r")) == len(SOURCE_FILES)
    copied = [row for row in rows if row["_step"] <= 300]
    assert canon(store.scan_all(run="f")) == canon(copied)
    state = run_row(store, "f")
    assert (state["count"], state["last"], state["keys"]) == (len(copied), 300, keys_of(copied))
    # The source's summary at the step (its hand-set keys; _step and _runtime of the row at 300) under the
    # fork's own keys.
    assert state["summary"] == {"best": 7, "own": 1, "_step": 300, "_runtime": 150.0}
    assert state["config"]["_wandb"]["branch_point"] == {"run_id": "r", "step": 300.5}
    assert canon(store.scan_all()) == canon(rows) and run_row(store) == before
    more = rows_of(20, start=301)
    send(store, more, 7, run="f")
    assert canon(store.scan_all(run="f")) == canon(copied + more)
    assert canon(store.scan_all()) == canon(rows)
    fork(store, "g", "f", 0)  # a fork of a fork, at its first step
    assert canon(store.scan_all(run="g")) == canon(rows[:1])
    assert "media/images/a_7_b/c_12_0123456789abcdef0123.png" not in files_of(store, "g")


def sdk_summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The summary the SDK sends after logging `rows` with define_metric's summaries (its own code folds them)."""
    rules, summary = MetricRules(), Summary()
    rules.define("loss", summary="min,max,mean,first,last")
    rules.define("acc", summary="max,first")
    rules.define("mixed", summary="min,max,mean,last")
    rules.define("words", summary="min,last")  # strings: only last
    rules.define("hidden", summary="none")
    rules.define("late", summary="mean")
    for row in rows:
        rules.observe(row, summary)
    return {**summary._data, "note": "set by hand"}


def test_rewind_and_fork_recompute_the_summary_at_the_step(store: Store) -> None:
    """The summary at the step is what the SDK had sent then: define_metric's aggregates over the rows up to
    it (NaN never ranks nor averages; the mean exact to the bit), last values, keys logged later dropped,
    hand-set ones kept, summary="none" keys left out."""
    rows = []
    for i in range(230):
        step = 2 * i
        row: dict[str, Any] = {"_step": step, "_runtime": step * 0.5, "_timestamp": 1.7e9 + step / 7,
                               "loss": math.nan if step % 7 == 0 else math.sin(step) * 100 + 1 / 3,
                               "hidden": step, "words": f"w{step}"}
        if step % 3 == 0:
            row["acc"] = (step * 7919) % 101 - 50
        if step % 5 == 0:
            row["mixed"] = [step, f"s{step}", math.nan, -step * 0.25, True][(step // 5) % 5]
        if step % 20 == 0:
            row["img"] = {"_type": "image-file", "path": f"media/images/img_{step}_{'0' * 20}.png"}
        if step > 300:
            row["late"], row["late_last"] = step * 0.1, step
        rows.append(row)
    send(store, rows, 37)
    set_summary(store, sdk_summary(rows))
    fork(store, "f", "r", 300.5)
    assert canon([run_row(store, "f")["summary"]]) == canon([{**sdk_summary(rows[:151]), "own": 1}])
    rewind(store, 201)
    assert canon([run_row(store)["summary"]]) == canon([sdk_summary(rows[:101])])
    rewind(store, 0)
    assert canon([run_row(store)["summary"]]) == canon([sdk_summary(rows[:1])])


def test_bad_rewinds_change_nothing(store: Store) -> None:
    rows = rows_of(230)
    send(store, rows, 37)
    before = run_row(store)
    for step, metric, error in ((459, "_step", "no step 459 to rewind at: its last step is 458"),
                                (-1, "_step", "non-negative"), (math.inf, "_step", "non-negative"),
                                (math.nan, "_step", "non-negative"), (3, "loss", "by the metric '_step' only"),
                                (2.0**53 + 2, "_step", r"at most 2\^53 \(9007199254740992\).* not 9.0072e\+15$"),
                                (1e300, "_step", r"not 1e\+300$"), (10**400, "_step", "not a number beyond 1e308$")):
        with pytest.raises(UserError, match=error):
            rewind(store, step, metric=metric)
    with pytest.raises(NotFound):
        rewind(store, 3, name="nope")
    assert canon(store.scan_all()) == canon(rows) and run_row(store) == before


def test_bad_forks_change_nothing(store: Store) -> None:
    send(store, rows_of(10), 10)
    store.append([], run="empty")
    with pytest.raises(NotFound, match="no run nope to fork from"):
        fork(store, "f1", "nope", 3)
    with pytest.raises(UserError, match="no step 19 to fork at"):
        fork(store, "f2", "r", 19)
    with pytest.raises(UserError, match=r"at most 2\^53.* not 9.0072e\+15$"):  # JSON: an exact integer
        fork(store, "f2", "r", 2**53 + 1)
    with pytest.raises(UserError, match="has no history to fork"):
        fork(store, "f3", "empty", 0)
    with pytest.raises(UserError, match="branch_point must be"):
        _bad_point(store)
    with store.db.session() as session:
        assert not session.scalars(select(Run.name).where(Run.name.like("f%"))).all()


def upsert_config(store: Store, name: str, config: dict[str, Any]) -> bool:
    with store.db.session() as session:
        return runs.upsert(session, users.admin_viewer(session), {"model_name": "p", "name": name,
                                                                  "config": json.dumps(config)},
                           check_config=branching.check_config)[1]


def test_a_branch_point_never_changes_a_run_that_exists(store: Store) -> None:
    """A fork's upsertBucket naming a run that exists (two forks racing for one id) is refused; the run's own
    branch point (a fork's kept as it goes on, a rewind's naming the run itself) passes."""
    send(store, rows_of(10), 10)
    fork(store, "f", "r", 3)
    point = {"run_id": "r", "step": 3}
    for name, other in (("r", {"run_id": "f", "step": 1}), ("f", {"run_id": "r", "step": 4})):
        before = run_row(store, name)
        with pytest.raises(UserError, match=f"run {name} already exists, so it cannot be forked"):
            upsert_config(store, name, {"_wandb": {"value": {"branch_point": other}}, "lr": {"value": 9}})
        assert run_row(store, name) == before
    assert not upsert_config(store, "f", {"_wandb": {"value": {"branch_point": point}}, "lr": {"value": 0.2}})
    assert run_row(store, "f")["config"]["lr"] == 0.2
    assert not upsert_config(store, "f", {"_wandb": {"value": {"branch_point": {"run_id": "f", "step": 5}}}})
    assert not upsert_config(store, "r", {"x": {"value": 1}})


def _bad_point(store: Store) -> None:
    with store.db.session() as session:
        viewer = users.admin_viewer(session)
        run, _ = runs.upsert(session, viewer, {"model_name": "p", "name": "f4", "config": json.dumps(
            {"_wandb": {"value": {"branch_point": "r?_step=3"}}})})
        branching.fork(session, viewer, run)



# ------------------------------------------------------------------ through the SDK, against a real server

LOG = "mutation($i: LogHistoryInput!) { logHistory(input: $i) { accepted } }"
BUCKET = "mutation($i: UpsertBucketInput!) { upsertBucket(input: $i) { inserted } }"


def _made_run(server: Server, key: str, entity: str, project: str, name: str, steps: int) -> None:
    """A run with history 0..steps-1, made through GraphQL as `key`'s user."""
    for query, fields in ((BUCKET, {"modelName": project, "name": name}),
                          (LOG, {"projectName": project, "runName": name,
                                 "rows": json.dumps([{"_step": i, "x": i} for i in range(steps)])})):
        answer = server.graphql(query, {"i": {"entityName": entity, **fields}}, key=key)
        assert "errors" not in answer, answer


def _user(server: Server, prefix: str) -> tuple[str, str]:
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    return name, server.create_user(name)


def test_sdk_fork_and_rewind(server: Server, tmp_path: Path) -> None:
    """W&B's examples: log 0..99, fork at 40 and log on in the fork, rewind the source to 40 and log on; each
    history read back through the public API is exactly the rows up to 40, then the new ones."""
    me, key = _user(server, "brancher")
    _made_run(server, key, me, "branch", "live", 10)  # running, heard from just now
    env = {**sdk_environment(server, tmp_path), "RUNBASE_API_KEY": key}
    result = run_script("""
        import json, runbase
        read = lambda run_id: runbase.Api().run(f"branch/{run_id}")
        with runbase.init(project="branch", id="ignored", resume_from="live?_step=5") as live:
            live_id = live.id
        with runbase.init(project="branch", config={"lr": 0.1}) as run:
            for i in range(100):
                row = {"loss": 1 / (i + 1), "i": i}
                if i % 3 == 0:
                    row["acc"] = i * 2
                if i % 10 == 0:
                    row["text"] = f"s{i}"
                run.log(row)
            run.summary["best"] = 5
            source = run.id
        with runbase.init(project="branch", fork_from=f"{source}?_step=40", config={"lr": 0.2}) as fork:
            start = fork.step
            for i in range(41, 60):
                fork.log({"loss": -i, "new": i})
        after_fork = list(read(source).scan_history())
        with runbase.init(project="branch", resume_from=f"{source}?_step=40") as run:
            rewound_start, rewound_config = run.step, dict(run.config)
            for i in range(41, 50):
                run.log({"loss": 100 + i})
        with runbase.init(project="branch", id=fork.id, resume="allow") as again:  # keeps where it came from
            again.config["extra"] = 1
        with runbase.init(project="branch", mode="offline", fork_from=f"{source}?_step=20") as offline:
            for i in range(21, 24):
                offline.log({"loss": -i})
        with runbase.init(project="branch", mode="offline", id="early") as early:  # not on the server yet
            for i in range(10):
                early.log({"e": i})
        with runbase.init(project="branch", resume_from="early?_step=5") as late:  # uploads it, then rewinds
            for i in range(6, 9):
                late.log({"e": -i})
        print(json.dumps({"source": source, "fork": fork.id, "offline": offline.id, "start": start, "live": live_id,
                          "after_fork": after_fork,
                          "rewound_start": rewound_start, "rewound_config": rewound_config}))
    """, env)
    out = json.loads(result.stdout.strip().splitlines()[-1])
    api = runbase.Api(overrides={"base_url": server.url}, api_key=key)
    source, fork = api.run(f"{me}/branch/{out['source']}"), api.run(f"{me}/branch/{out['fork']}")
    # resume_from wins over id (W&B's reference), with a warning; rewinding a run that looks live warns.
    assert out["live"] == "live" and [row["x"] for row in api.run(f"{me}/branch/live").scan_history()] == list(
        range(6))
    assert "id='ignored' and resume_from='live?_step=5' name different runs: resume_from takes precedence" in \
        result.stderr
    assert f"run {me}/branch/live is running and was heard from" in result.stderr
    assert "another process seems to be writing it" in result.stderr
    assert result.stderr.count("another process seems") == 1  # not for a finished run
    assert "ignored" not in [run.id for run in api.runs(f"{me}/branch")]

    def logged(i: int) -> dict[str, Any]:
        return {"loss": 1 / (i + 1), "i": i, **({"acc": i * 2} if i % 3 == 0 else {}),
                **({"text": f"s{i}"} if i % 10 == 0 else {})}

    def rows(read: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{k: v for k, v in row.items() if k not in ("_runtime", "_timestamp")} for row in read]

    original = [{"_step": i, **logged(i)} for i in range(100)]
    assert rows(out["after_fork"]) == original  # the fork left its source alone
    assert out["start"] == out["rewound_start"] == 41
    assert rows(list(fork.scan_history())) == original[:41] + [{"_step": i, "loss": -i, "new": i}
                                                               for i in range(41, 60)]
    assert rows(list(source.scan_history())) == original[:41] + [{"_step": i, "loss": 100 + i}
                                                                 for i in range(41, 50)]
    assert (source.lastHistoryStep, source._attrs["history_line_count"]) == (49, 50)
    assert (fork.lastHistoryStep, fork._attrs["history_line_count"]) == (59, 60)
    # Rewound: the summary recomputed from the history left (acc last logged at 39), keys never logged kept.
    assert {k: source.summary[k] for k in ("loss", "i", "acc", "text", "best", "_step")} == {
        "loss": 149, "i": 40, "acc": 78, "text": "s40", "best": 5, "_step": 49}
    # Forked: the source's summary at step 40 (acc last logged at 39, not its later 198: a branch at 40 shows
    # nothing logged after it), under what the fork logged; its own config; where it came from.
    assert {k: fork.summary[k] for k in ("loss", "new", "acc", "i", "best")} == {"loss": -59, "new": 59, "acc": 78,
                                                                                  "i": 40, "best": 5}
    assert fork.config == {"lr": 0.2, "extra": 1} and out["rewound_config"]["lr"] == 0.1
    point = {"run_id": out["source"], "step": 40}
    assert fork.rawconfig["_wandb"]["value"]["branch_point"] == point == source.rawconfig["_wandb"]["value"][
        "branch_point"]
    # Offline, the fork is made when the run is synced; the sync leaves the rewound run's first session alone.
    synced = subprocess.run([sys.executable, "-m", "runbase.cli", "sync", str(tmp_path / "runs")], env=env,
                            capture_output=True, text=True, timeout=120)
    assert synced.returncode == 0, synced.stderr
    assert "its run was rewound after it logged" in synced.stderr  # the source's first session: not replayed
    assert rows(list(api.run(f"{me}/branch/{out['offline']}").scan_history())) == original[:21] + [
        {"_step": i, "loss": -i} for i in range(21, 24)]
    early = [{"_step": row["_step"], "e": row["e"]} for row in api.run(f"{me}/branch/early").scan_history()]
    assert early == [{"_step": i, "e": i} for i in range(6)] + [{"_step": i, "e": -i} for i in range(6, 9)]
    sampled = source.history(samples=7, keys=["acc"], pandas=False)
    assert [row["_step"] for row in sampled][0] == 0 and sampled[-1] == {"_step": 39, "acc": 78}
    assert [row["_step"] for row in fork.scan_history(keys=["new"], min_step=57)] == [57, 58, 59]


def test_sdk_bad_branch_points_are_refused_and_change_nothing(server: Server, tmp_path: Path) -> None:
    me, key = _user(server, "brancher")
    other, other_key = _user(server, "stranger")
    _made_run(server, key, me, "branch", "src", 10)
    _made_run(server, other_key, other, "theirs", "their-run", 10)
    env = {**sdk_environment(server, tmp_path), "RUNBASE_API_KEY": key}
    result = run_script(f"""
        import json, runbase
        errors = []
        for kwargs in [dict(resume_from="nope?_step=3"), dict(resume_from="src?_step=10"),
                       dict(fork_from="nope?_step=3"), dict(fork_from="src?_step=10"),
                       dict(resume_from="src"), dict(resume_from="src?step=3"), dict(fork_from="src?_step=x"),
                       dict(fork_from="src?_step=-1"), dict(fork_from="src?_step=1&_step=2"),
                       dict(fork_from="?_step=1"), dict(fork_from=7),
                       dict(resume_from="src?_step=3", fork_from="src?_step=3"),
                       dict(resume_from="src?_step=3", resume="allow"), dict(resume_from="src?_step=9007199254740993"),
                       dict(fork_from="src?_step=3", id="src"),
                       dict(resume_from="src?_step=3", mode="offline"),
                       dict(entity="{other}", project="theirs", resume_from="their-run?_step=3"),
                       dict(entity="{other}", project="theirs", fork_from="their-run?_step=3"),
                       dict(fork_from="their-run?_step=3")]:
            try:
                runbase.init(project=kwargs.pop("project", "branch"), **kwargs)
            except runbase.UsageError as exc:
                errors.append(str(exc))
            else:
                errors.append(None)
        runbase.init(project="branch", id="taken", fork_from="src?_step=3").finish()
        from runbase.connection import Connection  # as if another process made "taken" after init looked
        Connection.run_resume_status = lambda self, **kwargs: type("Answer", (), {{"project": None}})()
        for point in ("src?_step=3", "src?_step=4"):  # the server takes the first (the same branch point)
            try:
                runbase.init(project="branch", id="taken", fork_from=point)
            except runbase.UsageError as exc:
                errors.append(str(exc))
            else:
                errors.append(None)
        print(json.dumps(errors))
    """, env)
    errors = json.loads(result.stdout.strip().splitlines()[-1])
    expected = ["no run", "no step 10 to rewind at: its last step is 9", "no run nope to fork from",
                "no step 10 to fork at", "cannot read the run moment", "only the metric '_step'",
                "cannot read the run moment",
                "non-negative", *["cannot read the run moment"] * 2, "must be a string",
                "resume_from and fork_from cannot be used together", "resume and resume_from cannot be used together",
                "at most 2^53", "give it another id", "offline run cannot reach", "cannot rewind run",
                "cannot fork run", "no run their-run to fork from",
                "a run with that id was just made by another process", "already exists, so it cannot be forked"]
    assert len(errors) == len(expected)
    assert all(error is not None and words in error for error, words in zip(errors, expected)), errors
    api = runbase.Api(overrides={"base_url": server.url}, api_key=key)
    assert [run.id for run in api.runs(f"{me}/branch")] == ["src", "taken"]
    assert api.run(f"{me}/branch/taken").rawconfig["_wandb"]["value"]["branch_point"] == {"run_id": "src", "step": 3}
    assert [row["x"] for row in api.run(f"{me}/branch/src").scan_history()] == list(range(10))
    theirs = runbase.Api(overrides={"base_url": server.url}, api_key=other_key).run(f"{other}/theirs/their-run")
    assert [row["x"] for row in theirs.scan_history()] == list(range(10))
