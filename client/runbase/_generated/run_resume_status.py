from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import RunFields


class RunResumeStatus(BaseModel):
    project: Optional["RunResumeStatusProject"]


class RunResumeStatusProject(BaseModel):
    entity_name: str = Field(alias="entityName")
    run: Optional["RunResumeStatusProjectRun"]


RunResumeStatusProjectRun = RunFields
