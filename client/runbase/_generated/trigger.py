from typing import Optional

from .base_model import BaseModel
from .fragments import TriggerFields


class Trigger(BaseModel):
    trigger: Optional["TriggerTrigger"]


TriggerTrigger = TriggerFields
