"""The CLI agent's loop against a server that stops answering: heartbeats that may pass are tried again with
backoff for a bounded time, after which (or at any other failure) the agent stops its program before it goes;
a suggestion whose command cannot start fails that run only; run ids from the server are checked before they
name files."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from runbase.connection import Connection
from runbase.errors import CommError
from runbase.sweeps import SweepPath, agents

SLEEPER = """
import os, signal, sys, time
if sys.argv[2] == "stubborn":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
open(sys.argv[1] + ".tmp", "w").write(str(os.getpid()))
os.replace(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(60)
"""


class Unanswered(agents.Agent):
    """An agent of a server nothing listens at (every heartbeat fails as with an unreachable server), whose
    heartbeats wait for its program to have started."""

    def __init__(self, tmp_path: Path) -> None:
        super().__init__(Connection("http://127.0.0.1:9", "key"), SweepPath(None, "p", "s"), root=tmp_path)
        self.agent_id = "1"
        self.started = tmp_path / "pid"

    def heartbeat(self, run_states: dict[str, str]) -> list[dict[str, Any]]:
        while run_states and not self.started.exists():
            time.sleep(0.01)
        return super().heartbeat(run_states)


def test_heartbeats_that_may_pass_give_no_commands_with_backoff_until_the_patience_runs_out(tmp_path: Path) -> None:
    agent = Unanswered(tmp_path)
    assert agent.heartbeat({}) == [] and agent.heartbeat({}) == []
    assert agent.failed_beats == 2 and agent.pause(1.0) == 4.0 and agent.pause(20.0) == agents.BACKOFF_MAX_SECONDS
    agent.answered_at -= agents.HEARTBEAT_PATIENCE_SECONDS
    with pytest.raises(CommError, match="cannot reach"):
        agent.heartbeat({})


@pytest.mark.parametrize("program", ["obedient", "stubborn"])
def test_an_agent_that_gives_up_stops_its_program_first(
        program: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(agents, "POLL_SECONDS", 0.05)
    monkeypatch.setattr(agents, "HEARTBEAT_SECONDS", 0.05)
    monkeypatch.setattr(agents, "STOP_GRACE_SECONDS", 0.5)
    agent = Unanswered(tmp_path)
    agent.answered_at -= agents.HEARTBEAT_PATIENCE_SECONDS
    with pytest.raises(CommError, match="cannot reach"):
        agent._run_program({"command": [sys.executable, "-c", SLEEPER, str(agent.started), program]}, "run1", {})
    with pytest.raises(ProcessLookupError):  # ended and reaped
        os.kill(int(agent.started.read_text()), 0)
    assert agent.child is None


def test_a_command_that_cannot_start_fails_its_run_and_the_agent_goes_on(tmp_path: Path) -> None:
    agent = Unanswered(tmp_path)
    assert agent._run_program({"program": "train.py"}, "run1", {"name": "a\x00b"}) is True
    assert agent._run_program({"command": [str(tmp_path / "missing")]}, "run2", {}) is True


@pytest.mark.parametrize("run_id", ["../../x", "a/b", "a\x00b", "a\nb", "", 5, None, "x" * 129])
def test_a_run_id_from_the_server_that_cannot_name_a_run_is_refused(run_id: Any) -> None:
    with pytest.raises(CommError, match="cannot be made"):
        agents._suggested({"type": "run", "run_id": run_id, "args": {}})


def test_a_run_command_gives_its_id_and_parameters() -> None:
    assert agents._suggested({"run_id": "ab12cd34", "args": {"x": {"value": 1}}}) == ("ab12cd34", {"x": 1})
    with pytest.raises(CommError, match="without its parameters"):
        agents._suggested({"run_id": "ab12cd34", "args": {"x": 1}})
