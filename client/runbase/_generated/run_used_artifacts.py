from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import UsedArtifactPage


class RunUsedArtifacts(BaseModel):
    project: Optional["RunUsedArtifactsProject"]


class RunUsedArtifactsProject(BaseModel):
    run: Optional["RunUsedArtifactsProjectRun"]


class RunUsedArtifactsProjectRun(BaseModel):
    input_artifacts: "RunUsedArtifactsProjectRunInputArtifacts" = Field(
        alias="inputArtifacts"
    )


RunUsedArtifactsProjectRunInputArtifacts = UsedArtifactPage
