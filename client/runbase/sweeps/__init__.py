"""Hyperparameter sweeps (W&B's sweep, agent and controller). The search runs on the server: `sweep` sends
the configuration, which the server checks (its errors name the bad key), and agents anywhere ask the server
for runs (agents.py)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import CommError, UsageError, present
from ..links import page_url
from ..term import termlog

if TYPE_CHECKING:
    from ..connection import Connection

DEFAULT_PROJECT = "uncategorized"


@dataclass(frozen=True)
class SweepPath:
    entity: str | None
    project: str
    name: str

    def __str__(self) -> str:
        return "/".join(part for part in (self.entity, self.project, self.name) if part)


def connect() -> tuple[Connection, Any]:
    """A connection with init()'s sources of settings, and those settings."""
    from ..connection import Connection
    from ..lifecycle import base_settings

    settings = base_settings()
    return Connection.from_settings(settings), settings


@contextmanager
def answered() -> Iterator[None]:
    """The server's refusals as the SDK's errors: a bad configuration or state is the caller's mistake
    (UsageError, naming the key), a part not built yet is a NotImplementedError."""
    try:
        yield
    except CommError as exc:
        if exc.code == "NOT_IMPLEMENTED":
            raise NotImplementedError(str(exc)) from None
        if exc.code in ("BAD_USER_INPUT", "NOT_FOUND", "FORBIDDEN"):
            raise UsageError(str(exc)) from None
        raise


def sweep_path(sweep_id: str, entity: str | None, project: str | None, settings: Any) -> SweepPath:
    """A sweep from "entity/project/id", "project/id" or "id" (W&B's forms; "sweeps/" may stand before the
    id), the rest from the arguments, then the settings (RUNBASE_ENTITY, RUNBASE_PROJECT)."""
    if not isinstance(sweep_id, str) or not sweep_id.strip():
        raise UsageError(f"a sweep id is a non-empty string, not {sweep_id!r}")
    parts = [part for part in sweep_id.strip().split("/") if part]
    if len(parts) >= 2 and parts[-2] == "sweeps":
        del parts[-2]
    if len(parts) > 3:
        raise UsageError(f"cannot read a sweep from {sweep_id!r}: use entity/project/sweep_id")
    name = parts[-1]
    project = parts[-2] if len(parts) >= 2 else project or settings.project or DEFAULT_PROJECT
    entity = parts[-3] if len(parts) == 3 else entity or settings.entity
    return SweepPath(entity, project, name)


def sweep(sweep: dict[str, Any] | Callable[[], dict[str, Any]], entity: str | None = None,
          project: str | None = None, prior_runs: list[str] | None = None) -> str:
    """Create a sweep on the server from a configuration (or a function returning one) and return its id.
    The configuration's own `entity` and `project` stand in for arguments not given."""
    from .._generated.input_types import UpsertSweepInput

    config = sweep() if callable(sweep) else sweep
    if not isinstance(config, dict):
        raise UsageError(f"a sweep configuration is a dict, not {type(config).__name__}")
    try:
        text = json.dumps(config, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise UsageError(f"the sweep configuration must hold JSON values only: {exc}") from None
    if prior_runs is not None and (isinstance(prior_runs, str)
                                   or not all(isinstance(run, str) for run in prior_runs)):
        raise UsageError("prior_runs is a list of run ids")
    connection, settings = connect()
    entity = entity or config.get("entity") or settings.entity
    project = project or config.get("project") or settings.project or DEFAULT_PROJECT
    filters = json.dumps({"$or": [{"name": run} for run in prior_runs]}) if prior_runs else None
    with answered():
        made = present(connection.upsert_sweep(UpsertSweepInput(
            config=text, entity_name=entity, project_name=project, prior_runs_filters=filters)).upsert_sweep,
            "upsertSweep").sweep
    where = present(made.project, "project")
    termlog(f"Created sweep with ID: {made.name}")
    termlog(f"View sweep at: {page_url(connection.base_url, where.entity_name, where.name, 'sweeps', made.name)}")
    return made.name


def agent(sweep_id: str, function: Callable[[], Any] | None = None, entity: str | None = None,
          project: str | None = None, count: int | None = None) -> None:
    """Run the sweep's suggestions one after another: `function` in this process (runbase.init() inside it
    joins the sweep, with runbase.config set to the suggestion), or without one the configuration's
    command as a subprocess, as `runbase agent` does. `count` caps how many runs this agent makes."""
    run_agent(sweep_id, function, entity=entity, project=project, count=count)


def run_agent(sweep_id: str, function: Callable[[], Any] | None = None, *, entity: str | None = None,
              project: str | None = None, count: int | None = None) -> int:
    """agent(), returning the status `runbase agent` exits with (see Agent.run)."""
    from .agents import Agent

    if count is not None and (type(count) is not int or count < 1):
        raise UsageError(f"count must be a positive integer, not {count!r}")
    if function is not None and not callable(function):
        raise UsageError("function must be callable (or None, to run the sweep's program)")
    connection, settings = connect()
    root = Path(settings.root_dir) if settings.root_dir else None
    return Agent(connection, sweep_path(sweep_id, entity, project, settings), count=count, root=root).run(function)


def set_state(sweep_id: str, state: str, *, entity: str | None = None, project: str | None = None) -> str:
    """Pause (PAUSED), resume (RUNNING), stop (FINISHED) or cancel (CANCELED) a sweep, as `runbase sweep
    --pause/--resume/--stop/--cancel` does; the state it is in afterwards."""
    from .._generated.input_types import UpsertSweepInput

    connection, settings = connect()
    path = sweep_path(sweep_id, entity, project, settings)
    found = connection.project_sweep(entity=path.entity, project=path.project, name=path.name).project
    if found is None or found.sweep is None:
        raise UsageError(f"no sweep {path} (or no access to it)")
    with answered():
        changed = present(connection.upsert_sweep(UpsertSweepInput(id=found.sweep.id, state=state)).upsert_sweep,
                          "upsertSweep")
    return changed.sweep.state


def controller(sweep_id_or_config: str | dict[str, Any] | None = None, entity: str | None = None,
               project: str | None = None) -> Any:
    """W&B's sweep controller object: reads, creates or builds a sweep (controller.py)."""
    from .controller import Controller

    return Controller(sweep_id_or_config, entity, project)
