"""The GraphQL layer of automations: integrations, triggers, deliveries and
run alerts, as thin resolvers over their services. schema.py mixes the query
and mutation fields in."""

from __future__ import annotations

from typing import Annotated

import strawberry

from .. import access, pagination
from ..automations import alerts, automations, integrations, outbox
from ..tables import Delivery as DeliveryRow
from ..tables import Entity as EntityRow
from ..tables import Integration as IntegrationRow
from ..tables import Project as ProjectRow
from ..tables import Trigger as TriggerRow
from .base import DateTime, Info, JSONString, PageInfo, given, timestamp


@strawberry.type
class SlackIntegration:
    id: strawberry.ID
    entity_name: str
    channel_name: str
    uses_webhook_url: bool
    created_at: DateTime


@strawberry.type
class GenericWebhookIntegration:
    id: strawberry.ID
    entity_name: str
    name: str
    url_endpoint: str
    has_secret: bool
    has_access_token: bool
    created_at: DateTime


Integration = Annotated[SlackIntegration | GenericWebhookIntegration, strawberry.union("Integration")]


def slack_integration(row: IntegrationRow) -> SlackIntegration:
    return SlackIntegration(id=strawberry.ID(str(row.id)), entity_name=row.entity.name, channel_name=row.name,
                            uses_webhook_url=row.bot_token is None, created_at=DateTime(row.created_at))


def webhook_integration(row: IntegrationRow) -> GenericWebhookIntegration:
    return GenericWebhookIntegration(id=strawberry.ID(str(row.id)), entity_name=row.entity.name, name=row.name,
                                     url_endpoint=row.url or "", has_secret=row.secret is not None,
                                     has_access_token=row.access_token is not None,
                                     created_at=DateTime(row.created_at))


def entity_integrations(info: Info, entity: EntityRow) -> list[Integration]:
    rows = integrations.of_entity(info.context.session, info.context.viewer, entity.name)
    info.context.budget.charge(len(rows), "integrations")
    return [slack_integration(row) if row.kind == integrations.SLACK else webhook_integration(row) for row in rows]


@strawberry.type
class TriggerScope:
    scope_type: str
    entity_name: str
    project_name: str | None
    name: str | None


@strawberry.type
class DeliveryAttempt:
    number: int
    started_at: DateTime
    duration_ms: float
    response_code: int | None
    error: str | None


@strawberry.type
class Delivery:
    row: strawberry.Private[DeliveryRow]
    id: strawberry.ID
    trigger_id: strawberry.ID | None
    entity_name: str
    event_type: str
    action_type: str
    status: str
    attempt_count: int
    response_code: int | None
    run_name: str | None
    created_at: DateTime
    next_attempt_at: DateTime | None
    delivered_at: DateTime | None
    redelivery_of: strawberry.ID | None

    @classmethod
    def of(cls, row: DeliveryRow) -> Delivery:
        def ident(value: int | None) -> strawberry.ID | None:
            return None if value is None else strawberry.ID(str(value))

        return cls(row=row, id=strawberry.ID(str(row.id)), trigger_id=ident(row.trigger_id),
                   entity_name=row.entity.name, event_type=row.event_type, action_type=row.action_type,
                   status=row.status, attempt_count=row.attempt_count, response_code=row.response_code,
                   run_name=row.run_name, created_at=DateTime(row.created_at),
                   next_attempt_at=timestamp(row.next_attempt_at), delivered_at=timestamp(row.delivered_at),
                   redelivery_of=ident(row.redelivery_of))

    @strawberry.field
    def trigger_name(self) -> str | None:
        return self.row.trigger.name if self.row.trigger else None

    @strawberry.field
    def payload(self, info: Info) -> JSONString:
        return info.context.document(self.row.payload, "payload")

    @strawberry.field
    def error(self, info: Info) -> str | None:
        return self.row.error if _sees_answers(info, self.row) else None

    @strawberry.field
    def attempts(self, info: Info) -> list[DeliveryAttempt]:
        shown = _sees_answers(info, self.row)
        return [DeliveryAttempt(number=a.number, started_at=DateTime(a.started_at), duration_ms=a.duration_ms,
                                response_code=a.response_code, error=a.error if shown else None)
                for a in info.context.listed(outbox.attempts(info.context.session, self.row), "attempts")]


def _sees_answers(info: Info, row: DeliveryRow) -> bool:
    """Errors quote receivers' answers, which may come from places the entity's readers should not see into:
    only those who can edit the automation read them; others see status and code."""
    return access.can_write_entity(info.context.session, info.context.viewer, row.entity_id)


@strawberry.type
class DeliveryEdge:
    node: Delivery
    cursor: str


@strawberry.type
class DeliveryConnection:
    edges: list[DeliveryEdge]
    page_info: PageInfo

    @classmethod
    def of(cls, page: pagination.Page[DeliveryRow]) -> DeliveryConnection:
        return cls(edges=[DeliveryEdge(node=Delivery.of(row), cursor=c) for row, c in zip(page.items, page.cursors())],
                   page_info=PageInfo.of(page))


@strawberry.type
class Trigger:
    row: strawberry.Private[TriggerRow]
    id: strawberry.ID
    name: str
    description: str | None
    enabled: bool
    created_at: DateTime
    updated_at: DateTime | None
    entity_name: str
    event_type: str

    @classmethod
    def of(cls, row: TriggerRow) -> Trigger:
        return cls(row=row, id=strawberry.ID(str(row.id)), name=row.name, description=row.description,
                   enabled=row.enabled, created_at=DateTime(row.created_at), updated_at=timestamp(row.updated_at),
                   entity_name=row.entity.name, event_type=row.event_type)

    @strawberry.field
    def created_by(self) -> str | None:
        return self.row.creator.username if self.row.creator else None

    @strawberry.field
    def scope(self) -> TriggerScope:
        project = self.row.project
        return TriggerScope(scope_type=self.row.scope_type, entity_name=self.row.entity.name,
                            project_name=project.name if project else None, name=self.row.scope_name)

    @strawberry.field
    def event_filter(self, info: Info) -> JSONString:
        return info.context.document(self.row.event_filter, "eventFilter")

    @strawberry.field
    def action(self, info: Info) -> JSONString:
        return info.context.document(self.row.action, "action")

    @strawberry.field
    def deliveries(self, info: Info, status: str | None = strawberry.UNSET, first: int | None = strawberry.UNSET,
                   after: str | None = strawberry.UNSET) -> DeliveryConnection:
        page = outbox.of_trigger(info.context.session, self.row, given(status), first=given(first),
                                 after=given(after))
        return DeliveryConnection.of(info.context.charged(page, "deliveries"))


@strawberry.type
class TriggerEdge:
    node: Trigger
    cursor: str


@strawberry.type
class TriggerConnection:
    edges: list[TriggerEdge]
    page_info: PageInfo

    @classmethod
    def of(cls, page: pagination.Page[TriggerRow]) -> TriggerConnection:
        return cls(edges=[TriggerEdge(node=Trigger.of(row), cursor=c) for row, c in zip(page.items, page.cursors())],
                   page_info=PageInfo.of(page))


def project_triggers(info: Info, project: ProjectRow, first: int | None, after: str | None) -> TriggerConnection:
    page = automations.search(info.context.session, info.context.viewer, project.entity.name, None, first=first,
                              after=after, project_id=project.id)
    return TriggerConnection.of(info.context.charged(page, "triggers"))


@strawberry.input
class CreateSlackIntegrationInput:
    entity_name: str
    channel_name: str
    bot_token: str | None = strawberry.UNSET
    webhook_url: str | None = strawberry.UNSET


@strawberry.type
class CreateSlackIntegrationPayload:
    integration: SlackIntegration


@strawberry.input
class CreateGenericWebhookIntegrationInput:
    entity_name: str
    name: str
    url_endpoint: str
    secret: str | None = strawberry.UNSET
    access_token: str | None = strawberry.UNSET


@strawberry.type
class CreateGenericWebhookIntegrationPayload:
    integration: GenericWebhookIntegration


@strawberry.input
class DeleteIntegrationInput:
    id: strawberry.ID


@strawberry.type
class DeleteIntegrationPayload:
    success: bool


@strawberry.input
class CreateFilterTriggerInput:
    name: str
    entity_name: str
    scope_type: str
    event_type: str
    event_filter: JSONString
    action: JSONString
    description: str | None = strawberry.UNSET
    enabled: bool | None = strawberry.UNSET
    project_name: str | None = strawberry.UNSET
    scope_name: str | None = strawberry.UNSET


@strawberry.type
class CreateFilterTriggerPayload:
    trigger: Trigger


@strawberry.input
class UpdateFilterTriggerInput:
    id: strawberry.ID
    name: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    enabled: bool | None = strawberry.UNSET
    scope_type: str | None = strawberry.UNSET
    entity_name: str | None = strawberry.UNSET
    project_name: str | None = strawberry.UNSET
    scope_name: str | None = strawberry.UNSET
    event_type: str | None = strawberry.UNSET
    event_filter: JSONString | None = strawberry.UNSET
    action: JSONString | None = strawberry.UNSET


@strawberry.type
class UpdateFilterTriggerPayload:
    trigger: Trigger


@strawberry.input
class DeleteTriggerInput:
    id: strawberry.ID


@strawberry.type
class DeleteTriggerPayload:
    success: bool


@strawberry.input
class RedeliverInput:
    delivery_id: strawberry.ID


@strawberry.type
class RedeliverPayload:
    delivery: Delivery


@strawberry.input
class NotifyScriptableRunAlertInput:
    project_name: str
    run_name: str
    title: str
    text: str
    entity_name: str | None = strawberry.UNSET
    severity: str | None = strawberry.UNSET
    wait_duration: float | None = strawberry.UNSET


@strawberry.type
class NotifyScriptableRunAlertPayload:
    success: bool
    sent: bool


@strawberry.type
class AutomationQueries:
    @strawberry.field
    def triggers(self, info: Info, entity_name: str | None = strawberry.UNSET, name: str | None = strawberry.UNSET,
                 *, first: int | None = strawberry.UNSET, after: str | None = strawberry.UNSET) -> TriggerConnection:
        page = automations.search(info.context.session, info.context.viewer, given(entity_name), given(name),
                                  first=given(first), after=given(after))
        return TriggerConnection.of(info.context.charged(page, "triggers"))

    @strawberry.field
    def trigger(self, info: Info, id: strawberry.ID) -> Trigger | None:
        row = automations.readable(info.context.session, info.context.viewer, id)
        return None if row is None else Trigger.of(row)

    @strawberry.field
    def delivery(self, info: Info, id: strawberry.ID) -> Delivery | None:
        row = outbox.readable(info.context.session, info.context.viewer, id)
        return None if row is None else Delivery.of(row)


@strawberry.type
class AutomationMutations:
    @strawberry.mutation
    def create_slack_integration(self, info: Info,
                                 input: CreateSlackIntegrationInput) -> CreateSlackIntegrationPayload | None:
        input = given(input)
        row = integrations.create_slack(info.context.session, info.context.viewer, input.entity_name,
                                        input.channel_name, bot_token=input.bot_token, webhook_url=input.webhook_url)
        return CreateSlackIntegrationPayload(integration=slack_integration(row))

    @strawberry.mutation
    def create_generic_webhook_integration(
            self, info: Info, input: CreateGenericWebhookIntegrationInput) -> CreateGenericWebhookIntegrationPayload | None:
        input = given(input)
        row = integrations.create_webhook(info.context.session, info.context.viewer, input.entity_name, input.name,
                                          url=input.url_endpoint, secret=input.secret,
                                          access_token=input.access_token)
        return CreateGenericWebhookIntegrationPayload(integration=webhook_integration(row))

    @strawberry.mutation
    def delete_integration(self, info: Info, input: DeleteIntegrationInput) -> DeleteIntegrationPayload | None:
        integrations.delete(info.context.session, info.context.viewer, input.id)
        return DeleteIntegrationPayload(success=True)

    @strawberry.mutation
    def create_filter_trigger(self, info: Info, input: CreateFilterTriggerInput) -> CreateFilterTriggerPayload | None:
        row = automations.create(info.context.session, info.context.viewer, vars(given(input)))
        return CreateFilterTriggerPayload(trigger=Trigger.of(row))

    @strawberry.mutation
    def update_filter_trigger(self, info: Info, input: UpdateFilterTriggerInput) -> UpdateFilterTriggerPayload | None:
        fields = vars(given(input))
        row = automations.update(info.context.session, info.context.viewer, fields.pop("id"), fields)
        return UpdateFilterTriggerPayload(trigger=Trigger.of(row))

    @strawberry.mutation
    def delete_trigger(self, info: Info, input: DeleteTriggerInput) -> DeleteTriggerPayload | None:
        automations.delete(info.context.session, info.context.viewer, input.id)
        return DeleteTriggerPayload(success=True)

    @strawberry.mutation
    def redeliver(self, info: Info, input: RedeliverInput) -> RedeliverPayload | None:
        return RedeliverPayload(delivery=Delivery.of(
            outbox.redeliver(info.context.session, info.context.viewer, input.delivery_id)))

    @strawberry.mutation
    def notify_scriptable_run_alert(self, info: Info,
                                    input: NotifyScriptableRunAlertInput) -> NotifyScriptableRunAlertPayload | None:
        input = given(input)
        sent = alerts.notify(info.context.session, info.context.viewer, input.entity_name, input.project_name,
                             run_name=input.run_name, title=input.title, text=input.text, severity=input.severity,
                             wait_seconds=input.wait_duration)
        return NotifyScriptableRunAlertPayload(success=True, sent=sent)
