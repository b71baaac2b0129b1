from typing import Optional

from .base_model import BaseModel
from .fragments import DeliveryFields


class Redeliver(BaseModel):
    redeliver: Optional["RedeliverRedeliver"]


class RedeliverRedeliver(BaseModel):
    delivery: "RedeliverRedeliverDelivery"


RedeliverRedeliverDelivery = DeliveryFields
