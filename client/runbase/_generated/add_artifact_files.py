from typing import Optional

from pydantic import Field

from .base_model import BaseModel


class AddArtifactFiles(BaseModel):
    add_artifact_files: Optional["AddArtifactFilesAddArtifactFiles"] = Field(
        alias="addArtifactFiles"
    )


class AddArtifactFilesAddArtifactFiles(BaseModel):
    file_count: int = Field(alias="fileCount")
