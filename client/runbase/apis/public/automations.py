"""Saved automations on the server: create, read, list, update, delete, and their delivery logs."""

from __future__ import annotations

import json
from typing import Any

from ..._generated.input_types import (
    CreateFilterTriggerInput,
    DeleteTriggerInput,
    RedeliverInput,
    UpdateFilterTriggerInput,
)
from ..._generated.project_triggers import ProjectTriggersProjectTriggers
from ..._generated.triggers import TriggersTriggers
from ...automations.actions import DoNothing, SendNotification
from ...automations.automation import Automation, NewAutomation
from ...automations.deliveries import Delivery
from ...automations.events import with_scope
from ...automations.integrations import SlackIntegration, WebhookIntegration
from ...connection import Connection
from ...errors import CommError, UsageError
from ..paginator import Listing
from .integrations import list_integrations, save_integration

WRITABLE = ("name", "description", "enabled", "scope", "event", "action")


class Automations(Listing[Automation]):
    """Saved automations, oldest first: an entity's (or every one the viewer can see), by name,
    or a project's."""

    def __init__(self, client: Connection, *, entity: str | None = None, name: str | None = None,
                 project: str | None = None, per_page: int = 50) -> None:
        super().__init__(per_page)
        if project is not None and (entity is None or name is not None):
            raise UsageError("a project's automations need the project's entity and take no name")
        self.client, self.entity, self.name, self.project = client, entity, name, project

    def _fetch(self, after: str | None) -> tuple[list[Automation], str | None, bool]:
        if self.project is not None:
            found = self.client.project_triggers(entity=self.entity, project=self.project, first=self.per_page,
                                                 after=after).project
            if found is None:
                raise ValueError(f"no project {self.entity}/{self.project} (or no access to it)")
            page: ProjectTriggersProjectTriggers | TriggersTriggers = found.triggers
        else:
            page = self.client.triggers(entity=self.entity, name=self.name, first=self.per_page, after=after).triggers
        automations = [Automation.from_trigger(edge.node, self.client) for edge in page.edges]
        return automations, page.page_info.end_cursor, page.page_info.has_next_page


class Deliveries(Listing[Delivery]):
    """An automation's delivery log, newest first."""

    def __init__(self, client: Connection, automation_id: str, status: str | None = None, per_page: int = 50) -> None:
        super().__init__(per_page)
        self.client, self.automation_id, self.status = client, automation_id, status

    def _fetch(self, after: str | None) -> tuple[list[Delivery], str | None, bool]:
        found = self.client.trigger_deliveries(id=self.automation_id, status=self.status, first=self.per_page,
                                               after=after).trigger
        if found is None:
            raise ValueError(f"no automation with id {self.automation_id!r} (or no access to it)")
        page = found.deliveries
        return ([Delivery.from_fields(edge.node) for edge in page.edges], page.page_info.end_cursor,
                page.page_info.has_next_page)


def _with_changes(obj: NewAutomation | Automation, changes: dict[str, Any]) -> Any:
    """A copy of `obj` with the keyword arguments of create/update_automation applied."""
    unknown = sorted(set(changes) - set(WRITABLE))
    if unknown:
        raise TypeError(f"unexpected keyword arguments {unknown}; automations take {', '.join(WRITABLE)}")
    copy = obj.model_copy()
    for key in ("event", "action", "name", "description", "enabled"):
        if key in changes:
            setattr(copy, key, changes[key])
    if "scope" in changes:
        if isinstance(copy, Automation):
            copy.scope = changes["scope"]
        elif copy.event is None:
            raise UsageError("give the automation an event before a scope: the scope is where the event happens")
        else:
            copy.event = with_scope(copy.event, changes["scope"])
    return copy


def _resolved(client: Connection, action: Any, entity: str) -> Any:
    """The action with its integration id: of its local integration (created now), or the entity's
    only integration of the action's kind."""
    if isinstance(action, DoNothing) or action.integration_id is not None:
        return action
    pending = action.pending_integration
    if pending is not None:
        if not pending.saved:
            save_integration(client, pending, entity)
        return action.model_copy(update={"integration_id": pending.id})
    kind, words = ((SlackIntegration, "Slack") if isinstance(action, SendNotification)
                   else (WebhookIntegration, "webhook"))
    found = [integration for integration in list_integrations(client, entity) if isinstance(integration, kind)]
    if len(found) != 1:
        raise UsageError(f"{type(action).__name__} names no integration and entity {entity!r} has {len(found)} "
                         f"{words} integrations, not one: use {type(action).__name__}.from_integration(...)")
    return action.model_copy(update={"integration_id": found[0].id})


def _wire(client: Connection, automation: NewAutomation | Automation) -> dict[str, Any]:
    """The trigger input fields both mutations share."""
    event = automation.event
    if event is None or automation.action is None:
        raise UsageError("an automation needs an event and an action before it is saved")
    action = _resolved(client, automation.action, event.scope.entity_name)
    return {"name": automation.name, "description": automation.description, **event.scope.to_input(),
            "event_type": event.event_type.value, "event_filter": json.dumps(event.to_event_filter()),
            "action": json.dumps(action.model_dump(mode="json"))}


def automation_by_name(client: Connection, name: str, entity: str | None = None) -> Automation:
    """The only automation with this name (in `entity`, or anywhere the viewer can see)."""
    found = list(Automations(client, entity=entity, name=name))
    if len(found) != 1:
        where = f" in entity {entity!r}" if entity else ""
        raise ValueError(f"{len(found)} automations named {name!r}{where}, not one")
    return found[0]


def create_automation(client: Connection, obj: NewAutomation, fetch_existing: bool = False,
                      **changes: Any) -> Automation:
    if not isinstance(obj, NewAutomation):
        raise UsageError(f"create_automation takes a NewAutomation (event >> action), not {type(obj).__name__}")
    new = _with_changes(obj, changes)
    missing = [field for field in ("name", "event", "action") if getattr(new, field) is None]
    if missing:
        raise UsageError(f"an automation needs {' and '.join(missing)} before it is saved")
    fields = _wire(client, new)
    try:
        result = client.create_filter_trigger(CreateFilterTriggerInput(
            **fields, enabled=True if new.enabled is None else new.enabled))
    except CommError as exc:
        if fetch_existing and exc.code == "CONFLICT":
            return automation_by_name(client, new.name, new.event.scope.entity_name)
        raise
    if result.create_filter_trigger is None:
        raise CommError("the server saved no automation and gave no reason")
    return Automation.from_trigger(result.create_filter_trigger.trigger, client)


def update_automation(client: Connection, obj: Automation, create_missing: bool = False,
                      **changes: Any) -> Automation:
    """Save every field of `obj` (with `changes` applied). A description of None keeps the saved one."""
    if not isinstance(obj, Automation):
        raise UsageError(f"update_automation takes a saved Automation, not {type(obj).__name__}")
    changed = _with_changes(obj, changes)
    try:
        result = client.update_filter_trigger(UpdateFilterTriggerInput(
            id=changed.id, **_wire(client, changed), enabled=changed.enabled))
    except CommError as exc:
        if create_missing and exc.code == "NOT_FOUND":
            return create_automation(client, NewAutomation(
                name=changed.name, description=changed.description, enabled=changed.enabled, event=changed.event,
                action=changed.action))
        raise
    if result.update_filter_trigger is None:
        raise CommError("the server updated no automation and gave no reason")
    return Automation.from_trigger(result.update_filter_trigger.trigger, client)


def delete_automation(client: Connection, obj_or_id: Automation | str) -> bool:
    automation_id = obj_or_id.id if isinstance(obj_or_id, Automation) else obj_or_id
    result = client.delete_trigger(DeleteTriggerInput(id=automation_id))
    if result.delete_trigger is None or not result.delete_trigger.success:
        raise CommError(f"the server did not delete automation {automation_id}")
    return True


def redeliver(client: Connection, delivery_or_id: Delivery | str) -> Delivery:
    delivery_id = delivery_or_id.id if isinstance(delivery_or_id, Delivery) else delivery_or_id
    result = client.redeliver(RedeliverInput(delivery_id=delivery_id))
    if result.redeliver is None:
        raise CommError(f"the server did not redeliver delivery {delivery_id}")
    return Delivery.from_fields(result.redeliver.delivery)
