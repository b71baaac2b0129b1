from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import ArtifactFileFields


class ArtifactFiles(BaseModel):
    artifact: Optional["ArtifactFilesArtifact"]


class ArtifactFilesArtifact(BaseModel):
    files: "ArtifactFilesArtifactFiles"


class ArtifactFilesArtifactFiles(BaseModel):
    total_count: int = Field(alias="totalCount")
    page_info: "ArtifactFilesArtifactFilesPageInfo" = Field(alias="pageInfo")
    edges: list["ArtifactFilesArtifactFilesEdges"]


class ArtifactFilesArtifactFilesPageInfo(BaseModel):
    end_cursor: Optional[str] = Field(alias="endCursor")
    has_next_page: bool = Field(alias="hasNextPage")


class ArtifactFilesArtifactFilesEdges(BaseModel):
    node: "ArtifactFilesArtifactFilesEdgesNode"


ArtifactFilesArtifactFilesEdgesNode = ArtifactFileFields
