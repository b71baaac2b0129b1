from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import MemberFields


class AddRegistryMembers(BaseModel):
    add_registry_members: Optional["AddRegistryMembersAddRegistryMembers"] = Field(
        alias="addRegistryMembers"
    )


class AddRegistryMembersAddRegistryMembers(BaseModel):
    registry: "AddRegistryMembersAddRegistryMembersRegistry"


class AddRegistryMembersAddRegistryMembersRegistry(BaseModel):
    members: list["AddRegistryMembersAddRegistryMembersRegistryMembers"]


AddRegistryMembersAddRegistryMembersRegistryMembers = MemberFields
