from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import ArtifactFields


class CreateArtifact(BaseModel):
    create_artifact: Optional["CreateArtifactCreateArtifact"] = Field(
        alias="createArtifact"
    )


class CreateArtifactCreateArtifact(BaseModel):
    artifact: "CreateArtifactCreateArtifactArtifact"


CreateArtifactCreateArtifactArtifact = ArtifactFields
