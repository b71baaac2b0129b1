from typing import Optional

from pydantic import Field

from .base_model import BaseModel


class UpsertModel(BaseModel):
    upsert_model: Optional["UpsertModelUpsertModel"] = Field(alias="upsertModel")


class UpsertModelUpsertModel(BaseModel):
    inserted: bool
    project: "UpsertModelUpsertModelProject"


class UpsertModelUpsertModelProject(BaseModel):
    id: str
    name: str
    entity_name: str = Field(alias="entityName")
    description: Optional[str]
    access: str
