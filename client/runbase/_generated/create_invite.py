from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import MemberFields


class CreateInvite(BaseModel):
    create_invite: Optional["CreateInviteCreateInvite"] = Field(alias="createInvite")


class CreateInviteCreateInvite(BaseModel):
    member: "CreateInviteCreateInviteMember"


CreateInviteCreateInviteMember = MemberFields
