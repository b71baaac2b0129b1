"""Branching a run at a step of its history, as W&B's `resume_from` and `fork_from` do.

- Rewinding (W&B's rewindRun mutation) keeps the run and its id, drops its history after the step and
  recomputes its summary at the step (`_summary`); the config, console lines, system stream and files stay
  as they were, and logging continues after the step.
- Forking makes a new run that starts with a copy of another run's history up to the step, its summary as
  it stood at the step (W&B: "Summary metrics from the source run are copied to the forked run"; a branch at
  the step must not show values logged after it) and its files, not its config. W&B's SDK asks
  for it in the new run's config, `_wandb.branch_point = {"run_id", "step"}` (wandb_init.py), sent with the
  upsertBucket that creates the run, and the run stays readable there; the source must be in the same
  project ("The target run must be part of the current project", W&B's init reference).

Only the metric `_step` can name the step, as in W&B; a fractional value means the last whole step up to it.
Both go through the columnar store (history.truncate, history.copy) without rebuilding rows."""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import access
from ..auth import Viewer
from ..errors import NotFound, UserError
from ..tables import Run
from . import files, history, runs

METRIC = "_step"
# The largest step a branch point may name: W&B's rewindRun takes it as a GraphQL Float, a double, whose
# integers are exact up to 2^53 (beyond, 2^53 + 1 would rewind to 2^53).
MAX_STEP = 2**53


def _shown(value: Any) -> str:
    """A number for a message, compact however large."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or abs(value) < 1e15:
        return repr(value)
    try:
        return f"{value:.6g}"
    except OverflowError:  # an integer beyond float's range
        return "a number beyond 1e308"


def _step(run: Run, value: Any, what: str) -> int:
    """The step `value` names in the run's history, or a UserError saying why it names none."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or (
            isinstance(value, float) and not math.isfinite(value)):
        raise UserError(f"the step to {what} at must be a non-negative number, not {_shown(value)}")
    if value > MAX_STEP:
        raise UserError(f"the step to {what} at must be at most 2^53 ({MAX_STEP}), the largest a step sent as a "
                        f"GraphQL Float keeps exactly, not {_shown(value)}")
    if run.last_step is None:
        raise UserError(f"run {run.name} has no history to {what}")
    step = math.floor(value)
    if step > run.last_step:
        raise UserError(f"run {run.name} has no step {step} to {what} at: its last step is {run.last_step}")
    return step


def rewind(session: Session, viewer: Viewer, entity: str | None, project: str | None, *, name: str,
           metric_name: str, metric_value: float) -> Run:
    """Drop the run's history after the step and recompute its summary; returns the run."""
    if not project:
        raise UserError("rewindRun needs projectName, the project of the run to rewind")
    if metric_name != METRIC:
        raise UserError(f"a run can be rewound by the metric '{METRIC}' only (as in W&B), not {metric_name!r}")
    run = runs.writable(session, viewer, entity, project, name=name, lock=True)
    step = _step(run, metric_value, "rewind")
    logged = set(run.history_keys or {})
    history.truncate(session, run, step)
    run.summary = _summary(session, run, run.summary or {}, logged)
    session.flush()
    return run


_ROW_KEYS = ("_step", "_runtime", "_timestamp")  # describe the last row, whatever the summary held


def _summary(session: Session, run: Run, summary: dict[str, Any], logged: set[str]) -> dict[str, Any]:
    """`summary` (the run's, or a fork's source's, whose history held the keys `logged`) as it stood at the
    step `run`'s history, cut there, now ends at: computed from the stored columns, as the SDK computed it
    while logging. Only its keys are recomputed: one holding define_metric's aggregates ({"min": 4}) gets
    them over the history left, any other its last value; one whose history starts after the step is
    dropped; one never logged (set by hand) stays; a logged key the summary lacks (summary="none") stays
    out. _step, _runtime and _timestamp follow the last row."""
    last = history.latest(session, run)
    aggregated = {key: tuple(value) for key, value in summary.items()
                  if key in last and _aggregates(value) and not isinstance(last[key], dict)}  # a dict: media
    recomputed = history.aggregates(session, run, aggregated)
    result = {}
    for key, value in summary.items():
        if key not in logged:
            result[key] = value
        elif key in aggregated:
            if recomputed.get(key):
                result[key] = recomputed[key]
        elif key in last:
            result[key] = last[key]
    result.update({key: last[key] for key in _ROW_KEYS if key in last})
    return result


def _aggregates(value: Any) -> bool:
    """Whether a summary value is the SDK's define_metric aggregates of its key, e.g. {"min": 4, "last": 5}."""
    return isinstance(value, dict) and bool(value) and value.keys() <= set(history.AGGREGATES)


def branch_point(config: dict[str, Any]) -> dict[str, Any] | None:
    """W&B's `_wandb.branch_point` in a run's config, checked, or None where it has none."""
    bookkeeping = config.get("_wandb")
    point = bookkeeping.get("branch_point") if isinstance(bookkeeping, dict) else None
    if point is None:
        return None
    if not isinstance(point, dict) or not isinstance(point.get("run_id"), str) or "step" not in point:
        raise UserError('config _wandb.branch_point must be {"run_id": "<run id>", "step": <step>}, '
                        f"not {point!r}")
    return point


def fork(session: Session, viewer: Viewer, run: Run) -> bool:
    """For a run just created whose config holds a branch point naming another run of its project: copy that
    run's history up to the step, and its summary at the step under the new run's own keys. True when it did,
    so the run may hold history."""
    point = branch_point(run.config or {})
    if point is None or point["run_id"] == run.name:  # its own name: a rewound run's, set by resume_from
        return False
    source = session.scalar(select(Run).where(Run.project_id == run.project_id, Run.name == point["run_id"])
                            .with_for_update())
    if source is None or not access.can_read_run(session, viewer, source):
        raise NotFound(f"no run {point['run_id']} to fork from in {run.project.entity.name}/{run.project.name} "
                       "(a run forks from a run of its own project)")
    step = _step(source, point["step"], "fork")
    history.copy(session, source, run, step)
    files.copy(session, source, run, step)
    run.summary = {**_summary(session, run, source.summary or {}, set(source.history_keys or {})),
                   **(run.summary or {})}
    session.flush()
    return True


def check_config(run: Run, config: dict[str, Any]) -> None:
    """Refuse a config that would give a run that exists a branch point naming another run it was not forked
    from: forking makes a new run, so the id is taken (two forks racing for one id; W&B's SDK would have
    asked for the fork). Its own branch point, a fork's kept as it goes on or a rewind's naming the run
    itself, passes."""
    point = branch_point(config)
    if point is None or point["run_id"] == run.name or point == branch_point(run.config or {}):
        return
    raise UserError(f"run {run.name} already exists, so it cannot be forked from {point['run_id']}: a fork is a new "
                    "run (give it another id)")
