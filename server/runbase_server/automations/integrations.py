"""Integrations: an entity's Slack and webhook destinations.

Secrets (bot tokens, Slack incoming-webhook URLs, HMAC secrets, access
tokens) are write-only: they are stored encrypted for the delivery worker
(sealing) and never leave the server in an answer, a log line or an error
message. A URL that resolves to an internal address is refused (egress)."""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import access, entities
from ..auth import Viewer
from ..errors import Conflict, NotFound, UserError
from ..names import row_id
from ..settings import of_session
from ..tables import Integration, Trigger
from . import egress, sealing

SLACK = "SLACK"
WEBHOOK = "GENERIC_WEBHOOK"
MAX_SECRET = 4096


MAX_URL = 2048


def _url(what: str, url: str) -> str:
    try:
        parts = urlsplit(url) if len(url) <= MAX_URL and url.isprintable() else None
        host = parts.hostname if parts else None
    except ValueError:  # e.g. a malformed IPv6 host
        parts = host = None
    if parts is None or parts.scheme not in ("http", "https") or not host:
        # Never echo the URL: a Slack incoming-webhook URL is itself a secret.
        raise UserError(f"{what} must be an http:// or https:// URL with a host, at most {MAX_URL} characters")
    return url


def _secret(what: str, value: str | None) -> str | None:
    if value is None or value == "":
        return None
    if len(value) > MAX_SECRET or not value.isprintable():
        raise UserError(f"{what} must be printable and at most {MAX_SECRET} characters")
    return value


def _label(what: str, value: str) -> str:
    value = value.strip()
    if not value or len(value) > 256:
        raise UserError(f"{what} must be 1 to 256 characters")
    return value


def _add(session: Session, viewer: Viewer, entity_name: str, integration: Integration, *,
         destination: tuple[str, str] | None) -> Integration:
    """Save `integration` for a writer of the entity; `destination` (field, URL) is checked only then, so
    that outsiders cannot probe which hosts resolve to internal addresses."""
    entity = entities.writable(session, viewer, entity_name)
    if destination is not None:
        egress.check_url(*destination, of_session(session.info))
    taken = session.scalar(select(func.count()).select_from(Integration).where(
        Integration.entity_id == entity.id, Integration.kind == integration.kind,
        Integration.name == integration.name))
    if taken:
        raise Conflict(f"entity {entity.name!r} already has a {integration.kind} integration named "
                       f"{integration.name!r}")
    integration.entity = entity
    session.add(integration)
    session.flush()
    return integration


def create_slack(session: Session, viewer: Viewer, entity_name: str, channel_name: str, *, bot_token: str | None,
                 webhook_url: str | None) -> Integration:
    bot_token = _secret("botToken", bot_token)
    if not bot_token and not webhook_url:
        raise UserError("a Slack integration needs a botToken or a webhookUrl")
    url = _url("webhookUrl", webhook_url) if webhook_url else None
    url = None if bot_token else url  # with a bot token the URL is not used, so not kept
    box = sealing.box_of(session)
    return _add(session, viewer, entity_name, Integration(
        kind=SLACK, name=_label("channelName", channel_name), bot_token=box.seal(bot_token), url=box.seal(url)),
        destination=None if url is None else ("webhookUrl", url))


def create_webhook(session: Session, viewer: Viewer, entity_name: str, name: str, *, url: str, secret: str | None,
                   access_token: str | None) -> Integration:
    """The URL is shown to the entity's members, so stays plain; the HMAC secret and token are sealed."""
    box = sealing.box_of(session)
    return _add(session, viewer, entity_name, Integration(
        kind=WEBHOOK, name=_label("name", name), url=_url("urlEndpoint", url),
        secret=box.seal(_secret("secret", secret)), access_token=box.seal(_secret("accessToken", access_token))),
        destination=("urlEndpoint", url))


def of_entity(session: Session, viewer: Viewer, entity_name: str) -> list[Integration]:
    entity = entities.find(session, entity_name)
    if entity is None or not access.is_member(session, viewer, entity.id):  # missing or not theirs: the same
        return []
    return list(session.scalars(select(Integration).where(Integration.entity_id == entity.id)
                                .order_by(Integration.id)))


def slack_of(session: Session, entity_id: int) -> list[Integration]:
    """Where an entity's run alerts go."""
    return list(session.scalars(select(Integration).where(Integration.entity_id == entity_id,
                                                          Integration.kind == SLACK).order_by(Integration.id)))



def writable(session: Session, viewer: Viewer, integration_id: str | int) -> Integration:
    integration = access.readable_integration(session, viewer,
                                              session.get(Integration, row_id(integration_id, "integration")))
    if integration is None:
        raise NotFound(f"no integration with id {integration_id!r}")
    access.require_entity_writer(session, viewer, integration.entity)
    return integration


def delete(session: Session, viewer: Viewer, integration_id: str | int) -> None:
    integration = writable(session, viewer, integration_id)
    users = list(session.scalars(select(Trigger.name).where(Trigger.integration_id == integration.id)))
    if users:
        raise Conflict(f"integration {integration_id} is used by automations {', '.join(sorted(users))}; "
                       "delete or change them first")
    session.delete(integration)
