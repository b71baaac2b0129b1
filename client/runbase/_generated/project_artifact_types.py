from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import ArtifactTypeFields


class ProjectArtifactTypes(BaseModel):
    project: Optional["ProjectArtifactTypesProject"]


class ProjectArtifactTypesProject(BaseModel):
    artifact_types: "ProjectArtifactTypesProjectArtifactTypes" = Field(
        alias="artifactTypes"
    )


class ProjectArtifactTypesProjectArtifactTypes(BaseModel):
    page_info: "ProjectArtifactTypesProjectArtifactTypesPageInfo" = Field(
        alias="pageInfo"
    )
    edges: list["ProjectArtifactTypesProjectArtifactTypesEdges"]


class ProjectArtifactTypesProjectArtifactTypesPageInfo(BaseModel):
    end_cursor: Optional[str] = Field(alias="endCursor")
    has_next_page: bool = Field(alias="hasNextPage")


class ProjectArtifactTypesProjectArtifactTypesEdges(BaseModel):
    node: "ProjectArtifactTypesProjectArtifactTypesEdgesNode"


ProjectArtifactTypesProjectArtifactTypesEdgesNode = ArtifactTypeFields
