"""An entity's integrations on the server: list, create, delete. Secrets go up, never come back."""

from __future__ import annotations

from typing import Union

from ..._generated.fragments import SlackIntegrationFields, WebhookIntegrationFields
from ..._generated.input_types import (
    CreateGenericWebhookIntegrationInput,
    CreateSlackIntegrationInput,
    DeleteIntegrationInput,
)
from ...automations.integrations import SlackIntegration, WebhookIntegration
from ...connection import Connection
from ...errors import CommError, UsageError

Integration = Union[SlackIntegration, WebhookIntegration]


def _integration(fields: SlackIntegrationFields | WebhookIntegrationFields) -> Integration:
    data = fields.model_dump(exclude={"typename__"})
    if isinstance(fields, SlackIntegrationFields):
        return SlackIntegration.model_validate(data)
    return WebhookIntegration.model_validate(data)


def list_integrations(client: Connection, entity: str) -> list[Integration]:
    """Every integration of the entity (the server answers with all of them at once)."""
    found = client.integrations(entity=entity).entity
    if found is None:
        raise ValueError(f"no entity {entity!r} (or no access to it)")
    return [_integration(node) for node in found.integrations]


def create_slack_integration(client: Connection, entity: str, channel_name: str, *, bot_token: str | None = None,
                             webhook_url: str | None = None) -> SlackIntegration:
    if (bot_token is None) == (webhook_url is None):
        raise UsageError("a Slack integration takes a bot_token (with chat:write) or an incoming webhook_url, "
                         "exactly one")
    result = client.create_slack_integration(CreateSlackIntegrationInput(
        entity_name=entity, channel_name=channel_name, bot_token=bot_token, webhook_url=webhook_url))
    if result.create_slack_integration is None:
        raise CommError("the server created no Slack integration and gave no reason")
    return SlackIntegration.model_validate(result.create_slack_integration.integration.model_dump())


def create_webhook_integration(client: Connection, entity: str, name: str, url: str, *, secret: str | None = None,
                               access_token: str | None = None) -> WebhookIntegration:
    result = client.create_generic_webhook_integration(CreateGenericWebhookIntegrationInput(
        entity_name=entity, name=name, url_endpoint=url, secret=secret, access_token=access_token))
    if result.create_generic_webhook_integration is None:
        raise CommError("the server created no webhook integration and gave no reason")
    return WebhookIntegration.model_validate(result.create_generic_webhook_integration.integration.model_dump())


def delete_integration(client: Connection, integration_or_id: Integration | str) -> bool:
    integration_id = integration_or_id if isinstance(integration_or_id, str) else integration_or_id.id
    if not integration_id:
        raise UsageError("this integration was never saved, so there is nothing to delete")
    result = client.delete_integration(DeleteIntegrationInput(id=integration_id))
    if result.delete_integration is None or not result.delete_integration.success:
        raise CommError(f"the server did not delete integration {integration_id}")
    return True


def save_integration(client: Connection, integration: Integration, entity: str) -> None:
    """Create a local integration (in its own entity, else `entity`); it takes the saved id. A
    Slack webhook URL saved before is found again rather than refused."""
    entity = integration.entity_name or entity
    if isinstance(integration, SlackIntegration):
        try:
            saved: Integration = create_slack_integration(
                client, entity, integration.channel_name or "", **integration.creation_secrets())
        except CommError as exc:
            if exc.code != "CONFLICT" or not integration.labelled_by_url:
                raise
            saved = next(found for found in list_integrations(client, entity)
                         if isinstance(found, SlackIntegration) and found.channel_name == integration.channel_name)
    else:
        saved = create_webhook_integration(client, entity, integration.name or "", integration.url_endpoint or "",
                                           **integration.creation_secrets())
    integration.adopt(saved)
