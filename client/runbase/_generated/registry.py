from typing import Optional

from .base_model import BaseModel
from .fragments import RegistryFields


class Registry(BaseModel):
    registry: Optional["RegistryRegistry"]


RegistryRegistry = RegistryFields
