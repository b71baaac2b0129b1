from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import ArtifactFields


class ArtifactLinks(BaseModel):
    artifact: Optional["ArtifactLinksArtifact"]


class ArtifactLinksArtifact(BaseModel):
    linked_artifacts: list["ArtifactLinksArtifactLinkedArtifacts"] = Field(
        alias="linkedArtifacts"
    )


ArtifactLinksArtifactLinkedArtifacts = ArtifactFields
