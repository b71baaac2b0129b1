from typing import Optional

from pydantic import Field

from .base_model import BaseModel


class AgentHeartbeat(BaseModel):
    agent_heartbeat: Optional["AgentHeartbeatAgentHeartbeat"] = Field(
        alias="agentHeartbeat"
    )


class AgentHeartbeatAgentHeartbeat(BaseModel):
    commands: str
    agent: "AgentHeartbeatAgentHeartbeatAgent"


class AgentHeartbeatAgentHeartbeatAgent(BaseModel):
    id: str
    state: str
