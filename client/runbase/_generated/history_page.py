from typing import Optional

from pydantic import Field

from .base_model import BaseModel


class HistoryPage(BaseModel):
    project: Optional["HistoryPageProject"]


class HistoryPageProject(BaseModel):
    run: Optional["HistoryPageProjectRun"]


class HistoryPageProjectRun(BaseModel):
    history_page: "HistoryPageProjectRunHistoryPage" = Field(alias="historyPage")


class HistoryPageProjectRunHistoryPage(BaseModel):
    rows: str
    next_step: Optional[int] = Field(alias="nextStep")
