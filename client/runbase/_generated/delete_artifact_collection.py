from typing import Optional

from pydantic import Field

from .base_model import BaseModel


class DeleteArtifactCollection(BaseModel):
    delete_artifact_collection: Optional[
        "DeleteArtifactCollectionDeleteArtifactCollection"
    ] = Field(alias="deleteArtifactCollection")


class DeleteArtifactCollectionDeleteArtifactCollection(BaseModel):
    success: bool
