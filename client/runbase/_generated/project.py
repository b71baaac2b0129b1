from typing import Optional

from .base_model import BaseModel
from .fragments import ProjectFields


class Project(BaseModel):
    project: Optional["ProjectProject"]


ProjectProject = ProjectFields
