from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import ArtifactFields


class LinkArtifact(BaseModel):
    link_artifact: Optional["LinkArtifactLinkArtifact"] = Field(alias="linkArtifact")


class LinkArtifactLinkArtifact(BaseModel):
    artifact: "LinkArtifactLinkArtifactArtifact"


LinkArtifactLinkArtifactArtifact = ArtifactFields
