from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import ArtifactCollectionPage


class ProjectArtifactCollections(BaseModel):
    project: Optional["ProjectArtifactCollectionsProject"]


class ProjectArtifactCollectionsProject(BaseModel):
    artifact_collections: "ProjectArtifactCollectionsProjectArtifactCollections" = (
        Field(alias="artifactCollections")
    )


ProjectArtifactCollectionsProjectArtifactCollections = ArtifactCollectionPage
