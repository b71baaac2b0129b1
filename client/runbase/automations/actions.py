"""What an automation does when it fires: post to Slack, call a webhook, or nothing.

Each action dumps (`model_dump(mode="json")`) to exactly the `action` JSON the server stores.
Titles, messages and webhook payloads may hold template variables the server fills in when it
fires: ${event_type}, ${event_author}, ${entity_name}, ${project_name}, ${run_name}, ${run_id},
${metric_name}, ${metric_value}, ${run_state}, ${run_url}; for schedules ${period_start},
${period_end}, ${run_count}, ${digest} and ${digest_runs}.
"""

from __future__ import annotations

import json
from enum import Enum
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, TypeAdapter, field_validator

from .integrations import SlackIntegration, WebhookIntegration


class ActionType(str, Enum):
    NOTIFICATION = "NOTIFICATION"
    GENERIC_WEBHOOK = "GENERIC_WEBHOOK"
    NO_OP = "NO_OP"


class AlertSeverity(str, Enum):
    INFO = "INFO"
    WARN = "WARN"
    ERROR = "ERROR"


def _severity(value: Any) -> AlertSeverity:
    """INFO, WARN or ERROR in any case; enums of other libraries (W&B's AlertLevel) by value."""
    text = value.value if isinstance(value, Enum) else value
    if isinstance(text, str) and text.strip().upper() in AlertSeverity.__members__:
        return AlertSeverity[text.strip().upper()]
    raise ValueError(f"unknown severity {value!r}; use INFO, WARN or ERROR")


class _Action(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class _IntegrationAction(_Action):
    """An action sending through an integration: a saved one named by `integration_id`, a local
    one that saving creates first, or (no id at all) the entity's only integration of its kind."""

    integration_id: str | None = None
    _pending: SlackIntegration | WebhookIntegration | None = PrivateAttr(None)

    @property
    def pending_integration(self) -> SlackIntegration | WebhookIntegration | None:
        """A local integration, not yet on the server, that saving the automation will create."""
        return self._pending

    def _for(self, integration: SlackIntegration | WebhookIntegration) -> None:
        if not integration.saved:
            self._pending = integration


class SendNotification(_IntegrationAction):
    """Sends a (Slack) notification."""

    title: str = ""
    message: str = ""
    severity: Annotated[AlertSeverity, BeforeValidator(_severity)] = AlertSeverity.INFO
    action_type: Literal[ActionType.NOTIFICATION] = ActionType.NOTIFICATION

    @classmethod
    def from_integration(cls, integration: SlackIntegration, title: str = "", text: str = "",
                         level: AlertSeverity | str = AlertSeverity.INFO) -> SendNotification:
        """A notification sent to the given Slack integration (saved, or local to create on save)."""
        if not isinstance(integration, SlackIntegration):
            raise ValueError(f"SendNotification sends through a SlackIntegration, not {integration!r}")
        action = cls(integration_id=integration.id, title=title, message=text, severity=level)
        action._for(integration)
        return action


class SendWebhook(_IntegrationAction):
    """Sends a webhook request whose JSON body is `request_payload` (any JSON value; without one,
    the server sends every variable of the event)."""

    request_payload: Any = None
    action_type: Literal[ActionType.GENERIC_WEBHOOK] = ActionType.GENERIC_WEBHOOK

    @field_validator("request_payload", mode="before")
    @classmethod
    def _json(cls, value: Any) -> Any:
        """A string is JSON text (as W&B's client sends it) and is stored parsed."""
        try:
            if isinstance(value, str):
                return json.loads(value)
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"request_payload must be JSON: a dict, list, number, bool, None or JSON text ({exc})"
                             ) from exc
        return value

    @classmethod
    def from_integration(cls, integration: WebhookIntegration, payload: Any = None) -> SendWebhook:
        """A request sent to the given webhook integration (saved, or local to create on save)."""
        if not isinstance(integration, WebhookIntegration):
            raise ValueError(f"SendWebhook sends through a WebhookIntegration, not {integration!r}")
        action = cls(integration_id=integration.id, request_payload=payload)
        action._for(integration)
        return action


class DoNothing(_Action):
    """Fires and records a delivery but sends nothing: for trying out an event and its filter."""

    no_op: bool = Field(True, exclude=True)
    action_type: Literal[ActionType.NO_OP] = ActionType.NO_OP


Action = Annotated[Union[SendNotification, SendWebhook, DoNothing], Field(discriminator="action_type")]
_ACTION = TypeAdapter(Action)


def action_from_wire(data: dict[str, Any]) -> SendNotification | SendWebhook | DoNothing:
    """An action from the JSON the server stores."""
    return _ACTION.validate_python(data)
