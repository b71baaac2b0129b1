from typing import Literal, Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import CollectionAliasPage


class ArtifactCollectionAliases(BaseModel):
    artifact_collection: Optional["ArtifactCollectionAliasesArtifactCollection"] = (
        Field(alias="artifactCollection")
    )


class ArtifactCollectionAliasesArtifactCollection(BaseModel):
    typename__: Literal[
        "ArtifactCollection", "ArtifactPortfolio", "ArtifactSequence"
    ] = Field(alias="__typename")
    aliases: "ArtifactCollectionAliasesArtifactCollectionAliases"


ArtifactCollectionAliasesArtifactCollectionAliases = CollectionAliasPage
