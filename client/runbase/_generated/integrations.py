from typing import Annotated, Literal, Optional, Union

from pydantic import Field

from .base_model import BaseModel
from .fragments import SlackIntegrationFields, WebhookIntegrationFields


class Integrations(BaseModel):
    entity: Optional["IntegrationsEntity"]


class IntegrationsEntity(BaseModel):
    integrations: list[
        Annotated[
            Union[
                "IntegrationsEntityIntegrationsSlackIntegration",
                "IntegrationsEntityIntegrationsGenericWebhookIntegration",
            ],
            Field(discriminator="typename__"),
        ]
    ]


class IntegrationsEntityIntegrationsSlackIntegration(SlackIntegrationFields):
    typename__: Literal["SlackIntegration"] = Field(alias="__typename")


class IntegrationsEntityIntegrationsGenericWebhookIntegration(WebhookIntegrationFields):
    typename__: Literal["GenericWebhookIntegration"] = Field(alias="__typename")
