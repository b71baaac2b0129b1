"""Branching a run at a step of its history, as W&B's `resume_from` and `fork_from` do.

- Rewinding (W&B's rewindRun mutation) keeps the run and its id, drops its history after the step and
  recomputes its summary from what is left (the last value of each history key; keys never logged to
  history stay); the config, console lines, system stream and files stay as they were, and logging
  continues after the step.
- Forking makes a new run that starts with a copy of another run's history up to the step and its summary
  (W&B: "Summary metrics from the source run are copied to the forked run"), not its config. W&B's SDK asks
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
from . import history, runs

METRIC = "_step"


def _step(run: Run, value: Any, what: str) -> int:
    """The step `value` names in the run's history, or a UserError saying why it names none."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise UserError(f"the step to {what} at must be a non-negative number, not {value!r}")
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
    logged = set(run.history_keys or {}) | {METRIC}
    history.truncate(session, run, step)
    run.summary = {**{key: value for key, value in (run.summary or {}).items() if key not in logged},
                   **history.latest(session, run)}
    session.flush()
    return run


def branch_point(run: Run) -> dict[str, Any] | None:
    """W&B's `_wandb.branch_point` in the run's config, checked, or None where it has none."""
    bookkeeping = (run.config or {}).get("_wandb")
    point = bookkeeping.get("branch_point") if isinstance(bookkeeping, dict) else None
    if point is None:
        return None
    if not isinstance(point, dict) or not isinstance(point.get("run_id"), str) or "step" not in point:
        raise UserError('config _wandb.branch_point must be {"run_id": "<run id>", "step": <step>}, '
                        f"not {point!r}")
    return point


def fork(session: Session, viewer: Viewer, run: Run) -> None:
    """For a run just created whose config holds a branch point naming another run of its project: copy that
    run's history up to the step, and its summary under the new run's own keys."""
    point = branch_point(run)
    if point is None or point["run_id"] == run.name:  # its own name: a rewound run's, set by resume_from
        return
    source = session.scalar(select(Run).where(Run.project_id == run.project_id, Run.name == point["run_id"])
                            .with_for_update())
    if source is None or not access.can_read_run(session, viewer, source):
        raise NotFound(f"no run {point['run_id']} to fork from in {run.project.entity.name}/{run.project.name} "
                       "(a run forks from a run of its own project)")
    step = _step(source, point["step"], "fork")
    history.copy(session, source, run, step)
    run.summary = {**(source.summary or {}), **(run.summary or {})}
    session.flush()
