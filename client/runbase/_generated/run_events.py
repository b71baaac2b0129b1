from typing import Optional

from .base_model import BaseModel


class RunEvents(BaseModel):
    project: Optional["RunEventsProject"]


class RunEventsProject(BaseModel):
    run: Optional["RunEventsProjectRun"]


class RunEventsProjectRun(BaseModel):
    events: list[str]
