from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import RegistryFields


class UpdateRegistry(BaseModel):
    update_registry: Optional["UpdateRegistryUpdateRegistry"] = Field(
        alias="updateRegistry"
    )


class UpdateRegistryUpdateRegistry(BaseModel):
    registry: "UpdateRegistryUpdateRegistryRegistry"


UpdateRegistryUpdateRegistryRegistry = RegistryFields
