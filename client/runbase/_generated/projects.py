from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import ProjectFields


class Projects(BaseModel):
    projects: "ProjectsProjects"


class ProjectsProjects(BaseModel):
    total_count: int = Field(alias="totalCount")
    page_info: "ProjectsProjectsPageInfo" = Field(alias="pageInfo")
    edges: list["ProjectsProjectsEdges"]


class ProjectsProjectsPageInfo(BaseModel):
    end_cursor: Optional[str] = Field(alias="endCursor")
    has_next_page: bool = Field(alias="hasNextPage")


class ProjectsProjectsEdges(BaseModel):
    node: "ProjectsProjectsEdgesNode"


ProjectsProjectsEdgesNode = ProjectFields
