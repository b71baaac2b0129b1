from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import RegistryFields


class Registries(BaseModel):
    registries: "RegistriesRegistries"


class RegistriesRegistries(BaseModel):
    page_info: "RegistriesRegistriesPageInfo" = Field(alias="pageInfo")
    edges: list["RegistriesRegistriesEdges"]


class RegistriesRegistriesPageInfo(BaseModel):
    end_cursor: Optional[str] = Field(alias="endCursor")
    has_next_page: bool = Field(alias="hasNextPage")


class RegistriesRegistriesEdges(BaseModel):
    node: "RegistriesRegistriesEdgesNode"


RegistriesRegistriesEdgesNode = RegistryFields
