from typing import Literal, Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import VersionedArtifactPage


class CollectionArtifacts(BaseModel):
    project: Optional["CollectionArtifactsProject"]


class CollectionArtifactsProject(BaseModel):
    artifact_collection: Optional["CollectionArtifactsProjectArtifactCollection"] = (
        Field(alias="artifactCollection")
    )


class CollectionArtifactsProjectArtifactCollection(BaseModel):
    typename__: Literal[
        "ArtifactCollection", "ArtifactPortfolio", "ArtifactSequence"
    ] = Field(alias="__typename")
    type_name: str = Field(alias="typeName")
    artifacts: "CollectionArtifactsProjectArtifactCollectionArtifacts"


CollectionArtifactsProjectArtifactCollectionArtifacts = VersionedArtifactPage
