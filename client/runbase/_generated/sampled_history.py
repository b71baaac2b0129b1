from typing import Optional

from pydantic import Field

from .base_model import BaseModel


class SampledHistory(BaseModel):
    project: Optional["SampledHistoryProject"]


class SampledHistoryProject(BaseModel):
    run: Optional["SampledHistoryProjectRun"]


class SampledHistoryProjectRun(BaseModel):
    sampled_history_text: list[str] = Field(alias="sampledHistoryText")
