from typing import Optional

from pydantic import Field

from .base_model import BaseModel


class RunsEvents(BaseModel):
    project: Optional["RunsEventsProject"]


class RunsEventsProject(BaseModel):
    runs: "RunsEventsProjectRuns"


class RunsEventsProjectRuns(BaseModel):
    page_info: "RunsEventsProjectRunsPageInfo" = Field(alias="pageInfo")
    edges: list["RunsEventsProjectRunsEdges"]


class RunsEventsProjectRunsPageInfo(BaseModel):
    end_cursor: Optional[str] = Field(alias="endCursor")
    has_next_page: bool = Field(alias="hasNextPage")


class RunsEventsProjectRunsEdges(BaseModel):
    node: "RunsEventsProjectRunsEdgesNode"


class RunsEventsProjectRunsEdgesNode(BaseModel):
    name: str
    events: list[str]
