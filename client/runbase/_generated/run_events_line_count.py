from typing import Optional

from pydantic import Field

from .base_model import BaseModel


class RunEventsLineCount(BaseModel):
    project: Optional["RunEventsLineCountProject"]


class RunEventsLineCountProject(BaseModel):
    run: Optional["RunEventsLineCountProjectRun"]


class RunEventsLineCountProjectRun(BaseModel):
    events_line_count: int = Field(alias="eventsLineCount")
