from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import SweepFields


class ProjectSweeps(BaseModel):
    project: Optional["ProjectSweepsProject"]


class ProjectSweepsProject(BaseModel):
    total_sweeps: int = Field(alias="totalSweeps")
    sweeps: "ProjectSweepsProjectSweeps"


class ProjectSweepsProjectSweeps(BaseModel):
    page_info: "ProjectSweepsProjectSweepsPageInfo" = Field(alias="pageInfo")
    edges: list["ProjectSweepsProjectSweepsEdges"]


class ProjectSweepsProjectSweepsPageInfo(BaseModel):
    end_cursor: Optional[str] = Field(alias="endCursor")
    has_next_page: bool = Field(alias="hasNextPage")


class ProjectSweepsProjectSweepsEdges(BaseModel):
    node: "ProjectSweepsProjectSweepsEdgesNode"


ProjectSweepsProjectSweepsEdgesNode = SweepFields
