from typing import Optional

from .base_model import BaseModel
from .fragments import PublicRunFields


class PublicRun(BaseModel):
    project: Optional["PublicRunProject"]


class PublicRunProject(BaseModel):
    run: Optional["PublicRunProjectRun"]


PublicRunProjectRun = PublicRunFields
