from typing import Optional

from pydantic import Field

from .base_model import BaseModel


class DeleteInvite(BaseModel):
    delete_invite: Optional["DeleteInviteDeleteInvite"] = Field(alias="deleteInvite")


class DeleteInviteDeleteInvite(BaseModel):
    success: bool
