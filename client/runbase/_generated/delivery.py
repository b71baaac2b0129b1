from typing import Optional

from .base_model import BaseModel
from .fragments import DeliveryFields


class Delivery(BaseModel):
    delivery: Optional["DeliveryDelivery"]


DeliveryDelivery = DeliveryFields
