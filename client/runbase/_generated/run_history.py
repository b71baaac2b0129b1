from typing import Any, Optional

from pydantic import Field

from .base_model import BaseModel


class RunHistory(BaseModel):
    project: Optional["RunHistoryProject"]


class RunHistoryProject(BaseModel):
    run: Optional["RunHistoryProjectRun"]


class RunHistoryProjectRun(BaseModel):
    history_keys: Any = Field(alias="historyKeys")
    history_line_count: int = Field(alias="historyLineCount")
    history: list[str]
