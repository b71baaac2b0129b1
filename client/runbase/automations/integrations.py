"""Where actions send: Slack and generic webhook integrations of an entity.

Integrations read from the server never carry secrets (bot tokens, webhook URLs of Slack, HMAC
secrets, access tokens): the server does not return them. One built locally, such as
`SlackIntegration(webhook_url=...)`, holds its secret privately (never in repr or model_dump)
until an automation that uses it is saved; saving creates it on the server, fills in its id and
forgets the secret.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, PrivateAttr, model_validator


class _Integration(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    id: str | None = None
    entity_name: str | None = None
    created_at: datetime | None = None

    @property
    def saved(self) -> bool:
        return self.id is not None

    def adopt(self, saved: _Integration) -> None:
        """Become the server's copy of this local integration and forget the secrets sent with it."""
        for field in type(self).model_fields:
            setattr(self, field, getattr(saved, field))
        for secret in self.__pydantic_private__ or {}:
            setattr(self, secret, None)


def _webhook_label(url: str) -> str:
    """A channel label for a webhook URL given without one: the same for the same URL, and
    revealing nothing of it (the URL is the secret)."""
    return "incoming-webhook-" + hashlib.sha256(url.encode()).hexdigest()[:12]


class SlackIntegration(_Integration):
    """Posts to one Slack channel, with a bot token or through an incoming-webhook URL.

    The server names Slack integrations by channel; a local one made from a webhook URL alone is
    labelled after a hash of the URL."""

    channel_name: str | None = None
    uses_webhook_url: bool | None = None

    _bot_token: str | None = PrivateAttr(None)
    _webhook_url: str | None = PrivateAttr(None)

    def __init__(self, *, bot_token: str | None = None, webhook_url: str | None = None, **data: Any) -> None:
        if bot_token is not None and webhook_url is not None:
            raise ValueError("give a SlackIntegration a bot_token or a webhook_url, not both")
        if (bot_token is not None or webhook_url is not None) and data.get("id") is not None:
            raise ValueError("a saved SlackIntegration (one with an id) takes no secrets")
        if webhook_url is not None:
            data.setdefault("uses_webhook_url", True)
            data["channel_name"] = data.get("channel_name") or _webhook_label(webhook_url)
        if bot_token is not None:
            data.setdefault("uses_webhook_url", False)
        super().__init__(**data)
        self._bot_token, self._webhook_url = bot_token, webhook_url
        if not self.saved and (bot_token is webhook_url is None):
            raise ValueError("a SlackIntegration needs an id (see Api.slack_integrations) or, to create one, "
                             "a webhook_url or a bot_token and channel_name")
        if bot_token is not None and not self.channel_name:
            raise ValueError("a SlackIntegration with a bot_token needs the channel_name to post to")

    def creation_secrets(self) -> dict[str, str | None]:
        """What creating this local integration sends, and then forgets."""
        return {"bot_token": self._bot_token, "webhook_url": self._webhook_url}

    @property
    def labelled_by_url(self) -> bool:
        """Whether this local integration's channel_name was made from its webhook URL, so that a
        clash of names means this very URL was saved before."""
        return self._webhook_url is not None and self.channel_name == _webhook_label(self._webhook_url)


class WebhookIntegration(_Integration):
    """POSTs JSON to a URL; requests are signed (HMAC-SHA256) when it has a secret and carry a
    Bearer token when it has an access token."""

    name: str | None = None
    url_endpoint: str | None = None
    has_secret: bool | None = None
    has_access_token: bool | None = None

    _secret: str | None = PrivateAttr(None)
    _access_token: str | None = PrivateAttr(None)

    def __init__(self, *, secret: str | None = None, access_token: str | None = None, **data: Any) -> None:
        if (secret is not None or access_token is not None) and data.get("id") is not None:
            raise ValueError("a saved WebhookIntegration (one with an id) takes no secrets")
        super().__init__(**data)
        self._secret, self._access_token = secret, access_token

    @model_validator(mode="after")
    def _creatable(self) -> WebhookIntegration:
        if not self.saved and not (self.name and self.url_endpoint):
            raise ValueError("a WebhookIntegration needs an id (see Api.webhook_integrations) or, to create one, "
                             "a name and url_endpoint")
        return self

    def creation_secrets(self) -> dict[str, str | None]:
        """What creating this local integration sends, and then forgets."""
        return {"secret": self._secret, "access_token": self._access_token}
