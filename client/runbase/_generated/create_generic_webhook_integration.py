from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import WebhookIntegrationFields


class CreateGenericWebhookIntegration(BaseModel):
    create_generic_webhook_integration: Optional[
        "CreateGenericWebhookIntegrationCreateGenericWebhookIntegration"
    ] = Field(alias="createGenericWebhookIntegration")


class CreateGenericWebhookIntegrationCreateGenericWebhookIntegration(BaseModel):
    integration: (
        "CreateGenericWebhookIntegrationCreateGenericWebhookIntegrationIntegration"
    )


CreateGenericWebhookIntegrationCreateGenericWebhookIntegrationIntegration = (
    WebhookIntegrationFields
)
