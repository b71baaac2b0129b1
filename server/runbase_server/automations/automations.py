"""Automations (W&B's triggers): saving, checking, listing and deleting them.

A trigger has a scope, an event type with an event filter, and an action, all
checked here when saved so that a bad one never reaches the engine.

Event filters by event type (JSON):

- RUN_METRIC_THRESHOLD / RUN_METRIC_CHANGE / RUN_METRIC_ZSCORE:
  {"run_filter": {MongoDB document over run fields}, "metric": {...}}
  (metric fields in metric_filters.py);
- RUN_STATE: {"run_filter": {...}, "states": ["failed", "crashed", ...]};
- SCHEDULE: {"run_filter": {...}, "cron": "0 9 * * *" | null,
  "every_seconds": N | null, "lookback_seconds": N | null} (schedules.py);
- CREATE_ARTIFACT / LINK_ARTIFACT / ADD_ARTIFACT_ALIAS: {"filter": {MongoDB document over the
  version's fields: tag, alias, version, created_at, updated_at, metadata.KEY}}; for
  ADD_ARTIFACT_ALIAS "alias" is the alias added.

Scopes: PROJECT (entity, project), ARTIFACT_COLLECTION (entity, project, scope_name = the
collection, which must exist) and REGISTRY (entity = the organization, scope_name = the registry's
name); the scope must be visible to whoever saves the automation. Run events and SCHEDULE take a
PROJECT scope, CREATE_ARTIFACT a collection, the other artifact events any scope.

Actions: {"action_type": "NOTIFICATION", "integration_id", "title", "message",
"severity"}, {"action_type": "GENERIC_WEBHOOK", "integration_id",
"request_payload"}, {"action_type": "NO_OP"}."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import access, documents, entities, filters, pagination, projects
from ..artifacts import collections, registries
from ..auth import Viewer
from ..errors import Conflict, NotFound, UserError
from ..names import row_id
from ..runs.runs import STATES
from ..tables import (
    Entity,
    Integration,
    MetricWindow,
    Trigger,
    utcnow,
)
from . import integrations, metric_filters, payloads, schedules

METRIC_EVENTS = metric_filters.EVENT_TYPES
ARTIFACT_EVENTS = ("CREATE_ARTIFACT", "LINK_ARTIFACT", "ADD_ARTIFACT_ALIAS")
EVENT_TYPES = (*METRIC_EVENTS, "RUN_STATE", "SCHEDULE", *ARTIFACT_EVENTS)
SCOPE_TYPES = ("PROJECT", "ARTIFACT_COLLECTION", "REGISTRY")
SEVERITIES = ("INFO", "WARN", "ERROR")
ACTION_INTEGRATIONS = {"NOTIFICATION": integrations.SLACK, "GENERIC_WEBHOOK": integrations.WEBHOOK}


def _run_filter(session: Session, event_filter: dict[str, Any]) -> dict[str, Any]:
    run_filter = event_filter.get("run_filter")
    run_filter = {} if run_filter is None else run_filter
    if not isinstance(run_filter, dict):
        raise UserError("run_filter must be a MongoDB-style query document")
    filters.run_filter(run_filter, session.get_bind().dialect.name)  # raises on a bad document
    return run_filter


def _artifact_filter(session: Session, event_type: str, event_filter: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(event_filter) - {"filter"})
    if unknown:
        raise UserError(f'an artifact event filter is {{"filter": {{...}}}}, with no {", ".join(unknown)}')
    version_filter = event_filter.get("filter")
    version_filter = {} if version_filter is None else version_filter
    if not isinstance(version_filter, dict):
        raise UserError("filter must be a MongoDB-style query document over the artifact version")
    alias = "alias" if event_type == "ADD_ARTIFACT_ALIAS" else None
    filters.version_filter(version_filter, session.get_bind().dialect.name, alias=alias)  # raises on a bad one
    return version_filter


def check_event(session: Session, event_type: str, event_filter: Any) -> dict[str, Any]:
    if event_type not in EVENT_TYPES:
        raise UserError(f"eventType must be one of {', '.join(EVENT_TYPES)}, not {event_type!r}")
    if not isinstance(event_filter, dict):
        raise UserError("eventFilter must be a JSON object")
    if event_type in ARTIFACT_EVENTS:
        return {"filter": _artifact_filter(session, event_type, event_filter)}
    run_filter = _run_filter(session, event_filter)
    if event_type in METRIC_EVENTS:
        return {"run_filter": run_filter, "metric": metric_filters.normalize(event_type, event_filter.get("metric"))}
    if event_type == "RUN_STATE":
        states = event_filter.get("states")
        if not isinstance(states, list) or not states or any(state not in STATES for state in states):
            raise UserError(f"a RUN_STATE event needs states, a non-empty list of {', '.join(STATES)}")
        return {"run_filter": run_filter, "states": sorted(set(states))}
    return {"run_filter": run_filter, **schedules.normalize(event_filter)}


def check_action(session: Session, entity: Entity, event_type: str,
                 action: Any) -> tuple[dict[str, Any], Integration | None]:
    if not isinstance(action, dict):
        raise UserError("action must be a JSON object")
    action_type = action.get("action_type")
    if not isinstance(action_type, str):
        raise UserError("action_type must be NOTIFICATION, GENERIC_WEBHOOK or NO_OP")
    if action_type == "NO_OP":
        return {"action_type": "NO_OP"}, None
    kind = ACTION_INTEGRATIONS.get(action_type)
    if kind is None:
        raise UserError(f"action_type must be NOTIFICATION, GENERIC_WEBHOOK or NO_OP, not {action_type!r}")
    integration = session.get(Integration, row_id(action.get("integration_id"), "integration"))
    if integration is None or integration.entity_id != entity.id or integration.kind != kind:
        raise NotFound(f"entity {entity.name!r} has no {kind} integration with id {action.get('integration_id')!r}")
    if kind == integrations.WEBHOOK:
        request_payload = action.get("request_payload")
        if isinstance(request_payload, str):  # W&B's client sends the payload as JSON text
            request_payload = documents.parse(request_payload, "request_payload", object)
        payloads.check(request_payload, event_type, "request_payload")
        return {"action_type": action_type, "integration_id": str(integration.id),
                "request_payload": request_payload}, integration
    title, message = action.get("title") or "", action.get("message") or ""
    severity = str(action.get("severity") or "INFO").upper()
    if not isinstance(title, str) or not isinstance(message, str) or len(title) > 256:
        raise UserError("a notification's title (at most 256 characters) and message must be strings")
    if severity not in SEVERITIES:
        raise UserError(f"severity must be one of {', '.join(SEVERITIES)}, not {severity!r}")
    payloads.check([title, message], event_type, "the notification")
    return {"action_type": action_type, "integration_id": str(integration.id), "title": title,
            "message": message, "severity": severity}, integration


def _scope(session: Session, viewer: Viewer, trigger: Trigger, fields: dict[str, Any]) -> None:
    """Point the trigger at its scope's project (a registry is a project too) and entity."""
    scope_type = fields.get("scope_type") or trigger.scope_type
    if scope_type not in SCOPE_TYPES:
        raise UserError(f"scopeType must be one of {', '.join(SCOPE_TYPES)}, not {scope_type!r}")
    entity_name = fields.get("entity_name") or trigger.entity.name
    project_name = fields.get("project_name") or (trigger.project.name if trigger.project else None)
    scope_name = fields.get("scope_name") or (trigger.scope_name if scope_type == trigger.scope_type else None)
    if scope_type == "REGISTRY":
        if not scope_name:
            raise UserError("a REGISTRY scope needs scopeName, the registry's name")
        registry = registries.find(session, viewer, scope_name, entity_name)
        if registry is None:
            raise NotFound(f"no registry {scope_name!r} in {entity_name!r}")
        project, scope_name = registry.project, registries.name_of(registry)
    elif not project_name:
        raise UserError(f"a {scope_type} scope needs projectName")
    elif scope_type == "ARTIFACT_COLLECTION":
        if not scope_name:
            raise UserError("an ARTIFACT_COLLECTION scope needs scopeName, the collection's name")
        found = projects.readable(session, viewer, entity_name, project_name)
        if found is None or collections.find(session, found, scope_name) is None:
            raise NotFound(f"no artifact collection {entity_name}/{project_name}/{scope_name}")
        project = found
    else:
        project, scope_name = projects.writable(session, viewer, entity_name, project_name, create=True), None
    trigger.scope_type, trigger.scope_name, trigger.project, trigger.entity = (scope_type, scope_name, project,
                                                                               project.entity)


def _check_scope_fits(trigger: Trigger) -> None:
    """Run events happen in projects; a version is created in a collection (its sequence)."""
    if trigger.event_type not in ARTIFACT_EVENTS and trigger.scope_type != "PROJECT":
        raise UserError(f"{trigger.event_type} automations are scoped to a project, not {trigger.scope_type}")
    if trigger.event_type == "CREATE_ARTIFACT" and trigger.scope_type != "ARTIFACT_COLLECTION":
        raise UserError(f"CREATE_ARTIFACT automations are scoped to an artifact collection, not "
                        f"{trigger.scope_type}")


def _apply(session: Session, viewer: Viewer, trigger: Trigger, fields: dict[str, Any]) -> Trigger:
    changed = {key for key, value in fields.items() if value is not None}
    name = trigger.name if fields.get("name") is None else fields["name"].strip()
    if not name or len(name) > 256:
        raise UserError("an automation's name must be 1 to 256 characters")
    # Write access first (a missing entity refused in the same words), so that outsiders learn no names from a
    # clash; the trigger's own entity was checked when it was looked up (writable) or made (create).
    entity = entities.writable(session, viewer, fields["entity_name"]) if fields.get("entity_name") else trigger.entity
    # Checked before anything changes: a later query would flush the new name into the unique index first.
    clash = session.scalar(select(Trigger.id).where(Trigger.entity_id == entity.id, Trigger.name == name,
                                                    Trigger.id != trigger.id))
    if clash is not None:
        raise Conflict(f"entity {entity.name!r} already has an automation named {name!r}")
    trigger.name = name
    for field in ("description", "enabled"):
        if fields.get(field) is not None:
            setattr(trigger, field, fields[field])
    _scope(session, viewer, trigger, fields)
    access.require_entity_writer(session, viewer, trigger.entity)
    trigger.event_type = fields.get("event_type") or trigger.event_type
    _check_scope_fits(trigger)
    event_filter = fields.get("event_filter")
    event_filter = trigger.event_filter if event_filter is None else documents.parse(event_filter, "eventFilter")
    trigger.event_filter = check_event(session, trigger.event_type, event_filter)
    action = fields.get("action")
    action = trigger.action if action is None else documents.parse(action, "action")
    trigger.action, integration = check_action(session, trigger.entity, trigger.event_type, action)
    trigger.integration_id = integration.id if integration else None
    if trigger.event_type != "SCHEDULE" or not trigger.enabled:
        trigger.next_fire_at = None
    elif trigger.next_fire_at is None or "event_filter" in changed or "event_type" in changed:
        trigger.next_fire_at = schedules.next_fire(trigger.event_filter, utcnow())  # an edited description keeps it
    return trigger


def create(session: Session, viewer: Viewer, fields: dict[str, Any]) -> Trigger:
    for required in ("name", "entity_name", "scope_type", "event_type", "event_filter", "action"):
        if fields.get(required) is None:
            raise UserError(f"an automation needs {required}")
    trigger = Trigger(enabled=True, created_by=viewer.user_id,
                      entity=entities.writable(session, viewer, fields["entity_name"]))
    _apply(session, viewer, trigger, fields)
    session.add(trigger)
    session.flush()
    return trigger


def readable(session: Session, viewer: Viewer, trigger_id: str | int) -> Trigger | None:
    """The automation, for a viewer who may see it (access.readable_automation); None otherwise."""
    return access.readable_automation(session, viewer, session.get(Trigger, row_id(trigger_id, "automation")))


def writable(session: Session, viewer: Viewer, trigger_id: str | int) -> Trigger:
    return access.require_row_writer(session, viewer, readable(session, viewer, trigger_id),
                                     f"no automation with id {trigger_id!r}")


def update(session: Session, viewer: Viewer, trigger_id: str | int, fields: dict[str, Any]) -> Trigger:
    trigger = writable(session, viewer, trigger_id)
    before = (trigger.event_type, trigger.event_filter)
    _apply(session, viewer, trigger, fields)
    if (trigger.event_type, trigger.event_filter) != before:  # windows kept for the old filter mean nothing now
        session.execute(sa.delete(MetricWindow).where(MetricWindow.trigger_id == trigger.id))
    trigger.updated_at = utcnow()
    session.flush()
    return trigger


def delete(session: Session, viewer: Viewer, trigger_id: str | int) -> None:
    session.delete(writable(session, viewer, trigger_id))


def search(session: Session, viewer: Viewer, entity_name: str | None, name: str | None, *, first: int | None,
           after: str | None, project_id: int | None = None) -> pagination.Page[Trigger]:
    """Automations of entities the viewer belongs to (all of them for an instance admin), oldest first; those
    scoped to a restricted registry only for those who see it."""
    query = select(Trigger)
    if entity_name:  # a missing entity lists nothing, as a team the viewer is not in does
        entity = entities.find(session, entity_name)
        query = query.where(Trigger.entity_id == entity.id if entity is not None else sa.false())
    if project_id is not None:
        query = query.where(Trigger.project_id == project_id)
    if name is not None:
        query = query.where(Trigger.name == name)
    query = query.where(access.listed_automations(viewer))
    size, start = pagination.page_size(first), pagination.offset_of(after)
    rows = session.scalars(query.order_by(Trigger.id).offset(start).limit(size + 1))
    return pagination.paged(list(rows), start, size)
