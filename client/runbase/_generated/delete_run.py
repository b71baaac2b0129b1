from typing import Optional

from pydantic import Field

from .base_model import BaseModel


class DeleteRun(BaseModel):
    delete_run: Optional["DeleteRunDeleteRun"] = Field(alias="deleteRun")


class DeleteRunDeleteRun(BaseModel):
    success: bool
