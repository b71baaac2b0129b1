from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import RunFields


class RewindRun(BaseModel):
    rewind_run: Optional["RewindRunRewindRun"] = Field(alias="rewindRun")


class RewindRunRewindRun(BaseModel):
    rewound_run: Optional["RewindRunRewindRunRewoundRun"] = Field(alias="rewoundRun")


RewindRunRewindRunRewoundRun = RunFields
