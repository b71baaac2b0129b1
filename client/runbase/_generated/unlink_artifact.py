from typing import Optional

from pydantic import Field

from .base_model import BaseModel


class UnlinkArtifact(BaseModel):
    unlink_artifact: Optional["UnlinkArtifactUnlinkArtifact"] = Field(
        alias="unlinkArtifact"
    )


class UnlinkArtifactUnlinkArtifact(BaseModel):
    success: bool
