from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import TriggerFields


class UpdateFilterTrigger(BaseModel):
    update_filter_trigger: Optional["UpdateFilterTriggerUpdateFilterTrigger"] = Field(
        alias="updateFilterTrigger"
    )


class UpdateFilterTriggerUpdateFilterTrigger(BaseModel):
    trigger: "UpdateFilterTriggerUpdateFilterTriggerTrigger"


UpdateFilterTriggerUpdateFilterTriggerTrigger = TriggerFields
