"""Runs: creation and resumption, metadata, config, summary and state."""

from __future__ import annotations

import json
import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Select, Table, bindparam, func, insert, select, update
from sqlalchemy.orm import Session, contains_eager, load_only, make_transient_to_detached

from .. import access, documents, pagination, projects
from .. import filters as mongo
from ..auth import Viewer
from ..automations import engine
from ..errors import NotFound, UserError
from ..names import check_name, row_id
from ..tables import DOCUMENT_CODES, VALUE_KEY_PREFIX, Entity, Project, Run, User, decode_nonfinite, run_values, utcnow

STATES = ("running", "finished", "failed", "crashed", "killed", "preempting", "preempted")
FINAL_STATES = ("finished", "failed", "crashed", "killed", "preempted")
LIVE_STATES = ("running", "preempting")
ENDED_BY_CLIENT = ("finished", "failed")  # by its exit code, as W&B's clients end a run
# What a run that stops sending heartbeats becomes: a preempting run said it would go quiet (its machine is
# being taken away), so its silence is a preemption, not a crash.
SILENT_ENDS = {"running": "crashed", "preempting": "preempted"}
# Ended only by silence: a run heard from again is live again, in the state it went silent in (a preempted run
# was preempting, so that going silent again preempts it again).
REVIVED = {ended: live for live, ended in SILENT_ENDS.items()}
ID_ALPHABET = string.ascii_lowercase + string.digits
DEFAULT_PROJECT = "uncategorized"  # W&B's, for a run logged without a project


def new_run_id() -> str:
    return "".join(secrets.choice(ID_ALPHABET) for _ in range(8))


def unwrap_config(wrapped: dict[str, Any]) -> dict[str, Any]:
    """W&B sends config as {"key": {"value": v, "desc": ...}}; we store plain values."""
    plain = {}
    for key, item in wrapped.items():
        if not isinstance(item, dict) or "value" not in item:
            raise UserError(f'config key {key!r} must be shaped {{"value": ...}}, as W&B sends config')
        plain[key] = item["value"]
    return plain


def wrap_config(plain: dict[str, Any]) -> dict[str, Any]:
    return {key: {"value": value, "desc": None} for key, value in plain.items()}


def merge_summary(run: Run, delta: dict[str, Any] | None, removed: list[str] | None = None) -> None:
    """Keys in delta replace the run's, a null value like any other (W&B keeps null); keys in `removed` go.
    Removals travel apart from values because null is a value."""
    if not delta and not removed:
        return
    both = sorted(set(delta or {}) & set(removed or ()))
    if both:
        raise UserError(f"summary keys {both} are both set (summaryMetrics) and removed (removeSummaryKeys)")
    summary = {**(run.summary or {}), **(delta or {})}
    for key in removed or ():
        summary.pop(key, None)
    run.summary = summary


def find(session: Session, viewer: Viewer, entity: str | None, project: str, *, name: str) -> Run | None:
    """The run, for a viewer who may read its project (access.can_read_run); None also when hidden from them."""
    found = projects.readable(session, viewer, entity or viewer.username, project)
    if found is None:
        return None
    return session.scalar(_BY_NAME, {"project_id": found.id, "name": name})


def find_counts(session: Session, viewer: Viewer, entity: str | None, project: str, *, name: str) -> Run | None:
    """As find, for a history read: only the run's id and history row count are loaded, with its project, in one
    query (_COUNTS)."""
    run = session.scalar(_COUNTS, {"entity": entity or viewer.username, "project": projects.project_name(project),
                                   "name": name})
    return run if run is not None and access.can_read_run(session, viewer, run) else None


def writable(
    session: Session, viewer: Viewer, entity: str | None, project: str, *, name: str, lock: bool = False
) -> Run:
    """The run, for a viewer allowed to change it; `lock` holds its row until commit (PostgreSQL)."""
    found = projects.writable(session, viewer, entity or viewer.username, project, create=False)
    query = select(Run).where(Run.project_id == found.id, Run.name == name)
    run = session.scalar(query.with_for_update() if lock else query)
    if run is None:
        raise NotFound(f"no run {found.entity.name}/{project}/{name}")
    return run


_BY_NAME = select(Run).where(Run.project_id == bindparam("project_id"), Run.name == bindparam("name"))  # built once
# What a history read needs of the run, and of its project what access.can_read_run reads, in one query: the
# run's documents (config, summary, history keys: large for a run of many keys) are not parsed for each page or
# sample, and reading any other attribute of the run raises rather than loading it.
_COUNTS = (select(Run).join(Run.project).join(Project.entity)
           .options(load_only(Run.id, Run.history_line_count, raiseload=True), contains_eager(Run.project))
           .where(Entity.name == bindparam("entity"), Project.name == bindparam("project"),
                  Run.name == bindparam("name")))
_TEXT_FIELDS = ("display_name", "notes", "group_name", "job_type", "host", "commit")


def upsert(session: Session, viewer: Viewer, fields: dict[str, Any], *,
           check_config: Callable[[Run, dict[str, Any]], None] | None = None) -> tuple[Run, bool]:
    """Create the run (and its project) or update the fields given; `check_config` sees a run that exists and
    the config about to replace its own, and may refuse it. A run left in a final state is the caller's to
    compact (history.compact), which builds on runs."""
    if fields.get("id") is not None:
        fields = _named_by_id(session, viewer, fields)
    if fields.get("notes") is None and fields.get("description") is not None:
        fields = {**fields, "notes": fields["description"]}  # W&B's older name
    entity = fields.get("entity_name") or viewer.username
    project = projects.writable(session, viewer, entity, fields.get("model_name") or DEFAULT_PROJECT, create=True)
    if projects.is_registry(project):
        raise UserError(f"{project.entity.name}/{project.name} is a registry, which holds linked artifact versions "
                        "only: runs live in ordinary projects")
    name = check_name("run id", fields.get("name") or new_run_id())
    run = session.scalar(_BY_NAME, {"project_id": project.id, "name": name})
    if run is None:
        run = _create(session, viewer, project, name, fields)
        changed, inserted = True, True
    else:
        changed, inserted = _update(session, run, fields, check_config), False
    if changed:
        engine.on_state(session, run)
    return run, inserted


def by_id(session: Session, viewer: Viewer, run_id: object) -> Run:
    """The run whose Run.id this is (W&B's clients name a run they made or read that way), for a viewer who
    may read it."""
    run = session.get(Run, row_id(run_id, "run"))
    if run is None or not access.can_read_run(session, viewer, run):
        raise NotFound(f"no run with id {run_id!r}")
    return run


def writable_by_id(session: Session, viewer: Viewer, run_id: object) -> Run:
    """The run whose Run.id this is, for a viewer allowed to change it (one who may only read it is refused)."""
    run = by_id(session, viewer, run_id)
    access.require_project_writer(session, viewer, run.project)
    return run


def stop(session: Session, viewer: Viewer, run_id: object) -> Run:
    """Ask a live run to stop, for a viewer who may write it (W&B's stopRun). Its client learns it from
    Run.stopped or the file_stream's answer and ends the run, which change_state then records as killed. A run
    that already ended is left as it is, as W&B leaves it."""
    run = writable_by_id(session, viewer, run_id)
    if run.state in LIVE_STATES:
        run.stop_requested = True
        session.flush()
    return run


def _named_by_id(session: Session, viewer: Viewer, fields: dict[str, Any]) -> dict[str, Any]:
    """The fields with the entity, project and run id of the run whose Run.id is fields["id"] (W&B's clients
    name a run they made that way); names given besides must be that run's."""
    run = by_id(session, viewer, fields["id"])
    names = {"entity_name": run.project.entity.name, "model_name": run.project.name, "name": run.name}
    for key, value in names.items():
        if fields.get(key) is not None and fields[key] != value:
            raise UserError(f"run {fields['id']!r} is {'/'.join(names.values())}: {key} {fields[key]!r} does "
                            "not name it")
    return {**fields, **names}


def _create(session: Session, viewer: Viewer, project: Project, name: str, fields: dict[str, Any]) -> Run:
    """The new run in one INSERT. Every run creation comes here, so it skips the unit of work's bookkeeping (a
    third of a creation's time): the run is built as a transient object, its columns inserted, and it joins
    the session as if loaded, so that what the request does with it next reads no row again."""
    run = Run(project=project, project_id=project.id, name=name, user_id=viewer.user_id, config={}, summary={},
              tags=[], history_keys={}, state="running", history_line_count=0, console_line_count=0, system_line_count=0,
              stop_requested=False)
    _apply(run, fields)
    if not run.display_name:  # W&B's server names every run: its clients take run.name from the answer
        run.display_name = name
    set_state(run, fields.get("state"), fields.get("exit_code"))
    run.created_at = run.heartbeat_at = utcnow()
    values = {key: getattr(run, key) for key in _COLUMNS}
    for key, value in values.items():  # the columns left unset are null: say so, or reading them would load them
        setattr(run, key, value)
    run.id = session.connection().execute(_INSERT, values).scalar_one()
    make_transient_to_detached(run)
    session.add(run)
    return run


def _update(session: Session, run: Run, fields: dict[str, Any],
            check_config: Callable[[Run, dict[str, Any]], None] | None) -> bool:
    """Change a stored run; True when this call changed its state."""
    _apply(run, fields, check_config)
    changed = change_state(session, run, fields.get("state"), fields.get("exit_code"))
    run.heartbeat_at = utcnow()
    session.flush()
    return changed


def _apply(run: Run, fields: dict[str, Any], check_config: Callable[[Run, dict[str, Any]], None] | None = None
           ) -> None:
    """The fields given, but for the state, onto the run (new or stored)."""
    for field in _TEXT_FIELDS:
        value = fields.get(field)
        if value is not None:
            most = _TEXT_LIMITS[field]
            if most is not None and len(value) > most:
                raise UserError(f"{field} must be at most {most} characters, not {len(value)}")
            setattr(run, field, value)
    if fields.get("tags") is not None:
        run.tags = list(dict.fromkeys(fields["tags"]))
    if fields.get("config") is not None:
        config = unwrap_config(documents.parse(fields["config"], "config"))
        if check_config is not None:
            check_config(run, config)
        run.config = config
    merge_summary(run, documents.parse(fields.get("summary_metrics"), "summaryMetrics"),
                  fields.get("remove_summary_keys"))


_COLUMNS = tuple(column.key for column in Run.__mapper__.column_attrs if column.key != "id")
_RUNS = cast(Table, Run.__table__)
_INSERT = insert(_RUNS).returning(_RUNS.c.id)  # built once
_TEXT_LIMITS: dict[str, int | None] = {field: getattr(_RUNS.c[field].type, "length", None) for field in _TEXT_FIELDS}


def set_state(run: Run, state: str | None, exit_code: int | None = None) -> None:
    if state is None:
        return
    if state not in STATES:
        raise UserError(f"state must be one of {', '.join(STATES)}, not {state!r}")
    run.state = state
    if state in FINAL_STATES:
        run.finished_at = utcnow()
        run.exit_code = exit_code
    else:
        run.finished_at = None
        run.exit_code = None


def change_state(session: Session, run: Run, state: str | None, exit_code: int | None = None) -> bool:
    """Set a stored run's state; True if this call is the one that changed it, which is when its automations
    fire. The change is an UPDATE conditional on the state read, so of requests racing to finish a run (an SDK
    resending, say) only one sees it change. A run asked to stop that its client then ends is killed; resuming
    a run its client ended spends a stop asked before (a crashed run heard from again was only silent: its
    client has yet to stop)."""
    before = run.state
    if state in ENDED_BY_CLIENT and run.stop_requested:
        state = "killed"
    elif state in LIVE_STATES and before in FINAL_STATES and before not in REVIVED:
        run.stop_requested = False
    if state is None or state == before:
        set_state(run, state, exit_code)
        return False
    if state not in STATES:
        raise UserError(f"state must be one of {', '.join(STATES)}, not {state!r}")
    moved = session.execute(update(Run).where(Run.id == run.id, Run.state == before).values(state=state)
                            .returning(Run.id).execution_options(synchronize_session=False)).first()
    set_state(run, state, exit_code)  # the same state again, with its finish time and exit code
    return moved is not None


@lru_cache(maxsize=128)
def _matching(dialect: str, project_id: int, filters_text: str | None, order: str | None) -> Select[Any]:
    """The query for a filter and order, built once: translating a filter costs more than the indexed search
    it makes (a page of runs is asked for again and again as a table is browsed)."""
    query = (select(Run).outerjoin(User, Run.user_id == User.id)
             .where(mongo.run_filter(documents.parse(filters_text, "filters"), dialect, project_id)))
    return query if order is None else query.order_by(*mongo.run_order(order or None, dialect))


def search(session: Session, project: Project, filters_text: str | None, order: str | None, *, first: int | None,
           after: str | None) -> pagination.Page[Run]:
    """One page of a project's runs matching a MongoDB-style filter, translated to SQL."""
    size, start = pagination.page_size(first), pagination.offset_of(after)
    query = _matching(session.get_bind().dialect.name, project.id, filters_text, order or "")
    return pagination.paged(list(session.scalars(query.offset(start).limit(size + 1))), start, size)


def count(session: Session, project: Project, filters_text: str | None) -> int:
    query = _matching(session.get_bind().dialect.name, project.id, filters_text, None)
    return session.scalar(select(func.count()).select_from(query.subquery())) or 0


@dataclass
class Group:
    """Runs sharing one value of a config key, their state or one of their tags: the value (None also for runs
    without the key, or without tags) and how many."""

    value: Any
    count: int


GROUP_FIELDS = ("config", "state", "tags")


def groups(session: Session, project: Project, filters_text: str | None, key: str | None, *, first: int | None,
           by: str | None = None) -> pagination.Page[Group]:
    """The distinct values of config path `key` (or, `by` "state" or "tags", of the runs' state or tags) among
    the runs matching the filter, most runs first, at most `first` of them: one GROUP BY over the runs the
    filter's indexes find, so a table can show its groups without reading every run. A run with several tags
    is in the group of each, as MongoDB's filter {"tags": TAG} finds it in each."""
    by = by or "config"
    if by not in GROUP_FIELDS:
        raise UserError(f"runs are grouped by one of {', '.join(GROUP_FIELDS)}, not {by[:100]!r}")
    if by == "config" and not key:
        raise UserError("grouping by config needs the config key to group by")
    size = pagination.page_size(first)
    dialect = session.get_bind().dialect.name
    matching = _matching(dialect, project.id, filters_text, None)
    if by == "tags":
        rows = session.execute(mongo.tag_groups(matching, dialect).limit(size + 1)).all()
        return pagination.paged([Group(value=row[0], count=row[1]) for row in rows], 0, size)
    grouped = matching.with_only_columns(*(mongo.config_group(key or "", dialect) if by == "config" else (Run.state,)))
    columns = list(grouped.subquery().c)
    runs = func.count().label("runs")
    rows = session.execute(select(*columns, runs).group_by(*columns).order_by(runs.desc(), *columns)
                           .limit(size + 1)).all()
    return pagination.paged([Group(value=_group_value(row[:-1]), count=row[-1]) for row in rows], 0, size)


@dataclass
class Keys:
    """The top-level keys a project's runs hold numbers or strings at, in config and in summary."""

    config: list[str]
    summary: list[str]
    has_more: bool


DEFAULT_KEYS = 500


def keys(session: Session, project: Project, *, first: int | None) -> Keys:
    """The project's config and summary keys, from the index of run values (tables.run_values), at most
    `first` of each in name order. The index keeps keys with a number or string (or a list of them) only, and
    a key's first VALUE_KEY_PREFIX characters, so keys that long are left out: a client adds the keys of the
    runs it shows."""
    size = DEFAULT_KEYS if first is None else pagination.page_size(first)
    found: dict[str, list[str]] = {}
    for document, code in DOCUMENT_CODES.items():
        key = run_values.c.key
        found[document] = list(session.scalars(
            select(key).where(run_values.c.project_id == project.id, run_values.c.doc == code,
                              func.length(key) < VALUE_KEY_PREFIX)
            .distinct().order_by(key).limit(size + 1)))
    more = any(len(names) > size for names in found.values())
    return Keys(config=found["config"][:size], summary=found["summary"][:size], has_more=more)


def _group_value(row: Any) -> Any:
    """A group's value from what config_group selected: (the JSONB value) or (SQLite's type, atom)."""
    if len(row) == 1:
        value = row[0]
    else:
        kind, atom = row
        value = {"true": True, "false": False, "null": None}.get(kind, atom)
        if kind in ("array", "object"):
            value = json.loads(atom)
    return decode_nonfinite(value) if isinstance(value, (dict, list)) else value


def edit(session: Session, run: Run, fields: dict[str, Any]) -> None:
    """Change a run that exists (runs.writable found it): its display name, notes or tags, those given. Edits
    from the web app come here, so that an edit racing the run's deletion fails rather than making it again."""
    _apply(run, {key: fields.get(key) for key in ("display_name", "notes", "tags")})
    session.flush()


def delete(session: Session, run: Run) -> None:
    """Delete the run (runs.writable found it) with its history and files. The artifact versions it logged stay,
    no longer logged by a run, unless the caller deleted them first (versions.delete_logged_by)."""
    session.delete(run)


def mark_crashed(session: Session, silent_for: timedelta) -> int:
    """Runs that stopped sending heartbeats crashed (were preempted, if they said they were preempting);
    returns how many were marked.

    The UPDATE re-checks each row's state, so when servers sweep together each
    run is marked, and its automations fire, once."""
    cutoff: datetime = utcnow() - silent_for
    marked: list[int] = []
    for state, ended in SILENT_ENDS.items():
        marked += session.scalars(
            update(Run)
            .where(Run.state == state, Run.heartbeat_at < cutoff)
            .values(state=ended, finished_at=utcnow())
            .returning(Run.id)
            .execution_options(synchronize_session=False)
        )
    for run_id in marked:
        run = session.get(Run, run_id, populate_existing=True)
        if run is not None:
            engine.on_state(session, run)
    return len(marked)
