from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import PublicRunFields


class ArtifactUsedBy(BaseModel):
    artifact: Optional["ArtifactUsedByArtifact"]


class ArtifactUsedByArtifact(BaseModel):
    used_by: "ArtifactUsedByArtifactUsedBy" = Field(alias="usedBy")


class ArtifactUsedByArtifactUsedBy(BaseModel):
    page_info: "ArtifactUsedByArtifactUsedByPageInfo" = Field(alias="pageInfo")
    edges: list["ArtifactUsedByArtifactUsedByEdges"]


class ArtifactUsedByArtifactUsedByPageInfo(BaseModel):
    end_cursor: Optional[str] = Field(alias="endCursor")
    has_next_page: bool = Field(alias="hasNextPage")


class ArtifactUsedByArtifactUsedByEdges(BaseModel):
    node: "ArtifactUsedByArtifactUsedByEdgesNode"


ArtifactUsedByArtifactUsedByEdgesNode = PublicRunFields
