from typing import Optional

from pydantic import Field

from .base_model import BaseModel


class RunCount(BaseModel):
    project: Optional["RunCountProject"]


class RunCountProject(BaseModel):
    run_count: int = Field(alias="runCount")
