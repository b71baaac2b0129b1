from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import ArtifactTypeFields


class ProjectArtifactType(BaseModel):
    project: Optional["ProjectArtifactTypeProject"]


class ProjectArtifactTypeProject(BaseModel):
    artifact_type: Optional["ProjectArtifactTypeProjectArtifactType"] = Field(
        alias="artifactType"
    )


ProjectArtifactTypeProjectArtifactType = ArtifactTypeFields
