from typing import Literal, Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import (  # noqa: F401
    ArtifactCollectionFields,
    ArtifactCollectionFieldsAliases,
    ArtifactCollectionFieldsTags,
)


class ProjectArtifactCollection(BaseModel):
    project: Optional["ProjectArtifactCollectionProject"]


class ProjectArtifactCollectionProject(BaseModel):
    artifact_collection: Optional[
        "ProjectArtifactCollectionProjectArtifactCollection"
    ] = Field(alias="artifactCollection")


class ProjectArtifactCollectionProjectArtifactCollection(ArtifactCollectionFields):
    typename__: Literal[
        "ArtifactCollection", "ArtifactPortfolio", "ArtifactSequence"
    ] = Field(alias="__typename")
