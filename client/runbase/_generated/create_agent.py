from typing import Optional

from pydantic import Field

from .base_model import BaseModel


class CreateAgent(BaseModel):
    create_agent: Optional["CreateAgentCreateAgent"] = Field(alias="createAgent")


class CreateAgentCreateAgent(BaseModel):
    agent: "CreateAgentCreateAgentAgent"


class CreateAgentCreateAgentAgent(BaseModel):
    id: str
    state: str
    sweep_name: str = Field(alias="sweepName")
