"""How sweep agents end: giving up on a program that keeps failing, Ctrl-C and SIGTERM (escalating to SIGKILL
for a program that ignores them, and the agent's exit status), runbase.init() arguments a sweep overrides,
a part not built said in one line; and the exit code of a run ended by SystemExit, in or out of a sweep."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from conftest import Server, run_script
from test_sweeps import env  # noqa: F401 - the SDK's environment, in agents and in this process

import runbase
from runbase import cli
from runbase.errors import UsageError
from runbase.states import exception_exit_code, exit_status
from runbase.sweeps import failures
from runbase.sweeps.failures import Failures

CLI = [sys.executable, "-m", "runbase.cli"]
# For what happens in the agent's process alone (signals, grace periods, its heartbeat thread): the server's
# part is the same heartbeat on either database, which tests/test_sweeps.py runs on both.
AGENT_SIDE_ONLY = pytest.mark.parametrize("backend", ["sqlite"], scope="session")


def _project() -> str:
    return f"agents-{uuid.uuid4().hex[:8]}"


def _runs(server: Server, project: str, sweep_id: str) -> dict[str, tuple[str, int | None, dict[str, Any]]]:
    answer = server.graphql("""query($p: String!, $s: String!) { project(name: $p) { sweep(sweepName: $s) {
        runs(first: 1000) { edges { node { name state exitCode config } } } } } }""", {"p": project, "s": sweep_id})
    assert "errors" not in answer, answer
    return {edge["node"]["name"]: (edge["node"]["state"], edge["node"]["exitCode"],
                                   {k: v["value"] for k, v in json.loads(edge["node"]["config"]).items()
                                    if not k.startswith("_")})
            for edge in answer["data"]["project"]["sweep"]["runs"]["edges"]}


# -- giving up on failing runs ---------------------------------------------------------------------------------

class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_three_failures_in_the_first_minute_stop_the_agent_as_wandbs() -> None:
    clock = Clock()
    policy = Failures(clock=clock)
    assert policy.record(True) is None and policy.record(True) is None
    reason = policy.record(True)
    assert reason is not None and "3 runs failed in the agent's first 60 seconds" in reason


def test_later_failures_stop_it_only_while_no_run_has_finished(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock()
    policy = Failures(clock=clock)
    clock.now = 61.0  # past the first minute: only the initial-failures rule holds
    assert [policy.record(True) for _ in range(4)] == [None] * 4
    reason = policy.record(True)
    assert reason is not None and "first 5 runs all failed" in reason
    mixed = Failures(clock=clock)
    clock.now = 200.0
    assert mixed.record(False) is None  # a run finished: failures after it go on
    assert [mixed.record(True) for _ in range(10)] == [None] * 10


def test_the_agents_failure_variables_runbase_or_wandb(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock()
    monkeypatch.setenv("WANDB_AGENT_DISABLE_FLAPPING", "true")
    monkeypatch.setenv("WANDB_AGENT_MAX_INITIAL_FAILURES", "2")
    monkeypatch.setenv("RUNBASE_AGENT_MAX_INITIAL_FAILURES", "7")  # runbase's name wins
    policy = Failures(clock=clock)
    assert [policy.record(True) for _ in range(6)] == [None] * 6 and policy.record(True) is not None
    for bad in ("0", "-1", "many"):
        monkeypatch.setenv("RUNBASE_AGENT_MAX_INITIAL_FAILURES", bad)
        with pytest.raises(UsageError, match="AGENT_MAX_INITIAL_FAILURES"):
            Failures()
    assert failures.FLAPPING_FAILURES == 3 and failures.FLAPPING_SECONDS == 60.0


def test_the_cli_agent_gives_up_on_a_program_that_fails_at_once(
        server: Server, env: dict[str, str], tmp_path: Path) -> None:
    project = _project()
    sweep_id = runbase.sweep({"method": "random", "program": "does_not_exist.py",
                              "parameters": {"a": {"min": 0.0, "max": 1.0}}}, project=project)
    agent = subprocess.run([*CLI, "agent", f"{project}/{sweep_id}"], env=env, cwd=tmp_path, capture_output=True,
                           text=True, timeout=120)
    assert agent.returncode == 1, agent.stdout + agent.stderr
    assert "3 runs failed in the agent's first 60 seconds" in agent.stderr
    assert len(_runs(server, project, sweep_id)) <= 3  # the program never started a run


def test_the_in_process_agent_gives_up_on_a_function_that_raises(
        server: Server, env: dict[str, str], tmp_path: Path) -> None:
    project = _project()
    sweep_id = runbase.sweep({"method": "random", "parameters": {"a": {"min": 0.0, "max": 1.0}}}, project=project)
    done = run_script(f"""
        import runbase
        calls = []
        def train():
            calls.append(1)
            runbase.init()
            raise ValueError("boom")
        runbase.agent({sweep_id!r}, function=train, project={project!r})
        print("calls", len(calls))
    """, env, cwd=tmp_path)
    assert "calls 3" in done.stdout and "3 runs failed" in done.stderr
    assert sorted((state, code) for state, code, _ in _runs(server, project, sweep_id).values()) == [
        ("failed", 1)] * 3


@AGENT_SIDE_ONLY
def test_a_function_agent_beats_while_its_function_runs(backend: str, env: dict[str, str], tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        request: pytest.FixtureRequest) -> None:
    """A function that takes longer than the heartbeat timeout before init() (loading data, say) keeps its
    suggestion: a second agent gets the grid's other combination, not the same one again."""
    url = request.getfixturevalue("postgres").create() if backend == "postgresql" else None
    own = Server(tmp_path / "server", url, {"RUNBASE_HEARTBEAT_TIMEOUT_SECONDS": "8"}).start()  # beats: 5 s
    try:
        env = {**env, "RUNBASE_BASE_URL": own.url}
        monkeypatch.setenv("RUNBASE_BASE_URL", own.url)
        project = _project()
        sweep_id = runbase.sweep({"method": "grid", "parameters": {"a": {"values": [1, 2]}}}, project=project)
        agent = """
            import sys, time, runbase
            def train():
                time.sleep(float(sys.argv[1]))
                run = runbase.init()
                print("ran", run.config.a, flush=True)
                run.finish()
            runbase.agent({sweep!r}, function=train, project={project!r}, count=1)
        """.format(sweep=sweep_id, project=project)
        (tmp_path / "agent.py").write_text(textwrap.dedent(agent))
        slow = subprocess.Popen([sys.executable, "agent.py", "15"], env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        time.sleep(11)  # past the timeout, while the first function still sleeps
        quick = subprocess.run([sys.executable, "agent.py", "0"], env=env, cwd=tmp_path, capture_output=True,
                               text=True, timeout=120)
        out, err = slow.communicate(timeout=120)
        runs = _runs(own, project, sweep_id)
    finally:
        own.stop()
    assert "ran 1" in out, out + err
    assert "ran 2" in quick.stdout, quick.stdout + quick.stderr
    assert sorted(config["a"] for _, _, config in runs.values()) == [1, 2]


# -- runbase.init() inside an agent, and Ctrl-C ---------------------------------------------------------------

def test_init_in_a_sweep_ignores_project_entity_and_id_and_ctrl_c_ends_run_and_agent(
        server: Server, env: dict[str, str], tmp_path: Path) -> None:
    project = _project()
    sweep_id = runbase.sweep({"method": "grid", "parameters": {"a": {"values": [1, 2, 3, 4]}}}, project=project)
    done = run_script(f"""
        import runbase
        calls = []
        def train():
            calls.append(1)
            if len(calls) == 1:
                runbase.init(project="somewhere-else", entity="nobody").finish()
            elif len(calls) == 2:
                print("ID", runbase.init(id="myownid").id)
            else:
                runbase.init()
                raise KeyboardInterrupt
        try:
            runbase.agent({sweep_id!r}, function=train, project={project!r})
        except KeyboardInterrupt:
            print("interrupted after", len(calls))
    """, env, cwd=tmp_path)
    assert "interrupted after 3" in done.stdout, done.stdout + done.stderr
    assert "Ignoring project='somewhere-else' passed to runbase.init when running a sweep" in done.stderr
    assert "Ignoring entity='nobody'" in done.stderr and "Ignoring id='myownid'" in done.stderr
    runs = _runs(server, project, sweep_id)
    assert "myownid" not in runs and done.stdout.split("ID ")[1].split()[0] in runs
    assert sorted((state, code, config["a"]) for state, code, config in runs.values()) == [
        ("failed", 255, 3), ("finished", 0, 1), ("finished", 0, 2)]


# -- signals to the CLI agent ----------------------------------------------------------------------------------

STUBBORN = """
import os, signal, time
import runbase
run = runbase.init()
def ignore(signum, frame):
    with open(os.environ["OUT"], "a") as out:
        out.write(f"got {signal.Signals(signum).name}\\n")
signal.signal(signal.SIGINT, ignore)
signal.signal(signal.SIGTERM, ignore)
with open(os.environ["OUT"], "a") as out:
    out.write("started\\n")
time.sleep(300)
"""


def _stubborn_agent(env: dict[str, str], tmp_path: Path, out: Path) -> tuple[subprocess.Popen[str], str, str]:
    project = _project()
    (tmp_path / "train.py").write_text(STUBBORN)
    sweep_id = runbase.sweep({"program": "train.py", "method": "grid", "parameters": {"a": {"values": [1, 2]}}},
                             project=project)
    agent = subprocess.Popen([*CLI, "agent", f"{project}/{sweep_id}"], env={**env, "OUT": str(out)}, cwd=tmp_path,
                             text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while not (out.exists() and "started" in out.read_text()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert "started" in out.read_text()
    return agent, project, sweep_id


@AGENT_SIDE_ONLY
@pytest.mark.parametrize("how", ["second signal", "grace period"])
def test_a_program_ignoring_the_forwarded_signal_is_killed_and_the_agent_exits_128_plus_it(
        server: Server, env: dict[str, str], tmp_path: Path, how: str) -> None:
    out = tmp_path / "out.txt"
    agent, project, sweep_id = _stubborn_agent(env, tmp_path, out)
    first = signal.SIGTERM if how == "grace period" else signal.SIGINT
    started = time.monotonic()
    agent.send_signal(first)
    if how == "second signal":
        deadline = time.monotonic() + 30
        while "got" not in out.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
        agent.send_signal(signal.SIGINT)
    output, _ = agent.communicate(timeout=60)
    assert agent.returncode == 128 + first, output
    assert out.read_text().splitlines() == ["started", f"got {first.name}"]
    if how == "grace period":
        assert "did not stop 10 s after it was told to: killing it" in output
        assert time.monotonic() - started >= 10
    assert len(_runs(server, project, sweep_id)) == 1  # no run after the signal


@AGENT_SIDE_ONLY
def test_a_program_ignoring_a_cancel_is_killed_after_the_grace_period(
        server: Server, env: dict[str, str], tmp_path: Path) -> None:
    """The stop that every heartbeat repeats after a cancel is sent once: the grace period runs from the first."""
    out = tmp_path / "out.txt"
    agent, project, sweep_id = _stubborn_agent(env, tmp_path, out)
    canceled = subprocess.run([*CLI, "sweep", "--cancel", f"{project}/{sweep_id}"], env=env, capture_output=True,
                              text=True, timeout=60)
    assert canceled.returncode == 0, canceled.stdout + canceled.stderr
    output, _ = agent.communicate(timeout=90)
    assert "did not stop 10 s after it was told to: killing it" in output, output
    assert out.read_text().splitlines() == ["started", "got SIGTERM"]


# -- a part not built, from the CLI ------------------------------------------------------------------------------

def test_not_implemented_from_a_cli_command_is_one_error_line(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def refuse(*args: Any, **kwargs: Any) -> int:
        raise NotImplementedError("the bayes search is not built yet")

    monkeypatch.setattr(runbase.sweeps, "run_agent", refuse)
    assert cli.main(["agent", "some-sweep"]) == 1
    assert capsys.readouterr().err == "runbase: error: the bayes search is not built yet\n"


# -- SystemExit ----------------------------------------------------------------------------------------------------

def test_exit_status_as_python_exits() -> None:
    assert [exit_status(code) for code in (None, 0, 3, True, "message", 2.5)] == [0, 0, 3, 1, 1, 1]
    assert [exception_exit_code(exc) for exc in (SystemExit(4), SystemExit(), SystemExit("bye"), KeyboardInterrupt(),
                                                 ValueError())] == [4, 0, 1, 255, 1]


def test_system_exit_records_the_status_python_exits_with(server: Server, env: dict[str, str]) -> None:
    project = _project()
    scripts = {
        "sys-exit-3": ("import sys; runbase.init(project=P, id='sys-exit-3'); sys.exit(3)", 3),
        "with-raise-3": ("with runbase.init(project=P, id='with-raise-3'):\n    raise SystemExit(3)", 3),
        "with-exit-msg": ("import sys\nwith runbase.init(project=P, id='with-exit-msg'):\n    sys.exit('bye')", 1),
        "with-raise-none": ("with runbase.init(project=P, id='with-raise-none'):\n    raise SystemExit(None)", 0),
        "with-exit-0": ("import sys\nwith runbase.init(project=P, id='with-exit-0'):\n    sys.exit(0)", 0),
        "with-error": ("with runbase.init(project=P, id='with-error'):\n    raise ValueError('x')", 1),
    }
    for name, (code, status) in scripts.items():
        done = run_script(f"import runbase\nP = {project!r}\n{code}\n", env, check=False)
        assert done.returncode == status, (name, done.stderr)
    ended = {name: (run["state"], run["exitCode"]) for name in scripts
             if (run := server.run(name, project=project)) is not None}
    assert ended == {"sys-exit-3": ("failed", 3), "with-raise-3": ("failed", 3), "with-exit-msg": ("failed", 1),
                     "with-raise-none": ("finished", 0), "with-exit-0": ("finished", 0),
                     "with-error": ("failed", 1)}
