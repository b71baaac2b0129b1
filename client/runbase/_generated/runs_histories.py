from typing import Optional

from pydantic import Field

from .base_model import BaseModel


class RunsHistories(BaseModel):
    project: Optional["RunsHistoriesProject"]


class RunsHistoriesProject(BaseModel):
    runs: "RunsHistoriesProjectRuns"


class RunsHistoriesProjectRuns(BaseModel):
    page_info: "RunsHistoriesProjectRunsPageInfo" = Field(alias="pageInfo")
    edges: list["RunsHistoriesProjectRunsEdges"]


class RunsHistoriesProjectRunsPageInfo(BaseModel):
    end_cursor: Optional[str] = Field(alias="endCursor")
    has_next_page: bool = Field(alias="hasNextPage")


class RunsHistoriesProjectRunsEdges(BaseModel):
    node: "RunsHistoriesProjectRunsEdgesNode"


class RunsHistoriesProjectRunsEdgesNode(BaseModel):
    name: str
    sampled_history_text: list[str] = Field(alias="sampledHistoryText")
