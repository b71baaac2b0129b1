"""How a run ends when its process is interrupted or preempted, read back through the public API: Ctrl-C,
SIGTERM, sys.exit, a `with` block interrupted, a second Ctrl-C while finishing, and mark_preempting
followed by silence. Every script is a real SDK process; those of one test run side by side."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from conftest import Server, run_script, sdk_environment

import runbase
from runbase import jupyter
from runbase.errors import CommError
from runbase.records import SYNCED, RecordLog
from runbase.sender import Sender
from runbase.automations import DoNothing, OnRunState, RunEvent


def api_of(server: Server) -> runbase.Api:
    return runbase.Api(overrides={"base_url": server.url}, api_key=server.key)


def start(code: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def logging_loop(project: str, run_id: str) -> str:
    """A script that logs until it is stopped, saying when its first rows are on their way."""
    return f"""
        import time, runbase
        run = runbase.init(project={project!r}, id={run_id!r})
        for step in range(3):
            run.log({{"loss": 1.0 / (step + 1)}})
        print("logged", flush=True)
        while True:
            time.sleep(0.01)
    """


FORKING = """
    import os, signal, sys, runbase
    run = runbase.init(project={project!r}, id="forking")
    run.log({{"loss": 1.0}})
    statuses = []
    for child in ("own run", "parent's run"):
        pid = os.fork()
        if pid == 0 and child == "own run":  # a child's own run is its to end: SIGTERM kills it
            runbase.init(project={project!r}, id="forked-child").log({{"x": 1}})
            os.kill(os.getpid(), signal.SIGTERM)
        if pid == 0:
            runbase.log({{"child": 1}})
            run.finish()
            sys.exit(3)
        statuses.append(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
    print("children:", -statuses[0], statuses[1], "synced:", (run._sender.log.path.parent / ".synced").exists())
    run.log({{"loss": 2.0}})
"""


def test_interrupted_runs_end_as_wandb_ends_them(server: Server, tmp_path: Path) -> None:
    project = f"states-{uuid.uuid4().hex[:6]}"
    env = sdk_environment(server, tmp_path)
    scripts = {
        "ctrl-c": f"""
            import runbase
            run = runbase.init(project={project!r}, id="ctrl-c")
            run.log({{"loss": 1.0}})
            raise KeyboardInterrupt
        """,
        "with-block": f"""
            import runbase
            with runbase.init(project={project!r}, id="with-block") as run:
                run.log({{"loss": 1.0}})
                raise KeyboardInterrupt
        """,
        "exit-3": f"""
            import sys, runbase
            runbase.init(project={project!r}, id="exit-3").log({{"loss": 1.0}})
            sys.exit(3)
        """,
        "sigint": logging_loop(project, "sigint"),
        "sigterm": logging_loop(project, "sigterm"),
        # A hook set after `import runbase` (rich.traceback.install()) is chained; one set after init replaces
        # runbase's, and the uncaught exception still counts.
        "hook-before-init": f"""
            import sys, runbase
            sys.excepthook = lambda *exc: (print("pretty", file=sys.stderr), sys.__excepthook__(*exc))
            runbase.init(project={project!r}, id="hook-before-init")
            raise ValueError("training crashed")
        """,
        "hook-after-init": f"""
            import sys, runbase
            runbase.init(project={project!r}, id="hook-after-init")
            sys.excepthook = sys.__excepthook__
            raise KeyboardInterrupt
        """,
        "exit-in-thread": f"""
            import sys, threading, runbase
            runbase.init(project={project!r}, id="exit-in-thread")
            thread = threading.Thread(target=sys.exit, args=(5,))  # ends the thread, not the process
            thread.start()
            thread.join()
        """,
        "builtin-exit": f"""
            import runbase
            runbase.init(project={project!r}, id="builtin-exit")
            exit(4)
        """,
        "raise-exit": f"""
            import runbase
            runbase.init(project={project!r}, id="raise-exit")
            def stop():
                raise SystemExit(6)
            try:
                raise SystemExit(2)  # caught: not the status
            except SystemExit:
                pass
            stop()
        """,
        # mark_preempting() reaches the server before it returns; SIGTERM after it is the preemption itself.
        "preempt-sigkill": f"""
            import os, signal, runbase
            runbase.init(project={project!r}, id="preempt-sigkill").mark_preempting()
            os.kill(os.getpid(), signal.SIGKILL)
        """,
        "preempt-sigterm": f"""
            import os, signal, runbase
            runbase.init(project={project!r}, id="preempt-sigterm").mark_preempting()
            os.kill(os.getpid(), signal.SIGTERM)
        """,
        "forking": FORKING.format(project=project),
    }
    procs = {name: start(code, env) for name, code in scripts.items()}
    for name, sig in (("sigint", signal.SIGINT), ("sigterm", signal.SIGTERM)):
        out = procs[name].stdout
        assert out is not None and out.readline().strip() == "logged"
        procs[name].send_signal(sig)
    outputs = {name: proc.communicate(timeout=60) for name, proc in procs.items()}
    codes = {name: proc.returncode for name, proc in procs.items()}
    # SIGTERM still terminates the process by the signal; an uncaught Ctrl-C ends it by SIGINT, or with 1 when
    # a thread ran Python code after the interrupt (CPython forgets it then: so without runbase too).
    assert {name: codes.pop(name) for name in ("exit-3", "sigterm", "hook-before-init", "exit-in-thread",
                                               "builtin-exit", "raise-exit", "preempt-sigkill", "preempt-sigterm", "forking")} == {
        "exit-3": 3, "sigterm": -signal.SIGTERM, "hook-before-init": 1, "exit-in-thread": 0, "builtin-exit": 4, "raise-exit": 6,
        "preempt-sigkill": -signal.SIGKILL, "preempt-sigterm": -signal.SIGTERM, "forking": 0}, outputs
    assert set(codes.values()) <= {1, -signal.SIGINT}, codes
    assert "pretty" in outputs["hook-before-init"][1]
    api = api_of(server)
    runs = [*scripts, "forked-child"]
    ended = {name: api.run(f"admin/{project}/{name}") for name in runs}
    assert {name: (run.state, (server.run(name, project=project) or {})["exitCode"])
            for name, run in ended.items()} == {
        "ctrl-c": ("failed", 255),  # W&B's exit hook: an uncaught KeyboardInterrupt is exit code 255
        "with-block": ("failed", 1),  # W&B's Run.__exit__: any exception is exit code 1
        "exit-3": ("failed", 3),  # sys.exit's code, as W&B's exit hook records it
        "sigint": ("failed", 255),
        "sigterm": ("killed", 128 + signal.SIGTERM),
        "hook-before-init": ("failed", 1),
        "hook-after-init": ("failed", 255),
        "exit-in-thread": ("finished", 0),
        "builtin-exit": ("failed", 4),
        # an uncaught `raise SystemExit`: from Python 3.12 on, sys.monitoring sees it leave the script; before,
        # nothing can tell its status at exit, and the run ends with 0, as W&B's does
        "raise-exit": ("failed", 6) if sys.version_info >= (3, 12) else ("finished", 0),
        "preempt-sigkill": ("preempting", None),  # preempted once the server hears nothing more
        "preempt-sigterm": ("preempted", 128 + signal.SIGTERM),
        "forking": ("finished", 0),
        "forked-child": ("killed", 128 + signal.SIGTERM),
    }
    # A forked child's use of its parent's run is ignored with a warning, and its exit ends nothing of it.
    assert outputs["forking"][0].split() == ["children:", "15", "3", "synced:", "False"]
    assert outputs["forking"][1].count("is ignored; call runbase.init() in this process") == 1
    assert [row["loss"] for row in ended["forking"].history(pandas=False)] == [1.0, 2.0]
    # Everything logged before the signal was flushed.
    assert len(ended["sigterm"].history(pandas=False)) == 3 and len(ended["sigint"].history(pandas=False)) == 3
    killed = sorted(r.id for r in api.runs(f"admin/{project}", filters={"state": "killed"}))
    assert killed == ["forked-child", "sigterm"]


HUNG_SERVER = """
    import os, signal, threading, time, runbase
    from runbase import lifecycle
    lifecycle.SIGTERM_FINISH_WAIT = 1.0  # 5 s in real life
    run = runbase.init(project="hung-server", settings={{"x_finish_timeout": 120, "console": "off"}})
    print(run.id, run._sender.log.path, flush=True)
    connection = run._sender.connection
    def hanging(call, hangs):
        def hung(input, **kwargs):
            if hangs(input):
                time.sleep(60)  # the server never answers
            return call(input, **kwargs)
        return hung
    connection.upsert_bucket = hanging(connection.upsert_bucket, lambda i: {final!r} and i.state is not None)
    connection.log_history = hanging(connection.log_history, lambda i: not {final!r} and i.rows != "[]")
    run.log({{"loss": 1.0}})
    time.sleep(0.5)  # sent, or the sender is stuck sending it
    run.log({{"loss": 2.0}})
    threading.Timer(3.0, os.kill, (os.getpid(), signal.{signal})).start()  # finish() under way, even on a busy machine
    {end}
"""


def test_ctrl_c_or_sigterm_with_a_hung_server_keeps_the_record_log(server: Server, tmp_path: Path) -> None:
    """The server hangs, on the final state or on an earlier request; Ctrl-C or SIGTERM during finish() then
    ends the process soon, and so does SIGTERM while the script runs (after a short deadline, not
    x_finish_timeout); the record log keeps all the run's rows and its final state for `runbase sync`,
    recorded by the main thread where the sender is stuck."""
    env = sdk_environment(server, tmp_path)
    finish, sleep = "run.finish()", "time.sleep(30)"
    cases = {"ctrl-c-final-state": (True, "SIGINT", finish), "ctrl-c-rows": (False, "SIGINT", finish),
             "sigterm-finishing": (False, "SIGTERM", finish), "sigterm-running": (False, "SIGTERM", sleep)}
    started = time.monotonic()
    procs = {name: start(HUNG_SERVER.format(final=final, signal=sig, end=end), env)
             for name, (final, sig, end) in cases.items()}
    outputs = {name: proc.communicate(timeout=60) for name, proc in procs.items()}
    assert time.monotonic() - started < 20
    api = api_of(server)
    for name, (stdout, stderr) in outputs.items():
        code = procs[name].returncode
        assert code in ((1, -signal.SIGINT) if name.startswith("ctrl-c") else (-signal.SIGTERM,)), (name, stderr)
        assert "runbase sync" in stderr and ("KeyboardInterrupt" in stderr) == name.startswith("ctrl-c")
        run_id, log_path = stdout.split()
        records = [json.loads(line) for line in Path(log_path).read_text().splitlines()]
        rows = [json.loads(r["rows"]) for r in records if r["t"] == "history" and r["rows"] != "[]"]
        assert [row["loss"] for batch in rows for row in batch] == [1.0, 2.0], name
        final = [r for r in records if r["t"] == "run"][-1]
        assert final == ({"t": "run", "state": "killed", "exitCode": 143} if name == "sigterm-running" else
                         {"t": "run", "state": "finished", "exitCode": 0}), name
        assert not (Path(log_path).parent / SYNCED).exists()
        assert api.run(f"admin/hung-server/{run_id}").state == "running"  # the server never heard


STOPPED_WHILE = {
    # Logging, with the default settings: the SDK asks every 15 s.
    "logging": """
        import time, runbase
        run = runbase.init(project={project!r}, id="logging")
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            run.log({{"loss": 1.0}})
            time.sleep(0.05)
        raise SystemExit("never stopped")
    """,
    # Asleep in one long call, logging nothing, asking at each heartbeat (every second): the signal wakes the sleep.
    "sleeping": """
        import time, runbase
        run = runbase.init(project={project!r}, id="sleeping", settings={{"heartbeat_seconds": 1}})
        run.log({{"loss": 1.0}})
        time.sleep(90)
        raise SystemExit("never stopped")
    """,
}


def test_a_run_stopped_from_the_api_is_interrupted_and_ends_killed(server: Server, tmp_path: Path) -> None:
    """stopRun (Run.stop() of runbase's Api, W&B's "Stop run") reaches the SDK, which polls Run.stopped: it
    interrupts the script's main thread as W&B's client does (KeyboardInterrupt), and the run ends killed with
    W&B's exit code for it, 255, with what it logged until then."""
    project = f"stops-{uuid.uuid4().hex[:6]}"
    env = sdk_environment(server, tmp_path)
    api = api_of(server)
    procs = {name: start(code.format(project=project), env) for name, code in STOPPED_WHILE.items()}
    try:
        for name in procs:
            deadline = time.monotonic() + 60
            while (server.run(name, project=project) or {}).get("lastHistoryStep") is None:
                assert time.monotonic() < deadline, f"{name} logged nothing"
                time.sleep(0.2)
            api.run(f"admin/{project}/{name}").stop()
        outputs = {name: proc.communicate(timeout=60) for name, proc in procs.items()}
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
    for name, (_, stderr) in outputs.items():
        assert procs[name].returncode in (1, -signal.SIGINT), (name, stderr[-2000:])
        assert "KeyboardInterrupt" in stderr and "asked to stop (stopRun)" in stderr, (name, stderr[-2000:])
        assert "never stopped" not in stderr
        stored = server.run(name, project=project) or {}
        assert (stored["state"], stored["exitCode"]) == ("killed", 255), (name, stored)
        assert api.run(f"admin/{project}/{name}").summary["loss"] == 1.0


class _OlderThanStopped:
    """A connection to a server older than Run.stopped: it refuses the question, takes the rest."""

    def __init__(self) -> None:
        self.asked = 0
        self.rows: list[str] = []

    def log_history(self, fields: Any) -> None:
        self.rows.append(fields.rows)

    def upsert_bucket(self, fields: Any) -> None:
        pass

    def run_stopped(self, **names: Any) -> None:
        self.asked += 1
        raise CommError('Cannot query field "stopped" on type "Run".')


def test_a_server_that_cannot_say_a_run_was_stopped_is_not_asked_again(tmp_path: Path) -> None:
    server = _OlderThanStopped()
    stopped: list[bool] = []
    warnings: list[str] = []
    identity: dict[str, str | None] = {"entityName": "e", "projectName": "p", "runName": "r"}
    sender = Sender(server, RecordLog(tmp_path / "run.runbase"), identity, {}, heartbeat_seconds=0.02,  # type: ignore[arg-type]
                    max_batch_bytes=1 << 20, warn=warnings.append, silent=True, on_stop=lambda: stopped.append(True))
    sender.start()
    sender.row({"_step": 0, "loss": 1.0})
    time.sleep(0.5)  # some 25 heartbeats
    assert sender.close({"state": "finished"}, timeout=10)
    assert (server.asked, stopped, warnings) == (1, [], [])
    assert '[{"_step":0,"loss":1.0}]' in server.rows


@pytest.fixture(scope="module")
def quick_server(backend: str, tmp_path_factory: pytest.TempPathFactory,
                 request: pytest.FixtureRequest) -> Iterator[Server]:
    """A server that takes a run silent for 2 s as ended."""
    url = request.getfixturevalue("postgres").create() if backend == "postgresql" else None
    srv = Server(tmp_path_factory.mktemp(f"states-{backend}"), url,
                 {"RUNBASE_HEARTBEAT_TIMEOUT_SECONDS": "2"}).start()
    yield srv
    srv.stop()


def test_a_preempting_run_that_goes_silent_is_preempted(quick_server: Server, tmp_path: Path) -> None:
    project = f"preempt-{uuid.uuid4().hex[:6]}"
    api = api_of(quick_server)
    watch = api.create_automation(
        OnRunState(scope=f"admin/{project}", filter=RunEvent.state.in_(["preempting", "preempted"])) >> DoNothing(),
        name=f"{project}-watch")
    result = run_script(f"""
        import json, os, time, runbase
        # A run marked preempting that then finishes normally is finished, as in W&B.
        with runbase.init(project={project!r}, id="resumed-fine") as run:
            run.mark_preempting()
        run = runbase.init(project={project!r}, id="preempted", settings={{"heartbeat_seconds": 0.5}})
        runbase.define_metric("loss", summary="min")
        for loss in (3.0, 1.0, 2.0):
            runbase.log({{"loss": loss}})
        runbase.alert(title="checkpoint", text="saved", level="INFO")
        assert run.display() is False  # not in Jupyter
        runbase.mark_preempting()
        deadline = time.monotonic() + 10
        status = run.status()
        while status.sync_items_pending and time.monotonic() < deadline:
            time.sleep(0.05)
            status = run.status()
        print(json.dumps({{"total": status.sync_items_total, "pending": status.sync_items_pending,
                           "synced": status.sync_time is not None}}), flush=True)
        os._exit(0)  # the machine is taken away: no finish
    """, sdk_environment(quick_server, tmp_path))
    status = json.loads(result.stdout)
    assert status["total"] >= 4 and status["pending"] == 0 and status["synced"]
    assert api.run(f"admin/{project}/resumed-fine").state == "finished"
    preempted = api.run(f"admin/{project}/preempted")
    assert preempted.state == "preempting"
    deadline = time.monotonic() + 15
    while preempted.load(force=True)["state"] == "preempting" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert preempted.state == "preempted" and preempted.summary["loss"] == {"min": 1.0}
    fired = quick_server.graphql("""query($id: ID!) { trigger(id: $id) { deliveries(first: 10) { edges { node {
        runName payload } } } } }""", {"id": watch.id})["data"]["trigger"]["deliveries"]["edges"]
    assert sorted((e["node"]["runName"], json.loads(e["node"]["payload"])["run_state"]) for e in fired) == [
        ("preempted", "preempted"), ("preempted", "preempting"), ("resumed-fine", "preempting")]
    # Heard from again, it was only silent: preempting again (so that going silent again preempts it again).
    revived = quick_server.graphql("""mutation($p: String!) { logHistory(input: {projectName: $p,
        runName: "preempted", rows: "[]"}) { accepted } }""", {"p": project})
    assert "errors" not in revived, revived
    assert preempted.load(force=True)["state"] == "preempting"


def test_status_of_an_offline_run_counts_everything_as_pending(tmp_path: Path) -> None:
    run = runbase.init(mode="offline", dir=tmp_path, project="offline-status", reinit="create_new")
    try:
        before = run.status().sync_items_total
        run.log({"x": 1})
        status = run.status()  # the row logged just before is counted
        assert status.sync_items_total > before and status.sync_items_total == status.sync_items_pending
        assert status.sync_time is None
        assert run.display() is False
        run.mark_preempting()
    finally:
        run.finish()
    with pytest.raises(runbase.UsageError, match="finished"):
        run.status()


def test_module_level_functions_need_a_run() -> None:
    assert runbase.run is None
    calls: list[Callable[[], object]] = [lambda: runbase.define_metric("x"), lambda: runbase.alert("t", "x"),
                                         runbase.mark_preempting]
    for call in calls:
        with pytest.raises(runbase.UsageError, match=r"call runbase.init\(\) before runbase\.\w+\(\)"):
            call()
    assert type(runbase.controller()).__name__ == "Controller"  # configured later, then create()d, as W&B's
    bad_sweeps: list[Callable[[], object]] = [lambda: runbase.sweep(42),  # type: ignore[arg-type]
                                              lambda: runbase.agent("abc", count=0)]
    for call in bad_sweeps:
        with pytest.raises(runbase.UsageError):
            call()
    with pytest.raises(runbase.UnsupportedError, match="unsupported requirement: teleport"):
        runbase.require(["core", "teleport"])
    runbase.require("service")


def test_term_functions_print_runbase_lines(capsys: pytest.CaptureFixture[str]) -> None:
    runbase.termlog("hello\nworld")
    runbase.termwarn("careful", repeat=False)
    runbase.termwarn("careful", repeat=False)
    runbase.termerror("broken", prefix=False)
    assert capsys.readouterr().err.splitlines() == [
        "runbase: hello", "runbase: world", "runbase: WARNING careful", "ERROR broken"]


class FakeKernelShell:
    config: ClassVar[dict[str, Any]] = {"IPKernelApp": {}}


def test_display_html_is_escaped_and_shown_only_in_jupyter(monkeypatch: pytest.MonkeyPatch) -> None:
    markup = jupyter.run_html('http://h/e/p/runs/x"><script>alert(1)</script>', "<b>n</b>", height=300, hidden=True)
    assert "<script>" not in markup and "<b>" not in markup and "height:300px" in markup
    assert markup.startswith("<details><summary>Show run &lt;b&gt;n&lt;/b&gt;</summary><iframe src=\"http://h/")
    with pytest.raises(runbase.UsageError, match="height"):
        jupyter.run_html("http://h", "n", height="420; x", hidden=False)  # type: ignore[arg-type]
    assert jupyter.shell() is None or "IPython" in sys.modules
    fake = type(sys)("IPython")
    fake.get_ipython = lambda: FakeKernelShell()  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "IPython", fake)
    assert isinstance(jupyter.shell(), FakeKernelShell)
    fake.get_ipython = lambda: None  # type: ignore[attr-defined]
    assert jupyter.shell() is None


def test_a_system_exit_leaving_the_scripts_top_level_is_its_status(monkeypatch: pytest.MonkeyPatch) -> None:
    """What sys.monitoring (Python 3.12+) reports is recorded only for the script's top level, on its main
    thread, and only for SystemExit; a notebook's shell, which catches SystemExit, watches nothing."""
    from runbase import lifecycle

    top = compile("pass", "<script>", "exec")
    monkeypatch.setattr(lifecycle, "_main_code", top)
    monkeypatch.setattr(lifecycle, "_exit_code", 0)
    lifecycle._on_unwind(compile("pass", "<other>", "exec"), 0, SystemExit(3))
    lifecycle._on_unwind(top, 0, ValueError("the excepthook's"))
    assert lifecycle._exit_code == 0
    thread = threading.Thread(target=lifecycle._on_unwind, args=(top, 0, SystemExit(5)))
    thread.start()
    thread.join()
    assert lifecycle._exit_code == 0
    for status, code in ((3, 3), ("message", 1), (None, 0)):
        lifecycle._on_unwind(top, 0, SystemExit(status))
        assert lifecycle._exit_code == code
    monkeypatch.setattr(lifecycle, "_main_code", None)
    monkeypatch.setattr(jupyter, "shell", lambda: object())
    lifecycle._watch_main_module()
    assert lifecycle._main_code is None


# -- an init that fails after its sender started ------------------------------------------------------------

FAILING_INIT = """
    import json, os, signal, sys, threading, time
    import runbase
    from runbase import switch_interval

    class Stream:  # the script's stderr: writing init's "started run" line fails
        def __init__(self, real, error, then=None):
            self.real, self.error, self.then = real, error, then
        def write(self, text):
            if "started run" in text:
                if self.then is not None:
                    self.then()
                raise self.error
            return self.real.write(text)
        def flush(self):
            self.real.flush()

    real = sys.stderr
    sys.stderr = Stream(real, {error}, {then})
    began = time.monotonic()
    try:
        runbase.init(project={project!r}, id="failed-init")
    except BaseException as exc:
        raised = [type(exc).__name__, str(exc)]
    else:
        raised = None
    took = time.monotonic() - began
    sys.stderr = real
    time.sleep(0.5)
    threads = sorted(t.name for t in threading.enumerate() if t is not threading.main_thread() and t.is_alive())
    print(json.dumps({{"raised": raised, "took": took, "run": runbase.run is None, "threads": threads,
                      "interval": sys.getswitchinterval()}}))
"""


def failing_init(server: Server, tmp_path: Path, project: str, error: str, then: str = "None",
                 timeout: float = 120) -> dict[str, Any]:
    code = textwrap.dedent(FAILING_INIT).format(project=project, error=error, then=then)
    result = run_script(code, sdk_environment(server, tmp_path), timeout=timeout)
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_an_init_that_fails_after_starting_its_sender_ends_the_run_failed_and_raises_its_error(
        server: Server, tmp_path: Path) -> None:
    project = f"failed-init-{uuid.uuid4().hex[:8]}"
    got = failing_init(server, tmp_path, project, "OSError(5, 'stderr is gone')")
    assert got["raised"] == ["OSError", "[Errno 5] stderr is gone"]
    assert got["run"] is True
    assert got["threads"] == []
    assert got["interval"] == 0.005
    run = server.run("failed-init", project=project)
    assert run is not None and (run["state"], run["exitCode"]) == ("failed", 1)


def test_a_second_init_after_a_failed_one_starts_and_finishes_its_run(server: Server, tmp_path: Path) -> None:
    project = f"failed-init-{uuid.uuid4().hex[:8]}"
    code = textwrap.dedent(FAILING_INIT).format(project=project, error="RuntimeError('boom')", then="None")
    code += textwrap.dedent(f"""
        run = runbase.init(project={project!r}, id="second")
        assert runbase.run is run
        run.log({{"loss": 1.5}})
        run.finish()
        """)
    run_script(code, sdk_environment(server, tmp_path))
    second = server.run("second", project=project)
    assert second is not None and second["state"] == "finished"
    assert [json.loads(row)["loss"] for row in second["history"]] == [1.5]
    assert server.run("failed-init", project=project)["state"] == "failed"


def test_ctrl_c_during_init_ends_the_run_as_ctrl_c_ends_it_after_init(server: Server, tmp_path: Path) -> None:
    """A KeyboardInterrupt in init is the same Ctrl-C a moment later: exit code 255 (exception_exit_code)."""
    project = f"failed-init-{uuid.uuid4().hex[:8]}"
    got = failing_init(server, tmp_path, project, "KeyboardInterrupt()")
    assert got["raised"] == ["KeyboardInterrupt", ""]
    assert got["threads"] == []
    run = server.run("failed-init", project=project)
    assert run is not None and (run["state"], run["exitCode"]) == ("failed", 255)


def test_a_failed_init_with_a_hung_server_gives_up_within_its_wait(tmp_path: Path) -> None:
    """The server stops answering as init fails: the init raises its error within FAILED_START_WAIT (10 s) and
    the sender's grace, not the HTTP client's timeouts."""
    own = Server(tmp_path / "server", None).start()
    try:
        assert own.process is not None
        hang = f"lambda: os.kill({own.process.pid}, signal.SIGSTOP)"
        got = failing_init(own, tmp_path, "hung", "OSError(5, 'stderr is gone')", then=hang, timeout=180)
        assert got["raised"] == ["OSError", "[Errno 5] stderr is gone"]
        assert got["took"] < 15, got
        assert got["run"] is True
    finally:
        if own.process is not None:
            os.kill(own.process.pid, signal.SIGCONT)
        own.stop()
