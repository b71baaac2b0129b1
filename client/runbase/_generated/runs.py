from typing import Optional

from pydantic import Field

from .base_model import BaseModel


class Runs(BaseModel):
    project: Optional["RunsProject"]


class RunsProject(BaseModel):
    runs: "RunsProjectRuns"


class RunsProjectRuns(BaseModel):
    page_info: "RunsProjectRunsPageInfo" = Field(alias="pageInfo")
    nodes_text: str = Field(alias="nodesText")


class RunsProjectRunsPageInfo(BaseModel):
    end_cursor: Optional[str] = Field(alias="endCursor")
    has_next_page: bool = Field(alias="hasNextPage")
