from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import PublicRunFields


class ArtifactLoggedBy(BaseModel):
    artifact: Optional["ArtifactLoggedByArtifact"]


class ArtifactLoggedByArtifact(BaseModel):
    logged_by: Optional["ArtifactLoggedByArtifactLoggedBy"] = Field(alias="loggedBy")


ArtifactLoggedByArtifactLoggedBy = PublicRunFields
