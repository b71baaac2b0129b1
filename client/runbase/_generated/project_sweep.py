from typing import Optional

from .base_model import BaseModel
from .fragments import SweepFields


class ProjectSweep(BaseModel):
    project: Optional["ProjectSweepProject"]


class ProjectSweepProject(BaseModel):
    sweep: Optional["ProjectSweepProjectSweep"]


ProjectSweepProjectSweep = SweepFields
