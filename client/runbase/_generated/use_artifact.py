from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import ArtifactFields


class UseArtifact(BaseModel):
    use_artifact: Optional["UseArtifactUseArtifact"] = Field(alias="useArtifact")


class UseArtifactUseArtifact(BaseModel):
    artifact: "UseArtifactUseArtifactArtifact"


UseArtifactUseArtifactArtifact = ArtifactFields
