from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import DeliveryFields


class TriggerDeliveries(BaseModel):
    trigger: Optional["TriggerDeliveriesTrigger"]


class TriggerDeliveriesTrigger(BaseModel):
    deliveries: "TriggerDeliveriesTriggerDeliveries"


class TriggerDeliveriesTriggerDeliveries(BaseModel):
    page_info: "TriggerDeliveriesTriggerDeliveriesPageInfo" = Field(alias="pageInfo")
    edges: list["TriggerDeliveriesTriggerDeliveriesEdges"]


class TriggerDeliveriesTriggerDeliveriesPageInfo(BaseModel):
    end_cursor: Optional[str] = Field(alias="endCursor")
    has_next_page: bool = Field(alias="hasNextPage")


class TriggerDeliveriesTriggerDeliveriesEdges(BaseModel):
    node: "TriggerDeliveriesTriggerDeliveriesEdgesNode"


TriggerDeliveriesTriggerDeliveriesEdgesNode = DeliveryFields
