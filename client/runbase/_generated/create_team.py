from typing import Optional

from pydantic import Field

from .base_model import BaseModel


class CreateTeam(BaseModel):
    create_team: Optional["CreateTeamCreateTeam"] = Field(alias="createTeam")


class CreateTeamCreateTeam(BaseModel):
    entity: "CreateTeamCreateTeamEntity"


class CreateTeamCreateTeamEntity(BaseModel):
    id: str
    name: str
    is_team: bool = Field(alias="isTeam")
