"""The automation engine: events from runs, matched against enabled triggers,
become deliveries in the same transaction.

Event sources call in here: history.append (`on_history`, metric events),
run state changes (`on_state`), the clock (`fire_schedule`) and artifact versions being created, linked
and given aliases (`on_artifact`). Adding a source means a function that finds the triggers of its event
type in scope, checks their filters and calls `fire`."""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, or_, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from .. import filters
from ..settings import of_session
from ..tables import (
    Artifact,
    ArtifactAlias,
    ArtifactCollection,
    ArtifactMembership,
    MetricWindow,
    Run,
    Trigger,
    User,
    utcnow,
)
from . import metric_filters, outbox, payloads, schedules

log = logging.getLogger("runbase.automations")


# Built once: every run event asks it. Most projects have no automations, so the ids come first, in a plain
# SELECT that costs a fraction of loading objects; only ids found are loaded.
_TRIGGER_TABLE = Trigger.__table__
_TRIGGER_IDS = select(_TRIGGER_TABLE.c.id).where(_TRIGGER_TABLE.c.project_id == bindparam("project_id"),
                                                 _TRIGGER_TABLE.c.event_type.in_(bindparam("event_types", expanding=True)),
                                                 _TRIGGER_TABLE.c.enabled.is_(True))
_TRIGGERS = select(Trigger).where(Trigger.id.in_(bindparam("ids", expanding=True))).order_by(Trigger.id)


def _triggers(session: Session, project_id: int, event_types: tuple[str, ...]) -> list[Trigger]:
    session.flush()  # what the ORM's query would do: a trigger made earlier in the request counts
    ids = session.connection().execute(_TRIGGER_IDS, {"project_id": project_id,
                                                      "event_types": list(event_types)}).scalars().all()
    return list(session.scalars(_TRIGGERS, {"ids": ids})) if ids else []


def run_matches(session: Session, run: Run, run_filter: dict[str, Any]) -> bool:
    """Run filters are MongoDB documents translated to SQL, like the Public API's."""
    if not run_filter:
        return True
    query = (select(Run.id).outerjoin(User, Run.user_id == User.id)
             .where(Run.id == run.id, filters.run_filter(run_filter, session.get_bind().dialect.name)))
    return session.scalar(query) is not None


def run_values(session: Session, event_type: str, run: Run) -> dict[str, Any]:
    """The template variables every run event has."""
    project = run.project
    entity = project.entity.name
    settings = of_session(session.info)
    return {
        "event_type": event_type,
        "event_author": run.user.username if run.user else None,
        "entity_name": entity,
        "project_name": project.name,
        "run_name": run.display_name or run.name,
        "run_id": run.name,
        "run_state": run.state,
        "run_url": settings.page_link(entity, project.name, "runs", run.name),
    }


def fire(session: Session, trigger: Trigger, values: dict[str, Any], run: Run | None = None) -> None:
    """Turn one firing into a delivery carrying the rendered message."""
    action = trigger.action
    action_type = action["action_type"]
    integration_id = int(action["integration_id"]) if "integration_id" in action else None
    if action_type == "GENERIC_WEBHOOK":
        template = action.get("request_payload")
        payload = payloads.render(payloads.default_payload(trigger.event_type) if template is None else template,
                                  values)
    elif action_type == "NOTIFICATION":
        payload = payloads.slack_message(action["title"], action["message"], action["severity"], values)
    else:
        payload = values
    outbox.enqueue(session, entity_id=trigger.entity_id, event_type=trigger.event_type,
                       action_type=action_type, payload=payload, trigger=trigger, integration_id=integration_id,
                       run=run)


def _number(value: Any) -> float | None:
    """A finite float, or None: metric filters judge numbers, and an integer beyond float's range is none."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        value = float(value)
    except OverflowError:
        return None
    return value if math.isfinite(value) else None


@contextmanager
def _isolated(session: Session, trigger: Trigger) -> Iterator[None]:
    """One automation's evaluation in a savepoint: a bug in it is logged, never a reason to refuse the data.
    Database errors still propagate, so a request that lost a race is retried whole."""
    try:
        with session.begin_nested():
            yield
    except DBAPIError:
        raise
    except Exception:
        log.exception("automation %s (%s) failed to evaluate; skipped", trigger.id, trigger.name)


def _observe(session: Session, trigger: Trigger, run: Run, rows: list[dict[str, Any]]) -> list[tuple[int, float]]:
    """Feed the rows' values of the trigger's metric through its window; (step, judged value) where it fired."""
    spec = trigger.event_filter["metric"]
    name = spec["name"]
    window = session.get(MetricWindow, (trigger.id, run.id), with_for_update=True)
    if window is None:
        window = MetricWindow(trigger_id=trigger.id, run_id=run.id, last_step=-1, seen=0, values=[], satisfied=False)
        session.add(window)
    keep = metric_filters.kept(trigger.event_type, spec)
    values, seen, satisfied = list(window.values), window.seen, window.satisfied
    fired = []
    for row in rows:
        value = _number(row.get(name))
        step = row["_step"]
        if value is None or step <= window.last_step:
            continue
        values = (values + [value])[-keep:]
        seen += 1
        now, judged = metric_filters.holds(trigger.event_type, spec, values, seen, before=satisfied)
        if now and not satisfied:
            fired.append((step, judged))
        satisfied = now
        window.last_step = step
    window.values, window.seen, window.satisfied = values, seen, satisfied
    return fired


def on_history(session: Session, run: Run, rows: list[dict[str, Any]]) -> None:
    """New history rows of a run (steps above any stored before)."""
    if not rows:
        return
    for trigger in _triggers(session, run.project_id, metric_filters.EVENT_TYPES):
        name = trigger.event_filter["metric"]["name"]
        if not any(name in row for row in rows):
            continue
        with _isolated(session, trigger):
            if not run_matches(session, run, trigger.event_filter["run_filter"]):
                continue
            for step, value in _observe(session, trigger, run, rows):
                fire(session, trigger, {**run_values(session, trigger.event_type, run), "metric_name": name,
                                        "metric_value": value, "metric_step": step}, run)


def on_state(session: Session, run: Run) -> None:
    """The run's state has just changed to run.state."""
    for trigger in _triggers(session, run.project_id, ("RUN_STATE",)):
        if run.state not in trigger.event_filter["states"]:
            continue
        with _isolated(session, trigger):
            if run_matches(session, run, trigger.event_filter["run_filter"]):
                fire(session, trigger, run_values(session, "RUN_STATE", run), run)


DIGEST_RUNS = 50
DIGEST_METRICS = 8


def _digest(session: Session, trigger: Trigger, start: datetime, end: datetime) -> dict[str, Any]:
    """The runs of the trigger's project that started or ended in [start, end): counts by state, and the first
    DIGEST_RUNS of them with a few summary metrics."""
    active = or_(and_(Run.created_at >= start, Run.created_at < end),
                 and_(Run.finished_at >= start, Run.finished_at < end))
    matching = (Run.project_id == trigger.project_id, active,
                filters.run_filter(trigger.event_filter.get("run_filter") or {}, session.get_bind().dialect.name))
    counted = session.execute(select(Run.state, func.count()).outerjoin(User, Run.user_id == User.id)
                              .where(*matching).group_by(Run.state)).all()
    states = dict(sorted((state, count) for state, count in counted))
    total = sum(states.values())
    shown = session.execute(select(Run.name, Run.display_name, Run.state, Run.summary)
                            .outerjoin(User, Run.user_id == User.id).where(*matching)
                            .order_by(Run.created_at, Run.id).limit(DIGEST_RUNS)).all()
    listed = []
    for name, display_name, state, summary in shown:
        metrics = {key: value for key, value in (summary or {}).items()
                   if not key.startswith("_") and _number(value) is not None}
        listed.append({"run_id": name, "run_name": display_name or name, "state": state,
                       "summary": dict(list(metrics.items())[:DIGEST_METRICS])})
    lines = [f"{total} runs: " + ", ".join(f"{n} {state}" for state, n in states.items())]
    lines += [f"- {item['run_name']} ({item['run_id']}): {item['state']}"
              + "".join(f", {k}={float(v):.6g}" for k, v in item["summary"].items()) for item in listed]
    if total > DIGEST_RUNS:
        lines.append(f"... and {total - DIGEST_RUNS} more")
    project = trigger.project
    if project is None:  # a schedule is saved with a project scope; its project's deletion deletes it
        raise ValueError(f"schedule {trigger.id} has no project")
    return {"event_type": "SCHEDULE", "event_author": trigger.creator.username if trigger.creator else None,
            "entity_name": project.entity.name, "project_name": project.name,
            "period_start": start.isoformat(), "period_end": end.isoformat(), "run_count": total,
            "digest": "\n".join(lines), "digest_runs": listed}


def due_schedules(session: Session) -> list[int]:
    return list(session.scalars(select(Trigger.id).where(
        Trigger.event_type == "SCHEDULE", Trigger.enabled.is_(True), Trigger.next_fire_at <= utcnow())
        .order_by(Trigger.id)))


def fire_schedule(session: Session, trigger_id: int) -> bool:
    """Fire a due schedule; False if it was not due or another server fired it.

    A trigger fires once per due time however many servers share the database:
    each claims it by moving `next_fire_at` forward only if nobody else has.
    After downtime a schedule fires once, not once per missed period, and its
    digest covers everything since the last one."""
    trigger = session.get(Trigger, trigger_id)
    now = utcnow()
    if trigger is None or not trigger.enabled or trigger.next_fire_at is None or trigger.next_fire_at > now:
        return False
    scheduled, spec = trigger.next_fire_at, trigger.event_filter
    start = trigger.last_fired_at or scheduled - schedules.period(spec, scheduled)
    if spec.get("lookback_seconds"):
        start = scheduled - timedelta(seconds=spec["lookback_seconds"])
    following = schedules.next_fire(spec, scheduled)
    while following <= now:
        following = schedules.next_fire(spec, following if spec.get("every_seconds") else now)
    claimed = session.scalars(update(Trigger).where(Trigger.id == trigger.id, Trigger.next_fire_at == scheduled)
                              .values(next_fire_at=following, last_fired_at=scheduled).returning(Trigger.id)
                              .execution_options(synchronize_session=False)).all()
    if len(claimed) != 1:  # another server fired it
        return False
    with _isolated(session, trigger):
        fire(session, trigger, _digest(session, trigger, start, scheduled))
    return True



def _artifact_triggers(session: Session, event_type: str, collection: ArtifactCollection) -> list[Trigger]:
    """A collection's project holds every scope that can contain it: the project (or registry) itself, or
    the collection by name."""
    return list(session.scalars(select(Trigger).where(
        Trigger.project_id == collection.project_id, Trigger.event_type == event_type, Trigger.enabled.is_(True),
        or_(Trigger.scope_type != "ARTIFACT_COLLECTION", Trigger.scope_name == collection.name))
        .order_by(Trigger.id)))


def rename_scope(session: Session, project_id: int, scope_type: str, old_name: str, *, new_name: str) -> None:
    """Collection and registry scopes are saved by name: renaming what they name carries them along."""
    session.execute(update(Trigger).where(Trigger.project_id == project_id, Trigger.scope_type == scope_type,
                                          Trigger.scope_name == old_name)
                    .values(scope_name=new_name).execution_options(synchronize_session="fetch"))


def drop_scope(session: Session, project_id: int, scope_type: str, name: str) -> None:
    """Automations scoped to a collection or registry that is deleted go with it: saved by name, they would
    otherwise fire for a new one of the same name."""
    session.execute(delete(Trigger).where(Trigger.project_id == project_id, Trigger.scope_type == scope_type,
                                          Trigger.scope_name == name).execution_options(synchronize_session="fetch"))


def artifact_matches(session: Session, artifact: Artifact, collection: ArtifactCollection,
                     version_filter: dict[str, Any], *, alias: str | None) -> bool:
    """Artifact event filters are MongoDB documents over the version as seen in the collection."""
    if not version_filter:
        return True
    query = select(Artifact.id).where(Artifact.id == artifact.id, filters.version_filter(
        version_filter, session.get_bind().dialect.name, collection_id=collection.id, alias=alias))
    return session.scalar(query) is not None


def artifact_values(session: Session, event_type: str, artifact: Artifact, collection: ArtifactCollection, *,
                    alias: str | None, author: str | None = None) -> dict[str, Any]:
    """The template variables of an artifact event: the version as seen in the collection it happened in;
    `event_author` is who made it happen (who linked or aliased the version, or committed it), else who logged
    the version."""
    project = collection.project
    entity = project.entity.name
    index = session.scalar(select(ArtifactMembership.version_index).where(
        ArtifactMembership.collection_id == collection.id, ArtifactMembership.artifact_id == artifact.id))
    version = f"v{index}" if index is not None else None
    aliases = list(session.scalars(select(ArtifactAlias.alias).where(
        ArtifactAlias.collection_id == collection.id, ArtifactAlias.artifact_id == artifact.id)
        .order_by(ArtifactAlias.alias)))
    if author is None and artifact.user_id is not None:
        logger = session.get(User, artifact.user_id)
        author = logger.username if logger else None
    type_name = collection.type.name
    url = of_session(session.info).page_link(entity, project.name, "artifacts", type_name, collection.name,
                                             str(version))
    metadata = payloads.plain(dict(artifact.meta or {}))
    return {
        "event_type": event_type,
        "event_author": author,
        "entity_name": entity,
        "project_name": project.name,
        "artifact_collection_name": collection.name,
        "artifact_version_string": f"{entity}/{project.name}/{collection.name}:{version}",
        "artifact_version": {
            "id": str(artifact.id), "name": f"{collection.name}:{version}", "version": version,
            "collection": collection.name, "type": type_name, "digest": artifact.digest, "aliases": aliases,
            "tags": list(artifact.tags or []), "metadata": metadata, "description": artifact.description,
            "size": artifact.size, "created_at": artifact.created_at.isoformat(), "url": url,
        },
        "artifact_metadata": metadata,
        "alias": alias,
    }


def on_artifact(session: Session, event_type: str, artifact: Artifact, collection: ArtifactCollection, *,
                alias: str | None = None, author: str | None = None) -> None:
    """CREATE_ARTIFACT (a version committed in its sequence), LINK_ARTIFACT (a version linked into a portfolio)
    or ADD_ARTIFACT_ALIAS (a user's alias put on a version in a collection: `alias`) happened; called in the
    transaction that did it, after the version's membership (and alias) in `collection` is written; `author` is
    the user who did it."""
    values: dict[str, Any] | None = None
    for trigger in _artifact_triggers(session, event_type, collection):
        with _isolated(session, trigger):
            if artifact_matches(session, artifact, collection, trigger.event_filter.get("filter") or {}, alias=alias):
                values = values or artifact_values(session, event_type, artifact, collection, alias=alias,
                                                   author=author)
                fire(session, trigger, values)
