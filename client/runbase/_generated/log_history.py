from typing import Optional

from pydantic import Field

from .base_model import BaseModel


class LogHistory(BaseModel):
    log_history: Optional["LogHistoryLogHistory"] = Field(alias="logHistory")


class LogHistoryLogHistory(BaseModel):
    accepted: int
    history_line_count: int = Field(alias="historyLineCount")
    last_history_step: Optional[int] = Field(alias="lastHistoryStep")
    state: str
