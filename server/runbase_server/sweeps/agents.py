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
from sqlalchemy.orm import Session, load_only

from .. import access
from ..auth import Viewer
from ..errors import NotFound, UserError
from ..names import check_label, row_id
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
    agent = SweepAgent(sweep=found, user_id=viewer.user_id, host=check_label("host", host), state="RUNNING")
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
    """Of the agent's live runs, those hyperband stops, judged against every run of the sweep. Each run's metric
    is read only as far as the brackets in question: a live run's up to the last bracket its rows of the metric
    can have reached, the others' up to the last of those brackets; so a heartbeat costs the same however long
    the runs' histories grow."""
    rule, metric = config.early_terminate, config.metric
    assert rule is not None and metric is not None
    maximize = metric.goal == "maximize"
    bands = hyperband.brackets(rule)
    logged = {run.name: run for run in session.scalars(
        select(Run).where(Run.sweep_id == sweep.id)
        .options(load_only(Run.id, Run.name, Run.history_keys, Run.history_line_count, Run.last_step)))
        if _rows_with(run, metric.name) >= bands[0]}
    going: dict[str, list[float]] = {}
    for name in live:
        run = logged.get(name)
        if run is not None:
            reach = max(band for band in bands if band <= _rows_with(run, metric.name))
            going[name] = _metric_values(session, run, metric.name, maximize=maximize, wanted=reach)
    passed = [band for values in going.values() for band in bands if band <= len(values)]
    if not passed:
        return []
    histories = {name: going[name] if name in going else
                 _metric_values(session, run, metric.name, maximize=maximize, wanted=max(passed))
                 for name, run in logged.items()}
    best = None
    if not rule.strict:  # each live run by its best value so far, over its whole history
        found = history.extremes(session, [logged[name].id for name in going], metric.name)
        best = {run.name: -found[run.id].high if maximize else found[run.id].low
                for run in (logged[name] for name in going) if run.id in found}
    return hyperband.to_stop(rule, histories, list(going), best=best)


def _rows_with(run: Run, metric: str) -> int:
    """How many rows of the run's history hold the metric, of any type: as many finite numbers at most."""
    entry = (run.history_keys or {}).get(metric)
    counts = entry.get("typeCounts", []) if isinstance(entry, dict) else []
    return sum(int(item.get("count", 0)) for item in counts if isinstance(item, dict))


def _metric_values(session: Session, run: Run, metric: str, *, maximize: bool, wanted: int) -> list[float]:
    """The first `wanted` values of the metric as hyperband reads them (hyperband.values), fewer if the run has
    fewer. Read in windows of steps that double, so that only rows at and before the last one wanted are read,
    a tail not yet compacted included."""
    found: list[float] = []
    low, width = 0, wanted
    while len(found) < wanted and run.last_step is not None and low <= run.last_step:
        start: int | None = low
        while start is not None and len(found) < wanted:
            page, start = history.scan(session, run, [metric], min_step=start, max_step=low + width,
                                       limit=min(wanted - len(found), HISTORY_PAGE))
            found += hyperband.values([row.get(metric) for row in json.loads(page)], maximize=maximize)
        low, width = low + width, width * 2
    return found[:wanted]
