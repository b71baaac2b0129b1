"""The sweep agent: asks the server for a suggestion (agentHeartbeat), runs it, asks again, until the sweep has
no more, `count` runs were made, or it is told to stop.

A run gets its suggestion as W&B's agent passes it: the RUNBASE_SWEEP_ID, RUNBASE_RUN_ID and
RUNBASE_SWEEP_PARAM_PATH variables (a YAML file of {name: {value: v}}) that runbase.init() reads, so that
the run joins the sweep with runbase.config set to the suggestion; a program run as a subprocess also gets
the suggestion as arguments (command.py). The agent forwards SIGINT and SIGTERM to its subprocess and
stops after it, killing it at a second signal or when it outlives STOP_GRACE_SECONDS; while the sweep is
paused it waits; when the sweep is canceled it stops its run and exits, and when the server's hyperband stops
a run it SIGTERMs it (the run ends killed) and goes on to the next. It gives up on a program that keeps
failing (failures.py), and on a server that has not answered its heartbeats for HEARTBEAT_PATIENCE_SECONDS
(asking again meanwhile, less often as they keep failing); it stops its program before it goes."""

from __future__ import annotations

import ctypes
import json
import os
import signal
import socket
import subprocess
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import yaml

from ..connection import Connection
from ..errors import CommError, UsageError, present
from ..lifecycle import check_run_id
from ..states import SIGNAL_EXIT_BASE, exception_exit_code
from ..term import termerror, termlog, termwarn
from . import SweepPath, answered
from .command import words
from .failures import Failures

POLL_SECONDS = 1.0  # how often a waiting agent (its sweep paused) asks again, and a running one checks its run
HEARTBEAT_SECONDS = 5.0  # how often an agent with a run going tells the server (and learns of a cancel)
STOP_GRACE_SECONDS = 10.0  # after SIGTERM (or a forwarded SIGINT), how long a stopped run has before SIGKILL
# How long heartbeats that fail in a way that may pass (server unreachable, 5xx) are tried again before the agent
# gives up: the server's default heartbeat timeout, past which it hands the agent's suggestion to another agent.
HEARTBEAT_PATIENCE_SECONDS = 300.0
# Agents' functions running in this process now: a stop asked of their run (stopRun) interrupts no script then.
running_functions = 0
BACKOFF_MAX_SECONDS = 30.0  # the longest wait between heartbeats that keep failing


class Agent:
    def __init__(self, connection: Connection, path: SweepPath, *, count: int | None = None,
                 root: Path | None = None) -> None:
        self.connection = connection
        self.path = path
        self.count = count
        self.root = (root or Path.cwd()) / "runbase" / f"sweep-{path.name}"
        self.agent_id: str | None = None
        self.child: subprocess.Popen[bytes] | None = None
        self.stopping = False
        self.signalled: int | None = None  # the first SIGINT or SIGTERM the agent got
        self.stop_sent: float | None = None  # when the running program was told to stop
        self.answered_at = time.monotonic()  # when the server last answered a heartbeat (or made the agent)
        self.failed_beats = 0  # heartbeats failed in a row

    def config(self) -> dict[str, Any]:
        found = self.connection.project_sweep(entity=self.path.entity, project=self.path.project,
                                              name=self.path.name).project
        sweep = None if found is None else found.sweep
        if sweep is None:
            raise UsageError(f"no sweep {self.path} (or no access to it)")
        self.path = SweepPath(present(sweep.project, "project").entity_name, self.path.project, self.path.name)
        document = json.loads(sweep.config)  # the server gives the configuration as JSON
        return document if isinstance(document, dict) else {}

    def run(self, function: Callable[[], Any] | None = None) -> int:
        """Run suggestions until done; the status `runbase agent` exits with: 0, 1 when it gave up on failing
        runs, 128 + the signal that stopped it."""
        from .._generated.input_types import CreateAgentInput

        failures = Failures()  # a bad RUNBASE_AGENT_* variable is refused before the agent is made
        config = self.config()
        if function is None and not config.get("program"):
            raise UsageError(f"sweep {self.path} names no `program` to run: pass a function to agent()")
        with answered():
            made = present(self.connection.create_agent(CreateAgentInput(
                sweep=self.path.name, project_name=self.path.project, entity_name=self.path.entity,
                host=socket.gethostname())).create_agent, "createAgent")
        self.agent_id = made.agent.id
        self.answered_at = time.monotonic()
        termlog(f"Starting sweep agent: {self.path}")
        done = 0
        with self._forwarding(function is None):
            while (self.count is None or done < self.count) and not self.stopping:
                commands = self.heartbeat({})
                if any(c.get("type") == "exit" for c in commands):
                    termlog(f"Sweep {self.path} has no more runs to make: the agent stops")
                    break
                runs = [c for c in commands if c.get("type") == "run"]
                if not runs:
                    time.sleep(self.pause(POLL_SECONDS))  # paused, no run yet, or the server not answering
                    continue
                for command in runs:
                    done += 1
                    run_id, parameters = _suggested(command)
                    termlog(f"Agent starting run {run_id} with config: "
                            + ", ".join(f"{k}: {v}" for k, v in parameters.items()))
                    if function is None:
                        failed = self._run_program(config, run_id, parameters)
                    else:
                        failed = self._run_function(function, run_id, parameters)
                    given_up = failures.record(failed)
                    if given_up is not None:
                        termerror(given_up)
                        return 1
        return 0 if self.signalled is None else SIGNAL_EXIT_BASE + self.signalled

    def heartbeat(self, run_states: dict[str, str]) -> list[dict[str, Any]]:
        """The server's commands. A failure that may pass (the server unreachable, restarting, or answering
        5xx) gives no commands, as with W&B's agent, which goes on and asks again (pause() says when); once the
        server has not answered for HEARTBEAT_PATIENCE_SECONDS, or at any other failure, it is raised."""
        from .._generated.input_types import AgentHeartbeatInput

        assert self.agent_id is not None
        try:
            with answered():
                beat = present(self.connection.agent_heartbeat(AgentHeartbeatInput(
                    id=self.agent_id, run_state=json.dumps(run_states))).agent_heartbeat, "agentHeartbeat")
        except CommError as exc:
            silent = time.monotonic() - self.answered_at
            if not exc.retryable or silent >= HEARTBEAT_PATIENCE_SECONDS:
                raise
            self.failed_beats += 1
            termwarn(f"sweep agent heartbeat failed ({exc}); the server has not answered for {silent:.0f} s, "
                     f"the agent gives up after {HEARTBEAT_PATIENCE_SECONDS:g} s")
            return []
        self.answered_at, self.failed_beats = time.monotonic(), 0
        commands: list[dict[str, Any]] = json.loads(beat.commands)
        return commands

    def pause(self, seconds: float) -> float:
        """How long to wait before the next heartbeat: `seconds`, doubled for each that failed in a row, up to
        BACKOFF_MAX_SECONDS."""
        return seconds if not self.failed_beats else min(BACKOFF_MAX_SECONDS, seconds * 2 ** self.failed_beats)

    def _environment(self, run_id: str, parameters: dict[str, Any]) -> dict[str, str]:
        """What tells runbase.init() in the run that it is this suggestion of this sweep."""
        self.root.mkdir(parents=True, exist_ok=True)
        param_path = self.root / f"config-{run_id}.yaml"
        param_path.write_text(yaml.safe_dump({"wandb_version": 1, **{k: {"value": v} for k, v in parameters.items()}},
                                             sort_keys=False))
        env = {"RUNBASE_SWEEP_ID": self.path.name, "RUNBASE_RUN_ID": run_id, "RUNBASE_PROJECT": self.path.project,
               "RUNBASE_SWEEP_PARAM_PATH": str(param_path)}
        if self.path.entity:
            env["RUNBASE_ENTITY"] = self.path.entity
        return env

    def _run_function(self, function: Callable[[], Any], run_id: str, parameters: dict[str, Any]) -> bool:
        """Whether the run failed. An exception fails it and the agent goes on, as W&B's does; Ctrl-C or
        sys.exit() end the run as they end any (failed with 255, or with the exit status) and stop the agent."""
        import runbase

        global running_functions
        exit_code = 0
        beating = _Beating(self, run_id)
        with _variables(self._environment(run_id, parameters)):
            try:
                running_functions += 1
                beating.start()
                function()
            except RunStopped:
                termwarn(f"run {run_id} was stopped: {beating.why}")
            except Exception:  # noqa: BLE001 - the run fails; the agent goes on to the next
                exit_code = 1
                termerror(f"run {run_id} raised:\n{traceback.format_exc()}")
            except BaseException as exc:
                exit_code = exception_exit_code(exc)
                raise
            finally:
                running_functions -= 1
                beating.end()
                if runbase.run is not None:
                    runbase.finish(exit_code=exit_code)
        return exit_code != 0

    def _run_program(self, config: dict[str, Any], run_id: str, parameters: dict[str, Any]) -> bool:
        """Whether the program failed (exited non-zero without the agent stopping it)."""
        argv = words(config.get("command"), program=config.get("program"), parameters=parameters,
                     json_file=self.root / f"args-{run_id}.json")
        env = {**os.environ, **self._environment(run_id, parameters)}
        self.stop_sent = None
        try:
            self.child = subprocess.Popen(argv, env=env, start_new_session=os.name == "posix")
        except (OSError, ValueError) as exc:  # no such program; an argument the OS cannot pass (a NUL in it)
            termerror(f"run {run_id} failed: its command {argv!r} cannot start: {exc}")
            return True
        last_beat = time.monotonic()
        try:
            while self.child.poll() is None:
                try:
                    self.child.wait(timeout=POLL_SECONDS)
                except subprocess.TimeoutExpired:
                    pass
                if (self.child.poll() is None and self.stop_sent is not None
                        and time.monotonic() - self.stop_sent >= STOP_GRACE_SECONDS):
                    termwarn(f"run {run_id} did not stop {STOP_GRACE_SECONDS:g} s after it was told to: killing it")
                    self.child.kill()
                if self.child.poll() is None and time.monotonic() - last_beat >= self.pause(HEARTBEAT_SECONDS):
                    last_beat = time.monotonic()
                    commands = self.heartbeat({run_id: "running"})
                    if any(c.get("type") == "stop" and c.get("run_id") == run_id for c in commands):
                        canceled = any(c.get("type") == "exit" for c in commands)
                        self.stopping = self.stopping or canceled
                        if self.stop_sent is None:  # told once; the grace period above then runs out
                            termwarn(f"sweep {self.path} was canceled: stopping run {run_id}" if canceled
                                     else f"early termination (hyperband) stops run {run_id}")
                            self.child.terminate()
                            self.stop_sent = time.monotonic()
            if self.child.returncode:
                termwarn(f"run {run_id} exited with code {self.child.returncode}")
            return self.child.returncode != 0 and self.stop_sent is None and not self.stopping
        finally:
            if self.child.poll() is None:  # the agent gives up or fails: its program goes first
                termwarn(f"the sweep agent stops: stopping run {run_id}")
                _stop(self.child)
            self.child = None

    @contextmanager
    def _forwarding(self, enabled: bool) -> Iterator[None]:
        """SIGINT and SIGTERM reach the agent's subprocess (in a session of its own, so a terminal's Ctrl-C
        reaches it once, through here; started while they are caught here, it gets them as Python's defaults
        even where the agent inherited them ignored); the agent then stops after it. A second signal kills the
        program, as a second Ctrl-C does with W&B's agent."""
        if not enabled or threading.current_thread() is not threading.main_thread():
            yield
            return

        def forward(signum: int, _frame: FrameType | None) -> None:
            first = self.signalled is None
            self.stopping = True
            self.signalled = self.signalled or signum
            child = self.child
            if child is None or child.poll() is not None:
                return
            if first:
                child.send_signal(signum)
                self.stop_sent = time.monotonic()
            else:
                child.kill()

        stops = {signal.SIGINT, signal.SIGTERM}
        previous = {sig: signal.signal(sig, forward) for sig in stops}
        # Unblocked too, here and so in the program started meanwhile, which inherits the mask: an agent started
        # with them blocked would otherwise neither hear a stop nor be able to pass one on.
        mask = signal.pthread_sigmask(signal.SIG_UNBLOCK, stops) if hasattr(signal, "pthread_sigmask") else None
        try:
            yield
        finally:
            if mask is not None:
                signal.pthread_sigmask(signal.SIG_SETMASK, mask)
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def _suggested(command: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """A run command's run id and parameters, checked: the id names the run's files here."""
    args = command.get("args")
    try:
        run_id = check_run_id(command.get("run_id"))
    except UsageError as exc:
        raise CommError(f"the server handed out a run that cannot be made: {exc}") from None
    if not isinstance(args, dict) or not all(isinstance(arg, dict) and "value" in arg for arg in args.values()):
        raise CommError(f"the server handed out run {run_id} without its parameters ({{name: {{value}}}})")
    return run_id, {name: arg["value"] for name, arg in args.items()}


def _stop(child: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL if it outlives STOP_GRACE_SECONDS."""
    child.terminate()
    try:
        child.wait(timeout=STOP_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


@contextmanager
def _variables(values: dict[str, str]) -> Iterator[None]:
    """Environment variables set for the length of one in-process run, then put back."""
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class RunStopped(Exception):
    """Raised in an in-process run the server stops (hyperband, or its sweep canceled), as W&B's agent raises
    in the thread running the function."""


class _Beating(threading.Thread):
    """The heartbeat of an agent running a function: the function runs in the agent's thread, so this one tells
    the server the run is going (else, past the heartbeat timeout, its suggestion would be handed to another
    agent) and raises RunStopped in the function's thread at a stop command."""

    def __init__(self, agent: Agent, run_id: str) -> None:
        super().__init__(name=f"runbase-agent-heartbeat-{run_id}", daemon=True)
        self.agent = agent
        self.run_id = run_id
        self.target = threading.get_ident()
        self.done = threading.Event()
        self.lock = threading.Lock()
        self.why: str | None = None

    def run(self) -> None:
        while not self.done.wait(self.agent.pause(HEARTBEAT_SECONDS)):
            try:
                commands = self.agent.heartbeat({self.run_id: "running"})
            except Exception as exc:  # noqa: BLE001 - the next beat tries again; the run goes on meanwhile
                termwarn(f"sweep agent heartbeat failed: {exc}")
                continue
            if any(c.get("type") == "stop" and c.get("run_id") == self.run_id for c in commands):
                canceled = any(c.get("type") == "exit" for c in commands)
                self.agent.stopping = self.agent.stopping or canceled
                with self.lock:
                    if self.done.is_set() or self.why is not None:
                        return
                    self.why = f"sweep {self.agent.path} was canceled" if canceled \
                        else "early termination (hyperband)"
                    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(self.target),
                                                               ctypes.py_object(RunStopped))
                return

    def end(self) -> None:
        """No stop is raised once the function has returned."""
        with self.lock:
            self.done.set()
            if self.why is not None:  # raised, maybe not yet delivered: take it back
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(self.target), None)
        if self.is_alive():
            self.join()
