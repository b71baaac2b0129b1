from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import RegistryFields


class CreateRegistry(BaseModel):
    create_registry: Optional["CreateRegistryCreateRegistry"] = Field(
        alias="createRegistry"
    )


class CreateRegistryCreateRegistry(BaseModel):
    registry: "CreateRegistryCreateRegistryRegistry"


CreateRegistryCreateRegistryRegistry = RegistryFields
