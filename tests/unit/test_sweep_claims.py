"""Claiming sweep suggestions and judging runs in-process, on SQLite: bayes's model is fitted before the request
writes anything (another writer is not kept waiting) and on a bounded number of runs; a lost suggestion is handed
out again a bounded number of times under its own number; a run deleted after it reached the server frees
nothing; grid skips combinations runs have; hyperband reads histories only as far as its brackets need."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import MigratedDatabases
from runbase_server import users
from runbase_server.auth import Viewer
from runbase_server.database import Database
from runbase_server.runs import history
from runbase_server.sweeps import agents, bayes, hyperband, sweeps
from runbase_server.tables import Run, Sweep, SweepAgent, SweepSuggestion
from sqlalchemy import delete, select, update

BAYES = {"method": "bayes", "metric": {"name": "loss", "goal": "minimize"},
         "parameters": {"x": {"min": 0.0, "max": 1.0}, "y": {"min": 0.0, "max": 1.0}}}
SILENT = timedelta(seconds=60)


@pytest.fixture
def db(tmp_path: Path, migrated: MigratedDatabases) -> Any:
    found = Database(migrated.url("sqlite", tmp_path))
    yield found
    found.dispose()


def _sweep(db: Database, config: dict[str, Any]) -> tuple[Viewer, int]:
    with db.session() as session:
        user = users.create_user(session, "owner")
        viewer = Viewer(user_id=user.id, username="owner", admin=False)
        sweep = sweeps.create(session, viewer, sweeps.Changes(project="p", config=json.dumps(config)))
        return viewer, sweep.id


def _agent(db: Database, viewer: Viewer, sweep_id: int) -> int:
    with db.session() as session:
        sweep = session.get(Sweep, sweep_id)
        assert sweep is not None
        return agents.create(session, viewer, entity="owner", project="p", sweep=sweep.name, host=None).id


def _beat(db: Database, agent_id: int, run_states: dict[str, str] | None = None) -> list[dict[str, Any]]:
    with db.session() as session:
        agent = session.get(SweepAgent, agent_id)
        assert agent is not None
        return agents.heartbeat(session, agent, run_states or {}, silent_for=SILENT)


def test_bayes_fits_outside_the_write_transaction_on_the_best_and_newest_runs(
        db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    viewer, sweep_id = _sweep(db, BAYES)
    rng = np.random.default_rng(0)
    with db.session() as session:
        sweep = session.get(Sweep, sweep_id)
        assert sweep is not None
        for number in range(400):
            x, y = rng.random(2)
            session.add(Run(project_id=sweep.project_id, name=f"r{number}", state="finished", sweep_id=sweep_id,
                            config={"x": x, "y": y}, summary={"loss": {"min": float(number), "last": 1e9}}))
    agent_id = _agent(db, viewer, sweep_id)
    fitted: list[np.ndarray] = []
    writes: list[bool] = []
    real_fit, real_scaled = bayes._fit, bayes._scaled

    def watched(x: np.ndarray, y: np.ndarray, *, seed: int) -> Any:
        other = sqlite3.connect(tmp_path / "sweeps.db", timeout=0.05)  # another request's write, not waiting
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            writes.append(True)
        except sqlite3.OperationalError:
            writes.append(False)
        finally:
            other.close()
        return real_fit(x, y, seed=seed)

    monkeypatch.setattr(bayes, "_fit", watched)
    monkeypatch.setattr(bayes, "_scaled", lambda y: (fitted.append(y), real_scaled(y))[1])  # the runs' metric
    commands = _beat(db, agent_id)
    assert [c["type"] for c in commands] == ["run"]
    assert writes == [True]
    assert len(fitted) == 1 and len(fitted[0]) == bayes.BEST_RUNS + bayes.NEWEST_RUNS
    # the summary's min (define_metric's), not its last value; the best 100 and the newest 100
    assert sorted(fitted[0].tolist()) == [float(n) for n in [*range(100), *range(300, 400)]]


def test_two_claims_from_one_model_get_distinct_numbers_and_points(db: Database) -> None:
    viewer, sweep_id = _sweep(db, BAYES)
    with db.session() as session:
        sweep = session.get(Sweep, sweep_id)
        assert sweep is not None
        for number in range(10):
            session.add(Run(project_id=sweep.project_id, name=f"r{number}", state="finished", sweep_id=sweep_id,
                            config={"x": number / 10, "y": 0.5}, summary={"loss": (number - 4) ** 2}))
    first, second = _agent(db, viewer, sweep_id), _agent(db, viewer, sweep_id)
    with db.session() as session:
        sweep = session.get(Sweep, sweep_id)
        assert sweep is not None
        model = sweeps.prepare(session, sweep)  # both fitted before either claims, as two requests at once
    assert model is not None
    made = []
    for agent_id in (first, second):
        with db.session() as session:
            sweep, agent = session.get(Sweep, sweep_id), session.get(SweepAgent, agent_id)
            assert sweep is not None and agent is not None
            made.append(sweeps.claim(session, sweep, agent, silent_for=SILENT, model=model))
    with db.session() as session:
        numbers = session.scalars(select(SweepSuggestion.number).where(SweepSuggestion.sweep_id == sweep_id)).all()
    assert sorted(numbers) == [0, 1]
    assert made[0] is not None and made[1] is not None and made[0].parameters != made[1].parameters


def test_a_summary_gives_its_finite_numbers_for_the_metric() -> None:
    config = sweeps.sweep_config.parse({**BAYES, "parameters": {"x": {"min": 0.0, "max": 1.0}}})
    assert sweeps.summary_numbers({"loss": {"min": 1.0, "max": 3, "mean": 9.0}}, "loss") == [1.0, 3.0]
    assert sweeps.summary_numbers({"loss": 2}, "loss") == [2.0]
    assert sweeps.summary_numbers({"loss": float("nan"), "x": 1}, "loss") == []
    assert sweeps.summary_numbers({"loss": True}, "loss") == [] and sweeps.summary_numbers([], "loss") == []
    assert bayes.fit(config, seed=1, observed=[]) is None


def _metric(**given: Any) -> Any:
    config = sweeps.sweep_config.parse({**BAYES, "metric": {"name": "loss", **given}})
    assert config.metric is not None
    return config.metric


def _observed(runs: list[bayes.Evaluated], **metric: Any) -> list[tuple[str, float]]:
    return [(o.parameters["name"], o.value) for o in bayes.observations(runs, _metric(**metric))]


def _evaluated(name: str, state: str, low: float | None = None, high: float | None = None,
               last: float | None = None) -> bayes.Evaluated:
    return bayes.Evaluated({"name": name}, state, low=low, high=high, last=last)


RUNS = [_evaluated("done", "finished", 1.0, 5.0, 2.0), _evaluated("silent", "finished"),
        _evaluated("failed", "failed", 0.5, 3.0, 3.0), _evaluated("crashed", "crashed", 4.0, 9.0, 4.0),
        _evaluated("empty", "killed"), _evaluated("going", "running", 0.1, 0.7, 0.7),
        _evaluated("waiting", "pending"), _evaluated("preempted", "preempted", 0.2, 0.2, 0.2)]


def test_bayes_observes_the_runs_as_w_and_b_does() -> None:
    # minimize: a finished run by its least value; the worst is the greatest value of an ended run (9, the
    # crashed one's), and every failed, crashed or killed run, and a finished one without a value, takes it
    assert _observed(RUNS) == [("done", 1.0), ("silent", 9.0), ("failed", 9.0), ("crashed", 9.0), ("empty", 9.0)]
    # maximize: its greatest; the worst is the least value of an ended run (0.5)
    assert _observed(RUNS, goal="maximize") == [("done", 5.0), ("silent", 0.5), ("failed", 0.5), ("crashed", 0.5),
                                                ("empty", 0.5)]
    # impute best: a run's own best, 0 without one; latest: the last it logged, 0 without one
    assert _observed(RUNS, impute="best") == [("done", 1.0), ("silent", 0.0), ("failed", 0.5), ("crashed", 4.0),
                                              ("empty", 0.0)]
    assert _observed(RUNS, impute="latest")[1:] == [("silent", 0.0), ("failed", 3.0), ("crashed", 4.0),
                                                    ("empty", 0.0)]
    # impute_while_running: running runs are observed too (pending and preempted ones still wait)
    assert _observed(RUNS, impute_while_running="best")[-1] == ("going", 0.1)
    assert _observed([_evaluated("going", "running")], impute_while_running="latest") == [("going", 0.0)]
    assert _observed(RUNS, impute_while_running="false") == _observed(RUNS)
    assert _observed([_evaluated("silent", "finished")]) == [("silent", 0.0)]  # no value anywhere: W&B's 0


def test_bayes_reads_each_runs_extremum_over_its_history_and_summary(
        db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    viewer, sweep_id = _sweep(db, BAYES)
    logged = {"low-early": [0.25, 3.0, 2.0],  # its summary says 2 (the last): its history's 0.25 counts
              "compacted": [5.0, 1.5, float("nan"), 4.0],
              "summary-best": [6.0, 7.0],  # its summary holds a lower value than its history
              "crashed": [8.0, 11.0],  # failed runs take the worst, 11 here
              "going": [0.01]}  # running: waits, not observed
    states = {"crashed": "crashed", "going": "running"}
    with db.session() as session:
        sweep = session.get(Sweep, sweep_id)
        assert sweep is not None
        for number, (name, values) in enumerate(logged.items()):
            session.add(Run(project_id=sweep.project_id, name=name, state="running", sweep_id=sweep_id,
                            config={"x": number / 10, "y": 0.5}))
        session.flush()
        for name, values in logged.items():
            rows = [{"_step": step, "loss": value} for step, value in enumerate(values)]
            history.append(session, viewer, "owner", "p", run_name=name, rows_text=json.dumps(rows))
            run = session.scalar(select(Run).where(Run.name == name))
            assert run is not None
            run.state = states.get(name, "finished")
            run.summary = {"loss": 0.5 if name == "summary-best" else values[-1]}
            if name == "compacted":
                history.compact(session, run)
    seen: list[list[tuple[float, float]]] = []
    monkeypatch.setattr(bayes, "fit", lambda config, *, seed, observed: seen.append(
        [(o.parameters["x"], o.value) for o in observed]))
    with db.session() as session:
        sweep = session.get(Sweep, sweep_id)
        assert sweep is not None
        sweeps.prepare(session, sweep)
    assert seen == [[(0.0, 0.25), (0.1, 1.5), (0.2, 0.5), (0.3, 11.0)]]


def _lose(db: Database, sweep_id: int, *, run_state: str | None) -> None:
    """Every agent silent for long, and the suggestions' runs as given (None: never reached the server)."""
    with db.session() as session:
        session.execute(update(SweepAgent).values(heartbeat_at=sweeps.utcnow() - 2 * SILENT))
        sweep = session.get(Sweep, sweep_id)
        assert sweep is not None
        for name in session.scalars(select(SweepSuggestion.run_name).where(SweepSuggestion.sweep_id == sweep_id)):
            if run_state is not None and session.scalar(select(Run.id).where(Run.name == name)) is None:
                run = Run(project_id=sweep.project_id, name=name, state=run_state)
                session.add(run)
                session.flush()
                sweeps.link_run(session, run, sweep.name)


def test_a_suggestion_whose_run_always_crashes_is_handed_out_three_times_and_the_cap_holds(
        db: Database) -> None:
    config = {"method": "random", "run_cap": 2, "parameters": {"x": {"min": 0.0, "max": 1.0}}}
    viewer, sweep_id = _sweep(db, config)
    for _ in range(8):
        agent_id = _agent(db, viewer, sweep_id)
        _beat(db, agent_id)
        _lose(db, sweep_id, run_state="crashed")
        with db.session() as session:
            session.execute(update(Run).where(Run.state == "running").values(state="crashed"))
    with db.session() as session:
        sweep = session.get(Sweep, sweep_id)
        assert sweep is not None
        assert sweep.run_count_expected == 2
        numbers = session.scalars(select(SweepSuggestion.number).where(SweepSuggestion.sweep_id == sweep_id)).all()
    assert sorted(numbers) == [0, 0, 0, 1, 1, 1]


def test_a_deleted_run_that_reached_the_server_frees_no_suggestion(db: Database) -> None:
    config = {"method": "grid", "parameters": {"x": {"values": [1, 2]}}}
    viewer, sweep_id = _sweep(db, config)
    agent_id = _agent(db, viewer, sweep_id)
    assert [c["type"] for c in _beat(db, agent_id)] == ["run"]
    _lose(db, sweep_id, run_state="finished")
    with db.session() as session:
        session.execute(delete(Run))
    assert _beat(db, _agent(db, viewer, sweep_id))[0]["args"] == {"x": {"value": 2}}
    assert [c["type"] for c in _beat(db, _agent(db, viewer, sweep_id))] == ["exit"]


def test_a_log_value_rounded_to_zero_stays_in_the_model() -> None:
    config = sweeps.sweep_config.parse({**BAYES, "parameters": {
        "lr": {"distribution": "q_log_uniform_values", "min": 0.001, "max": 1.0, "q": 1}}})
    params = list(sweeps.sweep_config.leaves(config.parameters))
    assert bayes._encode(params, {"lr": 0}) == [bayes.EDGE]


GRID = {"method": "grid", "parameters": {"a": {"values": [1, 2, 3]}, "b": {"values": ["x", "y"]}, "c": {"value": 0}}}


def _handed(db: Database, agent_id: int) -> list[tuple[Any, ...]]:
    """The combinations the agent is handed, in order, until it is told to exit."""
    handed = []
    while (commands := _beat(db, agent_id))[0]["type"] == "run":
        handed.append(tuple(arg["value"] for _, arg in sorted(commands[0]["args"].items())))
    assert [c["type"] for c in commands] == ["exit"]
    return handed


def test_grid_hands_out_no_combination_a_prior_run_has(db: Database) -> None:
    viewer, other = _sweep(db, {"method": "grid", "parameters": {"a": {"values": [1]}}})
    priors = {"p1": {"a": 2.0, "b": "x", "c": 5},  # (2, "x"): 2.0 is 2, and the constant c is not compared
              "p2": {"a": 1},  # lacks b: has no combination
              "p3": {"a": 9, "b": "x"},  # outside the grid
              "p4": {"a": True, "b": "y"},  # true is not 1
              "p5": {"a": 3, "b": "y", "extra": [1]}}
    with db.session() as session:
        project_id = session.get(Sweep, other).project_id  # type: ignore[union-attr]
        session.add_all(Run(project_id=project_id, name=name, state="finished", config=run_config)
                        for name, run_config in priors.items())
        session.flush()
        sweep_id = sweeps.create(session, viewer, sweeps.Changes(
            project="p", config=json.dumps(GRID),
            prior_runs_filters=json.dumps({"$or": [{"name": name} for name in priors]}))).id
    assert _handed(db, _agent(db, viewer, sweep_id)) == [(1, "x", 0), (1, "y", 0), (2, "y", 0), (3, "x", 0)]
    with db.session() as session:
        sweep = session.get(Sweep, sweep_id)
        assert sweep is not None and (sweep.state, sweep.run_count_expected, sweep.claimed) == ("FINISHED", 6, 6)


def test_a_combination_a_run_has_takes_no_place_under_the_run_cap(db: Database) -> None:
    config = {"method": "grid", "run_cap": 2, "parameters": {"a": {"values": [1, 2, 3, 4, 5]}}}
    viewer, sweep_id = _sweep(db, config)
    with db.session() as session:
        sweep = session.get(Sweep, sweep_id)
        assert sweep is not None
        session.add(Run(project_id=sweep.project_id, name="prior", state="finished", config={"a": 1},
                        sweep_id=sweep_id))
    agent_id = _agent(db, viewer, sweep_id)
    assert _beat(db, agent_id)[0]["args"] == {"a": {"value": 2}}
    with db.session() as session:  # a run that names the sweep without a suggestion joins it meanwhile
        sweep = session.get(Sweep, sweep_id)
        assert sweep is not None
        run = Run(project_id=sweep.project_id, name="joined", state="running", config={"a": 3})
        session.add(run)
        session.flush()
        sweeps.link_run(session, run, sweep.name)
    assert _handed(db, agent_id) == [(4,)]
    with db.session() as session:
        sweep = session.get(Sweep, sweep_id)
        assert sweep is not None and (sweep.state, sweep.run_count_expected) == ("FINISHED", 4)


RULES = [{"min_iter": 1, "eta": 3}, {"min_iter": 1, "eta": 3, "strict": False}, {"min_iter": 2, "eta": 2},
         {"max_iter": 27, "s": 3, "eta": 3}, {"max_iter": 40, "s": 2, "eta": 2, "strict": False}]


@pytest.mark.parametrize("goal", ["minimize", "maximize"])
def test_hyperband_reads_only_what_the_brackets_need_and_stops_the_same_runs(
        db: Database, monkeypatch: pytest.MonkeyPatch, goal: str) -> None:
    viewer, sweep_id = _sweep(db, {"method": "random", "parameters": {"x": {"min": 0.0, "max": 1.0}}})
    rng = np.random.default_rng(7)
    odd: list[Any] = [None, "x", True, float("nan"), float("inf")]
    logged: dict[str, list[Any]] = {}  # each run's values of the metric, in order, as logged
    with db.session() as session:
        sweep = session.get(Sweep, sweep_id)
        assert sweep is not None
        for number in range(14):
            name = f"r{number}"
            session.add(Run(project_id=sweep.project_id, name=name, state="running", sweep_id=sweep_id))
            session.flush()
            length = 3000 if number == 0 else int(rng.integers(0, 45))
            step = int(rng.integers(0, 5)) * 100  # some start late, some log sparsely, some other keys only
            rows, values = [], []
            for _ in range(length):
                row: dict[str, Any] = {"_step": step, "other": 1.0}
                if rng.random() < 0.9:
                    value = odd[int(rng.integers(len(odd)))] if rng.random() < 0.1 else float(rng.normal(5, 2))
                    row["loss"] = value
                    values.append(value)
                rows.append(row)
                step += int(rng.integers(1, 3))
            logged[name] = values
            for start in range(0, len(rows), 7):  # batches, as the SDK sends them
                history.append(session, viewer, "owner", "p", run_name=name,
                               rows_text=json.dumps(rows[start:start + 7]))
            if number % 3 == 0:
                run = session.scalar(select(Run).where(Run.name == name))
                assert run is not None
                history.compact(session, run)
    live = [f"r{n}" for n in (1, 2, 4, 5, 7, 8, 10, 11, 13)] + ["not-in-the-sweep"]
    read: dict[int, int] = {}
    real_scan = history.scan

    def counted(session: Any, run: Run, keys: Any, **options: Any) -> Any:
        page, following = real_scan(session, run, keys, **options)
        read[run.id] = read.get(run.id, 0) + len(json.loads(page))
        return page, following

    monkeypatch.setattr(history, "scan", counted)
    with db.session() as session:
        long_id = session.scalar(select(Run.id).where(Run.name == "r0"))
    stopped: list[list[str]] = []
    for early in RULES:
        config = sweeps.sweep_config.parse({"method": "random", "metric": {"name": "loss", "goal": goal},
                                            "parameters": {"x": {"min": 0.0, "max": 1.0}},
                                            "early_terminate": {"type": "hyperband", **early}})
        assert config.early_terminate is not None
        full = {name: hyperband.values(values, maximize=goal == "maximize") for name, values in logged.items()}
        expected = hyperband.to_stop(config.early_terminate, full, [name for name in live if name in full])
        read.clear()
        with db.session() as session:
            sweep = session.get(Sweep, sweep_id)
            assert sweep is not None
            assert agents.early_stopped(session, sweep, config, live) == expected, early
        stopped.append(expected)
        # r0, 3000 rows and not live, is read only as far as the live runs' brackets (they log under 45 values)
        assert 0 < read.get(long_id, 0) <= 45, early
    assert any(stopped) and any(found != stopped[0] for found in stopped)  # the rules disagree: a real check


def test_integers_beyond_float_range_count_as_infinite_and_are_passed_over(db: Database) -> None:
    """A run that logged 10**400 (JSON allows it) leaves heartbeats working: such an integer is an infinity,
    which no sweep ranks by."""
    huge = 10 ** 400
    assert history.finite_number(huge) is None and history.finite_number(-huge) is None
    assert history.finite_number(3) == 3.0 and history.finite_number(True) is None
    assert sweeps.summary_numbers({"loss": huge}, "loss") == []
    assert sweeps.summary_numbers({"loss": {"min": -huge, "max": 2, "last": huge}}, "loss") == [2.0]
    assert hyperband.values([huge, 1, -huge], maximize=False) == [1.0]
    viewer, sweep_id = _sweep(db, {**BAYES, "early_terminate": {"type": "hyperband", "min_iter": 1}})
    with db.session() as session:
        sweep = session.get(Sweep, sweep_id)
        assert sweep is not None
        for number, name in enumerate(["tail", "compacted", "going"]):
            session.add(Run(project_id=sweep.project_id, name=name, state="running", sweep_id=sweep_id,
                            config={"x": number / 10, "y": 0.5}))
        session.flush()
        for name in ("tail", "compacted", "going"):
            rows = [{"_step": 0, "loss": huge}, {"_step": 1, "loss": 2}, {"_step": 2, "loss": -huge}]
            history.append(session, viewer, "owner", "p", run_name=name, rows_text=json.dumps(rows))
            run = session.scalar(select(Run).where(Run.name == name))
            assert run is not None
            run.summary = {"loss": -huge}
            if name != "going":
                run.state = "finished"
            if name == "compacted":
                history.compact(session, run)
        ids = [run.id for run in session.scalars(select(Run).where(Run.sweep_id == sweep_id).order_by(Run.id))]
        found = history.extremes(session, ids, "loss")
        assert [found[i] for i in ids] == [history.Extremes(2.0, 2.0, 2.0)] * 3
    agent = _agent(db, viewer, sweep_id)
    assert _beat(db, agent, {"going": "running"}) == []
    assert [command["type"] for command in _beat(db, agent)] == ["run"]


@pytest.mark.parametrize("goal", ["minimize", "maximize"])
def test_only_a_finite_number_meets_the_metric_target(db: Database, goal: str) -> None:
    sign = 1 if goal == "minimize" else -1
    viewer, sweep_id = _sweep(db, {"method": "random", "metric": {"name": "loss", "goal": goal, "target": sign * 0.1},
                                   "parameters": {"x": {"min": 0.0, "max": 1.0}}})
    agent = _agent(db, viewer, sweep_id)
    for number, loss in enumerate([-sign * float("inf"), [sign * 0.01], "0.0", sign * 0.2, sign * 0.05]):
        with db.session() as session:
            session.add(Run(project_id=session.get(Sweep, sweep_id).project_id, name=f"r{number}", state="finished",
                            sweep_id=sweep_id, summary={"loss": loss}))
        expected = "exit" if number == 4 else "run"
        assert [command["type"] for command in _beat(db, agent)] == [expected], loss


@pytest.mark.parametrize("method", ["random", "bayes"])
def test_random_and_bayes_claims_never_enumerate_a_grid(db: Database, method: str) -> None:
    """Parameters with no grid (a normal distribution has no bounds) are fine outside grid search."""
    config = {**BAYES, "method": method, "parameters": {"a": {"min": 1, "max": 100}, "b": {"distribution": "normal"}}}
    viewer, sweep_id = _sweep(db, config)
    assert [c["type"] for c in _beat(db, _agent(db, viewer, sweep_id))] == ["run"]
