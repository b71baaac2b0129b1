from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import TriggerFields


class CreateFilterTrigger(BaseModel):
    create_filter_trigger: Optional["CreateFilterTriggerCreateFilterTrigger"] = Field(
        alias="createFilterTrigger"
    )


class CreateFilterTriggerCreateFilterTrigger(BaseModel):
    trigger: "CreateFilterTriggerCreateFilterTriggerTrigger"


CreateFilterTriggerCreateFilterTriggerTrigger = TriggerFields
