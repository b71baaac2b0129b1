from typing import Optional

from pydantic import Field

from .base_model import BaseModel


class DeleteArtifact(BaseModel):
    delete_artifact: Optional["DeleteArtifactDeleteArtifact"] = Field(
        alias="deleteArtifact"
    )


class DeleteArtifactDeleteArtifact(BaseModel):
    success: bool
