from typing import Optional

from .base_model import BaseModel


class RunStopped(BaseModel):
    project: Optional["RunStoppedProject"]


class RunStoppedProject(BaseModel):
    run: Optional["RunStoppedProjectRun"]


class RunStoppedProjectRun(BaseModel):
    stopped: bool
