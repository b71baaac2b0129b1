from typing import Literal, Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import (  # noqa: F401
    ArtifactCollectionFields,
    ArtifactCollectionFieldsAliases,
    ArtifactCollectionFieldsTags,
)


class UpdateArtifactCollection(BaseModel):
    update_artifact_collection: Optional[
        "UpdateArtifactCollectionUpdateArtifactCollection"
    ] = Field(alias="updateArtifactCollection")


class UpdateArtifactCollectionUpdateArtifactCollection(BaseModel):
    artifact_collection: "UpdateArtifactCollectionUpdateArtifactCollectionArtifactCollection" = Field(
        alias="artifactCollection"
    )


class UpdateArtifactCollectionUpdateArtifactCollectionArtifactCollection(
    ArtifactCollectionFields
):
    typename__: Literal[
        "ArtifactCollection", "ArtifactPortfolio", "ArtifactSequence"
    ] = Field(alias="__typename")
