"""Sweep agents, as W&B's agents talk to its server: createAgent registers one for a sweep, then each
agentHeartbeat reports the states of its runs and answers with commands.

Commands (W&B's): {"type": "run", "run_id", "args": {name: {"value": v}}} hands out a suggestion (claimed
for this agent alone, sweeps.claim), {"type": "stop", "run_id"} stops a run of a canceled sweep, and
{"type": "exit"} ends an agent whose sweep has nothing more to give. An agent with a run still going gets
no new one; an agent of a paused sweep gets no command and asks again later."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ..auth import Viewer
from ..errors import NotFound, UserError
from ..names import row_id
from ..tables import SweepAgent, utcnow
from . import sweeps

LIVE_RUN_STATES = ("running", "pending", "preempting")  # what agents report for a run not yet ended
MAX_REPORTED_RUNS = 1000


def create(session: Session, viewer: Viewer, *, entity: str, project: str, sweep: str,
           host: str | None) -> SweepAgent:
    found = sweeps.writable(session, viewer, entity, project, sweep)
    agent = SweepAgent(sweep=found, user_id=viewer.user_id, host=host, state="RUNNING")
    session.add(agent)
    session.flush()
    return agent


def writable(session: Session, viewer: Viewer, agent_id: str) -> SweepAgent:
    agent = session.get(SweepAgent, row_id(agent_id, "sweep agent"))
    if agent is None:
        raise NotFound(f"no sweep agent with id {agent_id!r}")
    sweeps.writable(session, viewer, agent.sweep.project.entity.name, agent.sweep.project.name, agent.sweep.name)
    return agent


def heartbeat(session: Session, agent: SweepAgent, run_states: dict[str, Any]) -> list[dict[str, Any]]:
    """The commands for the agent, given the states of its runs ({run_id: state})."""
    if len(run_states) > MAX_REPORTED_RUNS or not all(isinstance(v, str) for v in run_states.values()):
        raise UserError(f"runState maps at most {MAX_REPORTED_RUNS} run ids to their states (strings)")
    agent.heartbeat_at = utcnow()
    sweep = agent.sweep
    session.refresh(sweep)
    live = [run_id for run_id, state in run_states.items() if state.lower() in LIVE_RUN_STATES]
    if sweep.state == sweeps.CANCELED:
        agent.state = "FINISHED"
        return [*({"type": "stop", "run_id": run_id} for run_id in live), {"type": "exit"}]
    if live:
        return []
    if sweep.state in sweeps.OPEN:
        claimed = sweeps.claim(session, sweep)
        if claimed is not None:
            args = {name: {"value": value} for name, value in claimed.parameters.items()}
            return [{"type": "run", "run_id": claimed.run_name, "args": args}]
    if sweep.state == sweeps.PAUSED:
        return []
    agent.state = "FINISHED"
    return [{"type": "exit"}]
