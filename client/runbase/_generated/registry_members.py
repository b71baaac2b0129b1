from typing import Optional

from .base_model import BaseModel
from .fragments import MemberFields


class RegistryMembers(BaseModel):
    registry: Optional["RegistryMembersRegistry"]


class RegistryMembersRegistry(BaseModel):
    members: list["RegistryMembersRegistryMembers"]


RegistryMembersRegistryMembers = MemberFields
