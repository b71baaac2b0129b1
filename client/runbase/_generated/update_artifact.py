from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import ArtifactFields


class UpdateArtifact(BaseModel):
    update_artifact: Optional["UpdateArtifactUpdateArtifact"] = Field(
        alias="updateArtifact"
    )


class UpdateArtifactUpdateArtifact(BaseModel):
    artifact: "UpdateArtifactUpdateArtifactArtifact"


UpdateArtifactUpdateArtifactArtifact = ArtifactFields
