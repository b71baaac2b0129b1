from pydantic import Field

from .base_model import BaseModel


class ServerInfo(BaseModel):
    server_info: "ServerInfoServerInfo" = Field(alias="serverInfo")


class ServerInfoServerInfo(BaseModel):
    version: str
    max_request_bytes: int = Field(alias="maxRequestBytes")
    heartbeat_timeout_seconds: int = Field(alias="heartbeatTimeoutSeconds")
