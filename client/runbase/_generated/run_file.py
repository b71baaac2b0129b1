from typing import Optional

from .base_model import BaseModel
from .fragments import FileFields


class RunFile(BaseModel):
    project: Optional["RunFileProject"]


class RunFileProject(BaseModel):
    run: Optional["RunFileProjectRun"]


class RunFileProjectRun(BaseModel):
    file: Optional["RunFileProjectRunFile"]


RunFileProjectRunFile = FileFields
