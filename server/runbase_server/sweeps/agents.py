"""Sweep agents, as W&B's agents talk to its server: createAgent registers one for a sweep, then each
agentHeartbeat reports the states of its runs and answers with commands.

Commands (W&B's): {"type": "run", "run_id", "args": {name: {"value": v}}} hands out a suggestion (claimed
for this agent alone, sweeps.claim), {"type": "stop", "run_id"} stops a run (of a canceled sweep, or one
that hyperband terminates early: the agent SIGTERMs it, and it ends killed), and {"type": "exit"} ends an
agent whose sweep has nothing more to give. An agent with a run still going gets no new one; an agent of a
paused sweep gets no command and asks again later."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import access
from ..auth import Viewer
from ..errors import NotFound, UserError
from ..names import row_id
from ..runs import history
from ..tables import Run, Sweep, SweepAgent, utcnow
from . import hyperband, sweeps
from .config import SweepConfig

LIVE_RUN_STATES = sweeps.LIVE_RUN_STATES  # what agents report for a run not yet ended
MAX_REPORTED_RUNS = 1000
HISTORY_PAGE = 10_000


def create(session: Session, viewer: Viewer, *, entity: str, project: str, sweep: str,
           host: str | None) -> SweepAgent:
    found = sweeps.writable(session, viewer, entity, project, sweep)
    agent = SweepAgent(sweep=found, user_id=viewer.user_id, host=host, state="RUNNING")
    session.add(agent)
    session.flush()
    return agent


def writable(session: Session, viewer: Viewer, agent_id: str) -> SweepAgent:
    """The agent, for a viewer who may run its sweep's agents; one whose sweep they cannot read is answered as
    one that does not exist, naming nothing of it."""
    agent = session.get(SweepAgent, row_id(agent_id, "sweep agent"))
    if agent is None or not access.can_read_sweep(session, viewer, agent.sweep):
        raise NotFound(f"no sweep agent with id {agent_id!r}")
    access.require_sweep_writer(session, viewer, agent.sweep)
    return agent


def heartbeat(session: Session, agent: SweepAgent, run_states: dict[str, Any], *,
              silent_for: timedelta) -> list[dict[str, Any]]:
    """The commands for the agent, given the states of its runs ({run_id: state}); an agent silent for
    `silent_for` (the runs' heartbeat timeout) is taken for dead."""
    if len(run_states) > MAX_REPORTED_RUNS or not all(isinstance(v, str) for v in run_states.values()):
        raise UserError(f"runState maps at most {MAX_REPORTED_RUNS} run ids to their states (strings)")
    sweep = agent.sweep
    session.refresh(sweep)
    live = [run_id for run_id, state in run_states.items() if state.lower() in LIVE_RUN_STATES]
    # bayes's model is fitted before anything is written: the write transaction starts after it, and is short
    model = sweeps.prepare(session, sweep) if not live and sweep.state in (*sweeps.OPEN, sweeps.FINISHED) \
        else None
    agent.heartbeat_at = utcnow()
    if sweep.state == sweeps.CANCELED:
        agent.state = "FINISHED"
        return [*({"type": "stop", "run_id": run_id} for run_id in live), {"type": "exit"}]
    if live:
        config = sweeps.checked(sweep)
        if config.early_terminate is None:
            return []
        return [{"type": "stop", "run_id": run_id} for run_id in early_stopped(session, sweep, config, live)]
    if sweep.state in (*sweeps.OPEN, sweeps.FINISHED):
        claimed = sweeps.claim(session, sweep, agent, silent_for=silent_for, model=model)
        if claimed is not None:
            args = {name: {"value": value} for name, value in claimed.parameters.items()}
            return [{"type": "run", "run_id": claimed.run_name, "args": args}]
    if sweep.state == sweeps.PAUSED:
        return []
    agent.state = "FINISHED"
    return [{"type": "exit"}]


def early_stopped(session: Session, sweep: Sweep, config: SweepConfig, live: list[str]) -> list[str]:
    """Of the agent's live runs, those hyperband stops, judged against every run of the sweep."""
    assert config.early_terminate is not None and config.metric is not None
    metric, maximize = config.metric.name, config.metric.goal == "maximize"
    runs = session.scalars(select(Run).where(Run.sweep_id == sweep.id))
    histories = {run.name: hyperband.values(_metric_history(session, run, metric), maximize=maximize)
                 for run in runs if metric in (run.history_keys or {})}
    going = [name for name in live if name in histories]
    return hyperband.to_stop(config.early_terminate, histories, going) if going else []


def _metric_history(session: Session, run: Run, metric: str) -> list[Any]:
    """The run's logged values of the metric, in order."""
    found: list[Any] = []
    start: int | None = None
    while True:
        page, start = history.scan(session, run, [metric], min_step=start, limit=HISTORY_PAGE)
        found += [row.get(metric) for row in json.loads(page)]
        if start is None:
            return found
