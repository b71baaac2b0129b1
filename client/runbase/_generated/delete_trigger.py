from typing import Optional

from pydantic import Field

from .base_model import BaseModel


class DeleteTrigger(BaseModel):
    delete_trigger: Optional["DeleteTriggerDeleteTrigger"] = Field(
        alias="deleteTrigger"
    )


class DeleteTriggerDeleteTrigger(BaseModel):
    success: bool
