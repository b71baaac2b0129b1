from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import TriggerFields


class Triggers(BaseModel):
    triggers: "TriggersTriggers"


class TriggersTriggers(BaseModel):
    page_info: "TriggersTriggersPageInfo" = Field(alias="pageInfo")
    edges: list["TriggersTriggersEdges"]


class TriggersTriggersPageInfo(BaseModel):
    end_cursor: Optional[str] = Field(alias="endCursor")
    has_next_page: bool = Field(alias="hasNextPage")


class TriggersTriggersEdges(BaseModel):
    node: "TriggersTriggersEdgesNode"


TriggersTriggersEdgesNode = TriggerFields
