from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import ArtifactFields


class CommitArtifact(BaseModel):
    commit_artifact: Optional["CommitArtifactCommitArtifact"] = Field(
        alias="commitArtifact"
    )


class CommitArtifactCommitArtifact(BaseModel):
    artifact: "CommitArtifactCommitArtifactArtifact"


CommitArtifactCommitArtifactArtifact = ArtifactFields
