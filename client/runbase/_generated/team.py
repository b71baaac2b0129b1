from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import MemberFields


class Team(BaseModel):
    entity: Optional["TeamEntity"]


class TeamEntity(BaseModel):
    id: str
    name: str
    is_team: bool = Field(alias="isTeam")
    members: list["TeamEntityMembers"]


TeamEntityMembers = MemberFields
