from typing import Optional

from pydantic import Field

from .base_model import BaseModel


class DeleteRegistry(BaseModel):
    delete_registry: Optional["DeleteRegistryDeleteRegistry"] = Field(
        alias="deleteRegistry"
    )


class DeleteRegistryDeleteRegistry(BaseModel):
    success: bool
