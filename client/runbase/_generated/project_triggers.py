from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import TriggerFields


class ProjectTriggers(BaseModel):
    project: Optional["ProjectTriggersProject"]


class ProjectTriggersProject(BaseModel):
    triggers: "ProjectTriggersProjectTriggers"


class ProjectTriggersProjectTriggers(BaseModel):
    page_info: "ProjectTriggersProjectTriggersPageInfo" = Field(alias="pageInfo")
    edges: list["ProjectTriggersProjectTriggersEdges"]


class ProjectTriggersProjectTriggersPageInfo(BaseModel):
    end_cursor: Optional[str] = Field(alias="endCursor")
    has_next_page: bool = Field(alias="hasNextPage")


class ProjectTriggersProjectTriggersEdges(BaseModel):
    node: "ProjectTriggersProjectTriggersEdgesNode"


ProjectTriggersProjectTriggersEdgesNode = TriggerFields
