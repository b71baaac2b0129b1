from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import SlackIntegrationFields


class CreateSlackIntegration(BaseModel):
    create_slack_integration: Optional[
        "CreateSlackIntegrationCreateSlackIntegration"
    ] = Field(alias="createSlackIntegration")


class CreateSlackIntegrationCreateSlackIntegration(BaseModel):
    integration: "CreateSlackIntegrationCreateSlackIntegrationIntegration"


CreateSlackIntegrationCreateSlackIntegrationIntegration = SlackIntegrationFields
