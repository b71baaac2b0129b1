"""Automations: a new one to save (`NewAutomation`, made by `event >> action`) and a saved one
read back from the server (`Automation`), built from the same event, filter and action classes."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr

from .._generated.fragments import TriggerFields
from ..errors import UsageError
from .actions import Action, action_from_wire
from .events import Event, event_from_wire, with_scope
from .scopes import AutomationScope, as_scope, scope_from_wire

if TYPE_CHECKING:
    from ..apis.public import Api
    from ..apis.public.automations import Deliveries


class NewAutomation(BaseModel):
    """An automation not yet saved. `save()` (or `Api.create_automation`) makes it live."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    name: str | None = None
    description: str | None = None
    enabled: bool | None = None
    event: Event | None = None
    action: Action | None = None

    @property
    def scope(self) -> AutomationScope | None:
        """Where the event must happen: the event's scope."""
        return None if self.event is None else self.event.scope

    def save(self, name: str | None = None, description: str | None = None, enabled: bool | None = None,
             api: Api | None = None) -> Automation:
        """Create it on the server; arguments given override the automation's own values, and it
        is enabled unless enabled=False was set. Without `api`, a default `Api()` is used."""
        from ..apis.public import Api

        given = (("name", name), ("description", description), ("enabled", enabled))
        overrides: dict[str, Any] = {key: value for key, value in given if value is not None}
        return (api or Api()).create_automation(self, **overrides)


class Automation(BaseModel):
    """A saved automation. Change its fields and pass it to `Api.update_automation` to save them.

    `scope` and `event.scope` stay one: assigning either changes both."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    id: str
    created_at: datetime
    updated_at: datetime | None = None
    name: str = Field(min_length=1)
    description: str | None = None
    enabled: bool
    scope: Annotated[AutomationScope, BeforeValidator(as_scope)]
    event: Event
    action: Action

    _client: Any = PrivateAttr(None)

    @classmethod
    def from_trigger(cls, trigger: TriggerFields, client: Any = None) -> Automation:
        """From the generated client's TriggerFields; `client` serves `deliveries()`."""
        wire = trigger.scope
        scope = scope_from_wire(wire.scope_type, wire.entity_name, wire.project_name, wire.name)
        automation = cls(
            id=trigger.id, created_at=trigger.created_at, updated_at=trigger.updated_at, name=trigger.name,
            description=trigger.description, enabled=trigger.enabled, scope=scope,
            event=event_from_wire(trigger.event_type, json.loads(trigger.event_filter), scope),
            action=action_from_wire(json.loads(trigger.action)),
        )
        automation._client = client
        return automation

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "scope":
            event = with_scope(self.event, value)  # refuses a scope the event cannot have, changing nothing
            super().__setattr__("event", event)
            super().__setattr__("scope", event.scope)
            return
        super().__setattr__(name, value)
        if name == "event" and self.scope != self.event.scope:
            super().__setattr__("scope", self.event.scope)

    def __eq__(self, other: object) -> bool:
        """Equal when every field is; which connection read it does not matter."""
        if not isinstance(other, Automation):
            return NotImplemented
        return all(getattr(self, field) == getattr(other, field) for field in type(self).model_fields)

    def deliveries(self, status: str | None = None, per_page: int = 50) -> Deliveries:
        """What this automation sent, newest first; `status` narrows it (PENDING, SENDING,
        SUCCEEDED, FAILED, SUPPRESSED)."""
        from ..apis.public.automations import Deliveries

        if self._client is None:
            raise UsageError("this Automation was not read from a server; fetch it with Api.automation(name)")
        return Deliveries(self._client, self.id, status=status, per_page=per_page)
