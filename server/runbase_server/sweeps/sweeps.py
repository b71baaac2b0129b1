"""Sweeps: creating them (W&B's upsertSweep), their state, the runs that belong to them, and claiming their
suggestions.

States, as W&B names them: PENDING (made, no agent has asked yet), RUNNING, PAUSED (agents wait), FINISHED
(every suggestion handed out, the run cap reached, the metric's target met, or stopped: running runs go on,
no new ones), CANCELED (agents stop their runs and exit). W&B's FAILED and CRASHED belong to its launch
scheduler, which runbase does not have.

A claim is one UPDATE of the sweep's row that re-checks its state and bound, so of agents asking at once, on
any number of servers sharing one database, each suggestion number goes to exactly one and the run cap
holds; the UPDATE that hands out the last one also finishes the sweep."""

from __future__ import annotations

import json
import secrets
import string
import sys
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.orm import Session

from .. import access, documents, pagination, projects
from .. import filters as mongo
from ..auth import Viewer
from ..errors import NotFound, UserError
from ..names import check_label, check_name
from ..runs import history
from ..tables import Project, Run, Sweep, SweepAgent, SweepSuggestion, User, utcnow
from . import bayes
from . import config as sweep_config
from .search import grid_key, run_grid_key, suggestion

PENDING, RUNNING, PAUSED, FINISHED, CANCELED = "PENDING", "RUNNING", "PAUSED", "FINISHED", "CANCELED"
STATES = (PENDING, RUNNING, PAUSED, FINISHED, CANCELED)
OPEN = (PENDING, RUNNING)  # states in which suggestions are handed out
ENDED = (FINISHED, CANCELED)
MAX_CONFIG_BYTES = 1024 * 1024
ID_ALPHABET = string.ascii_lowercase + string.digits


def new_id() -> str:
    """W&B's shape of sweep and run ids: 8 lowercase letters and digits."""
    return "".join(secrets.choice(ID_ALPHABET) for _ in range(8))


def parse_config(text: str) -> tuple[dict[str, Any], sweep_config.SweepConfig]:
    """The configuration as sent (YAML, of which JSON is a part, as W&B's clients send it) and as checked; its
    size is checked as sent and as it will be stored."""
    if len(text.encode()) > MAX_CONFIG_BYTES:
        raise UserError(f"the sweep configuration is larger than {MAX_CONFIG_BYTES} bytes")
    document = sweep_config.read(text)
    checked = sweep_config.parse(document)
    if documents.stored_size(document) > MAX_CONFIG_BYTES:
        raise UserError(f"the sweep configuration is larger than {MAX_CONFIG_BYTES} bytes once read")
    found = documents.unstorable(document, jsonb=True)
    if found:
        raise UserError(f"the sweep configuration cannot be stored: {found}")
    return document, checked


_CHECKED: dict[tuple[int, str], sweep_config.SweepConfig] = {}
CHECKED_CACHE = 256


def checked(sweep: Sweep) -> sweep_config.SweepConfig:
    """The sweep's configuration, read once per process: it never changes (`change` refuses), and every
    heartbeat asks for it."""
    key = (sweep.id, sweep.name)
    found = _CHECKED.get(key)
    if found is None:
        if len(_CHECKED) >= CHECKED_CACHE:
            del _CHECKED[next(iter(_CHECKED))]
        found = _CHECKED[key] = sweep_config.parse(sweep.config)
    return found


def find(session: Session, project: Project, name: str) -> Sweep | None:
    return session.scalar(select(Sweep).where(Sweep.project_id == project.id, Sweep.name == name))


def readable(session: Session, viewer: Viewer, entity: str, project: str, name: str) -> Sweep | None:
    """The sweep, for a viewer who may read it; None also when hidden from them."""
    found = projects.readable(session, viewer, entity, project)
    if found is None:
        return None
    sweep = find(session, found, name)
    return sweep if sweep is not None and access.can_read_sweep(session, viewer, sweep) else None


def writable(session: Session, viewer: Viewer, entity: str, project: str, name: str) -> Sweep:
    """The sweep, for a viewer who may control it and run its agents."""
    found = projects.writable(session, viewer, entity, project, create=False)
    sweep = find(session, found, name)
    if sweep is None:
        raise NotFound(f"no sweep {entity}/{project}/{name}")
    access.require_sweep_writer(session, viewer, sweep)
    return sweep


def by_id(session: Session, viewer: Viewer, sweep_id: str) -> Sweep:
    """A sweep by the id GraphQL gives it (Sweep.id), for a viewer who may control it."""
    sweep = session.get(Sweep, int(sweep_id)) if sweep_id.isascii() and sweep_id.isdigit() and len(sweep_id) < 10 \
        else None
    if sweep is None or not access.can_read_sweep(session, viewer, sweep):
        raise NotFound(f"no sweep with id {sweep_id!r}")
    access.require_sweep_writer(session, viewer, sweep)
    return sweep


@dataclass
class Changes:
    """What upsertSweep sends, W&B's input fields under their names here."""

    entity: str | None = None
    project: str | None = None
    config: str | None = None
    description: str | None = None
    display_name: str | None = None
    state: str | None = None
    prior_runs_filters: str | None = None


def create(session: Session, viewer: Viewer, changes: Changes) -> Sweep:
    """A new sweep, PENDING unless the changes say otherwise, with the prior runs the filter names linked."""
    if changes.config is None:
        raise UserError("a new sweep needs `config`")
    document, config = parse_config(changes.config)
    # as W&B's SDK: the input's entity and project, else the configuration's own
    project = projects.writable(session, viewer, changes.entity or config.entity or viewer.username,
                                changes.project or config.project or "uncategorized", create=True)
    if projects.is_registry(project):
        raise UserError(f"{project.entity.name}/{project.name} is a registry: sweeps live in ordinary projects")
    expected = sweep_config.grid_size(config) if config.method == "grid" else None
    if config.run_cap is not None:
        expected = config.run_cap if expected is None else min(expected, config.run_cap)
    now = utcnow()
    sweep = Sweep(project=project, name=new_id(),
                  display_name=check_label("displayName", changes.display_name) or config.name,
                  description=changes.description if changes.description is not None else config.description,
                  method=config.method, config=document, state=PENDING, claimed=0, run_count_expected=expected,
                  seed=secrets.randbits(62), user_id=viewer.user_id, created_at=now, updated_at=now)
    session.add(sweep)
    session.flush()
    if changes.state is not None:
        set_state(session, sweep, changes.state)
    if changes.prior_runs_filters is not None:
        link_prior_runs(session, sweep, documents.parse(changes.prior_runs_filters, "priorRunsFilters"))
    return sweep


def change(session: Session, sweep: Sweep, changes: Changes) -> Sweep:
    """An existing sweep's state, description or name; its configuration is fixed once agents may have used it.
    An entity or project sent along must be the sweep's: a sweep does not move."""
    for what, given, own in (("entityName", changes.entity, sweep.project.entity.name),
                             ("projectName", changes.project, sweep.project.name)):
        if given is not None and given != own:
            raise UserError(f"sweep {sweep.name} is in {sweep.project.entity.name}/{sweep.project.name}, not in "
                            f"the {what} {given!r}: a sweep cannot move")
    if changes.config is not None and parse_config(changes.config)[1] != checked(sweep):
        raise UserError(f"sweep {sweep.name}'s configuration cannot change: create a new sweep")
    if changes.description is not None:
        sweep.description = changes.description
    if changes.display_name is not None:
        sweep.display_name = check_label("displayName", changes.display_name)
    if changes.state is not None:
        set_state(session, sweep, changes.state)
    if changes.prior_runs_filters is not None:
        link_prior_runs(session, sweep, documents.parse(changes.prior_runs_filters, "priorRunsFilters"))
    sweep.updated_at = utcnow()
    return sweep


# What each state may become by request; ended sweeps stay ended.
MOVES = {PENDING: {RUNNING, PAUSED, FINISHED, CANCELED}, RUNNING: {PAUSED, FINISHED, CANCELED},
         PAUSED: {RUNNING, FINISHED, CANCELED}, FINISHED: set(), CANCELED: set()}


def set_state(session: Session, sweep: Sweep, state: str) -> None:
    """Pause, resume, stop (FINISHED) or cancel; the UPDATE re-checks the state read, so a claim finishing
    the sweep meanwhile is not undone."""
    state = state.upper()
    if state not in STATES:
        raise UserError(f"a sweep's state is one of {', '.join(STATES)}, not {state!r}")
    before = sweep.state
    if state == before:
        return
    if state not in MOVES[before]:
        raise UserError(f"sweep {sweep.name} is {before}: it cannot become {state}")
    moved = session.execute(update(Sweep).where(Sweep.id == sweep.id, Sweep.state == before)
                            .values(state=state, updated_at=utcnow()).returning(Sweep.id)
                            .execution_options(synchronize_session=False)).first()
    session.refresh(sweep)
    if moved is None:
        raise UserError(f"sweep {sweep.name} became {sweep.state} meanwhile: it cannot become {state}")
    if state in ENDED:
        close_suggestions(session, sweep)


def link_prior_runs(session: Session, sweep: Sweep, filters: dict[str, Any]) -> int:
    """W&B's prior runs: the project's runs matching the filter (W&B sends {"$or": [{"name": id}, ...]}) join the
    sweep; returns how many. As upsertBucket's `sweep` does, a run of another sweep stays there (refused, naming
    it), and run ids the filter names that the project does not have are refused too."""
    if not filters:
        return 0
    dialect = session.get_bind().dialect.name
    matching = select(Run.id, Run.name, Run.sweep_id).outerjoin(User, Run.user_id == User.id).where(
        Run.project_id == sweep.project_id, mongo.run_filter(filters, dialect))
    taken = session.execute(matching.where(Run.sweep_id.is_not(None), Run.sweep_id != sweep.id)
                            .order_by(Run.name).limit(10)).all()
    if taken:
        raise UserError(f"prior runs {', '.join(row.name for row in taken)} belong to another sweep: a run "
                        "joins one sweep only")
    missing = sorted(set(_named_runs(filters)) - {row.name for row in session.execute(matching).all()})
    if missing:
        where = f"{sweep.project.entity.name}/{sweep.project.name}"
        raise UserError(f"no prior runs {', '.join(missing[:10])} in {where}: priorRunsFilters names runs of the "
                        "sweep's project")
    result = session.execute(update(Run).where(Run.id.in_(matching.with_only_columns(Run.id)))
                             .values(sweep_id=sweep.id).execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


def _named_runs(filters: dict[str, Any]) -> list[str]:
    """The run ids of W&B's prior-runs filter ({"$or": [{"name": id}, ...]} or {"name": id}); none for other
    filters, which select rather than name."""
    alternatives = filters.get("$or") if set(filters) == {"$or"} else [filters]
    if not isinstance(alternatives, list):
        return []
    names = [item.get("name") for item in alternatives if isinstance(item, dict) and set(item) == {"name"}]
    return [name for name in names if isinstance(name, str)] if len(names) == len(alternatives) else []


def link_run(session: Session, run: Run, sweep_name: str) -> None:
    """A run that names its sweep (upsertBucket's `sweep`, from the SDK's sweep_id setting) joins it: the sweep
    must be in the run's project, which the run's writer writes to."""
    sweep = find(session, run.project, sweep_name)
    if sweep is None:
        raise NotFound(f"no sweep {run.project.entity.name}/{run.project.name}/{sweep_name}: a run joins a sweep "
                       "of its own project")
    if run.sweep_id not in (None, sweep.id):
        raise UserError(f"run {run.name} belongs to another sweep")
    run.sweep_id = sweep.id
    session.execute(update(SweepSuggestion).where(SweepSuggestion.sweep_id == sweep.id,
                                                  SweepSuggestion.run_name == run.name,
                                                  SweepSuggestion.state == ISSUED)
                    .values(state=STARTED).execution_options(synchronize_session=False))


def search(session: Session, project: Project, first: int | None, after: str | None) -> pagination.Page[Sweep]:
    """A page of the project's sweeps, newest first."""
    size, start = pagination.page_size(first), pagination.offset_of(after)
    rows = session.scalars(select(Sweep).where(Sweep.project_id == project.id)
                           .order_by(Sweep.created_at.desc(), Sweep.id.desc()).offset(start).limit(size + 1))
    return pagination.paged(list(rows), start, size)


def count(session: Session, project: Project) -> int:
    return session.scalar(select(func.count()).select_from(Sweep).where(Sweep.project_id == project.id)) or 0


def run_count(session: Session, sweep: Sweep) -> int:
    return session.scalar(select(func.count()).select_from(Run).where(Run.sweep_id == sweep.id)) or 0


@dataclass
class Claimed:
    """A suggestion handed to one agent: the run to make and its parameters."""

    run_name: str
    parameters: dict[str, Any]


# a suggestion's states (tables.SweepSuggestion): STARTED once its run reached the server
ISSUED, STARTED, LOST, CLOSED = "ISSUED", "STARTED", "LOST", "CLOSED"
HANDS = 3  # times one suggestion number is handed out at most: once, and twice more when lost
RECLAIM_BATCH = 20
LIVE_RUN_STATES = ("running", "pending", "preempting")  # a run not yet ended
LOST_RUN_STATES = ("crashed",)  # a run that ended without finishing its suggestion


def claim(session: Session, sweep: Sweep, agent: SweepAgent, *, silent_for: timedelta,
          model: Any = None) -> Claimed | None:
    """The sweep's next suggestion, for one agent only; None when there is none to give (paused, ended, or the
    last one handed out). A suggestion lost with its agent comes first, under its own number (at most HANDS
    times in all). `model` is what `prepare` computed before the request wrote anything: the claim itself is
    short, and two agents claiming at once still get distinct numbers from the UPDATE of the sweep's row."""
    config = checked(sweep)
    if config.metric is not None and config.metric.target is not None and _target_met(session, sweep, config):
        _finish(session, sweep)
        return None
    lost = _reclaim(session, sweep, silent_for) if sweep.state in (*OPEN, FINISHED) else None
    if lost is not None:
        # its number again, so the run cap and runCountExpected stay as configured: grid's combination is
        # handed out again, random and bayes draw afresh
        number: int | None = lost.number
    else:
        number = _next_number(session, sweep)
        covered = _covered(session, sweep, config) if config.method == "grid" else set()
        while number is not None and covered and grid_key(config, number) in covered:
            _skip(session, sweep, config)
            number = _next_number(session, sweep)
    session.refresh(sweep)
    if number is None:
        return None
    # a lost random or bayes suggestion is drawn afresh: the seed moves with the times its number was handed out
    seed = sweep.seed if lost is None else (sweep.seed + _handed(session, sweep, number)) % 2**62
    if config.method == "bayes":
        parameters = _bayes(session, sweep, config, number, model, seed=seed)
    else:
        parameters = suggestion(config, seed=seed, number=number)
    made = Claimed(run_name=new_id(), parameters=parameters)
    session.add(SweepSuggestion(sweep_id=sweep.id, number=number, run_name=made.run_name, agent_id=agent.id,
                                parameters=parameters, state=ISSUED))
    return made


def _next_number(session: Session, sweep: Sweep) -> int | None:
    """The next suggestion number, taken by one UPDATE of the sweep's row (which holds that row until the
    request commits); None when the sweep hands out no more."""
    bound = Sweep.run_count_expected
    last = and_(bound.is_not(None), Sweep.claimed + 1 >= bound)
    claimed = session.scalar(
        update(Sweep).where(Sweep.id == sweep.id, Sweep.state.in_(OPEN), or_(bound.is_(None), Sweep.claimed < bound))
        .values(claimed=Sweep.claimed + 1, state=case((last, FINISHED), else_=RUNNING), updated_at=utcnow())
        .returning(Sweep.claimed).execution_options(synchronize_session=False))
    return None if claimed is None else claimed - 1


def _covered(session: Session, sweep: Sweep, config: sweep_config.SweepConfig) -> set[tuple[str, ...]]:
    """The grid combinations that runs of the sweep not made from its suggestions have (prior runs, runs that
    named the sweep): W&B's grid search hands out none of them. The sweep's own runs need no reading, their
    numbers being distinct combinations."""
    own = select(SweepSuggestion.id).where(SweepSuggestion.sweep_id == sweep.id,
                                           SweepSuggestion.run_name == Run.name)
    found: set[tuple[str, ...]] = set()
    for run_config in session.scalars(select(Run.config).where(Run.sweep_id == sweep.id, ~own.exists())):
        key = run_grid_key(config, run_config)
        if key is not None:
            found.add(key)
    return found


def _skip(session: Session, sweep: Sweep, config: sweep_config.SweepConfig) -> None:
    """A combination a run already has is handed to no one, and takes no place under the run cap: a cap below
    the grid's size rises by one (up to it), the sweep open again if the number taken was its last."""
    size = sweep_config.grid_size(config)
    session.execute(update(Sweep).where(Sweep.id == sweep.id, Sweep.run_count_expected < size)
                    .values(run_count_expected=Sweep.run_count_expected + 1, state=RUNNING)
                    .execution_options(synchronize_session=False))


def _reclaim(session: Session, sweep: Sweep, silent_for: timedelta) -> SweepSuggestion | None:
    """A suggestion whose agent has been silent longer than a run may be, and whose run never reached the
    server (ISSUED, no run) or crashed, marked LOST by one conditional UPDATE, so that only one agent takes its
    place. A run that reached the server and was deleted since is not lost. A number handed out HANDS times
    is not handed out again: a run that always dies does not cost the sweep forever."""
    cutoff = utcnow() - silent_for
    for candidate in session.scalars(
            select(SweepSuggestion)
            .outerjoin(SweepAgent, SweepAgent.id == SweepSuggestion.agent_id)
            .outerjoin(Run, and_(Run.project_id == sweep.project_id, Run.name == SweepSuggestion.run_name))
            .where(SweepSuggestion.sweep_id == sweep.id, SweepSuggestion.state.in_((ISSUED, STARTED)),
                   or_(SweepAgent.id.is_(None), SweepAgent.heartbeat_at < cutoff),
                   or_(and_(Run.id.is_(None), SweepSuggestion.state == ISSUED), Run.state.in_(LOST_RUN_STATES)))
            .order_by(SweepSuggestion.id).limit(RECLAIM_BATCH)).all():
        taken = session.scalar(update(SweepSuggestion).where(SweepSuggestion.id == candidate.id,
                                                             SweepSuggestion.state == candidate.state)
                               .values(state=LOST).returning(SweepSuggestion.id)
                               .execution_options(synchronize_session=False))
        if taken is not None and _handed(session, sweep, candidate.number) < HANDS:
            return candidate
    return None


def _handed(session: Session, sweep: Sweep, number: int) -> int:
    return session.scalar(select(func.count()).select_from(SweepSuggestion)
                          .where(SweepSuggestion.sweep_id == sweep.id, SweepSuggestion.number == number)) or 0


def prepare(session: Session, sweep: Sweep) -> Any:
    """What a claim of the sweep needs computed beforehand: bayes's model of its runs (bayes.observations says
    which, each by the best value in its history and summary). Called before the request writes anything, so
    the fit (the slow part) holds no write lock: on SQLite a write transaction blocks every other writer of the
    server. None for other methods, or while too few runs have ended."""
    config = checked(sweep)
    if config.method != "bayes":
        return None

    assert config.metric is not None
    metric = config.metric.name
    names = [name for path, _ in sweep_config.leaves(config.parameters) for name in path[:1]]
    observed_states = (*bayes.TERMINAL, "running") if config.metric.observes_running else bayes.TERMINAL
    rows = session.execute(select(Run.id, Run.config, Run.summary, Run.state)
                           .where(Run.sweep_id == sweep.id, Run.state.in_(observed_states))
                           .order_by(Run.id)).all()
    logged = history.extremes(session, [row.id for row in rows], metric)
    evaluated = []
    for row in rows:
        numbers = summary_numbers(row.summary, metric)
        found = logged.get(row.id)
        if found is not None:
            numbers += [found.low, found.high]
        evaluated.append(bayes.Evaluated(_run_parameters(row.config, names), row.state,
                                         low=min(numbers, default=None), high=max(numbers, default=None),
                                         last=None if found is None else found.last))
    return bayes.fit(config, seed=sweep.seed, observed=bayes.observations(evaluated, config.metric))


def summary_numbers(summary: Any, metric: str) -> list[float]:
    """The finite numbers the run's summary holds for the metric: its value, or the min, max and last that
    define_metric keeps (values of its history too). W&B's bayes ranks a run by the best of these and of its
    history."""
    value = summary.get(metric) if isinstance(summary, dict) else None
    values = [value.get(name) for name in ("min", "max", "last")] if isinstance(value, dict) else [value]
    return [number for number in map(history.finite_number, values) if number is not None]


def _bayes(session: Session, sweep: Sweep, config: sweep_config.SweepConfig, number: int,
           model: Any, *, seed: int) -> dict[str, Any]:
    """Bayes's suggestion from the model `prepare` fitted, the runs still going counting as their predicted
    value (W&B's: pending, preempting and preempted ones, and running ones unless `impute_while_running` made
    them observations): suggestions claimed meanwhile count, and each number draws its own candidates."""
    assert config.metric is not None
    going_states = [state for state in (*LIVE_RUN_STATES, "preempted")
                    if state != "running" or not config.metric.observes_running]
    going = session.scalars(
        select(SweepSuggestion.parameters)
        .outerjoin(Run, and_(Run.project_id == sweep.project_id, Run.name == SweepSuggestion.run_name))
        .where(SweepSuggestion.sweep_id == sweep.id, SweepSuggestion.state.in_((ISSUED, STARTED)),
               or_(Run.id.is_(None), Run.state.in_(going_states)))
        .order_by(SweepSuggestion.id.desc()).limit(bayes.PENDING_LIMIT))
    return bayes.suggest(config, seed=seed, number=number, pending=list(going), model=model)


def _run_parameters(run_config: Any, names: list[str]) -> dict[str, Any]:
    """A run's parameters from its config (stored as plain values, runs.unwrap_config)."""
    if not isinstance(run_config, dict):
        return {}
    return {name: run_config[name] for name in names if name in run_config}


def _target_met(session: Session, sweep: Sweep, config: sweep_config.SweepConfig) -> bool:
    """W&B's metric target: once a run of the sweep reaches it with a finite number (not an infinity, nor an
    array holding one), no new runs start."""
    assert config.metric is not None
    key, target = f"summary_metrics.{config.metric.name}", config.metric.target
    bounds = {"$gte": -sys.float_info.max, "$lte": target} if config.metric.goal == "minimize" \
        else {"$gte": target, "$lte": sys.float_info.max}
    condition = {"$and": [{key: bounds}, {f"{key}.0": {"$exists": False}}]}
    dialect = session.get_bind().dialect.name
    found = session.scalar(select(Run.id).outerjoin(User, Run.user_id == User.id)
                           .where(Run.sweep_id == sweep.id, mongo.run_filter(condition, dialect)).limit(1))
    return found is not None


def _finish(session: Session, sweep: Sweep) -> None:
    session.execute(update(Sweep).where(Sweep.id == sweep.id, Sweep.state.in_(OPEN))
                    .values(state=FINISHED, updated_at=utcnow()).execution_options(synchronize_session=False))
    session.refresh(sweep)
    close_suggestions(session, sweep)


def close_suggestions(session: Session, sweep: Sweep) -> None:
    """A sweep stopped or canceled hands out nothing again, lost or not."""
    session.execute(update(SweepSuggestion).where(SweepSuggestion.sweep_id == sweep.id,
                                                  SweepSuggestion.state.in_((ISSUED, STARTED)))
                    .values(state=CLOSED).execution_options(synchronize_session=False))


def config_text(sweep: Sweep) -> str:
    """The configuration as W&B's Sweep.config gives it: YAML text (here JSON, which YAML reads)."""
    return json.dumps(sweep.config)

