from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import MemberFields


class RemoveRegistryMembers(BaseModel):
    remove_registry_members: Optional["RemoveRegistryMembersRemoveRegistryMembers"] = (
        Field(alias="removeRegistryMembers")
    )


class RemoveRegistryMembersRemoveRegistryMembers(BaseModel):
    registry: "RemoveRegistryMembersRemoveRegistryMembersRegistry"


class RemoveRegistryMembersRemoveRegistryMembersRegistry(BaseModel):
    members: list["RemoveRegistryMembersRemoveRegistryMembersRegistryMembers"]


RemoveRegistryMembersRemoveRegistryMembersRegistryMembers = MemberFields
