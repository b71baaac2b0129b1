from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import ArtifactPage


class RunLoggedArtifacts(BaseModel):
    project: Optional["RunLoggedArtifactsProject"]


class RunLoggedArtifactsProject(BaseModel):
    run: Optional["RunLoggedArtifactsProjectRun"]


class RunLoggedArtifactsProjectRun(BaseModel):
    output_artifacts: "RunLoggedArtifactsProjectRunOutputArtifacts" = Field(
        alias="outputArtifacts"
    )


RunLoggedArtifactsProjectRunOutputArtifacts = ArtifactPage
