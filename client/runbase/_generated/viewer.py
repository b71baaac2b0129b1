from typing import Optional

from pydantic import Field

from .base_model import BaseModel


class Viewer(BaseModel):
    viewer: Optional["ViewerViewer"]


class ViewerViewer(BaseModel):
    id: str
    username: str
    email: Optional[str]
    admin: bool
    entity: str
    teams: list["ViewerViewerTeams"]
    api_keys: list["ViewerViewerApiKeys"] = Field(alias="apiKeys")


class ViewerViewerTeams(BaseModel):
    name: str
    is_team: bool = Field(alias="isTeam")


class ViewerViewerApiKeys(BaseModel):
    id: str
    name: str
    description: Optional[str]
