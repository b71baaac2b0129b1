from typing import Optional

from pydantic import Field

from .base_model import BaseModel


class RunConsole(BaseModel):
    project: Optional["RunConsoleProject"]


class RunConsoleProject(BaseModel):
    run: Optional["RunConsoleProjectRun"]


class RunConsoleProjectRun(BaseModel):
    console_line_count: int = Field(alias="consoleLineCount")
    console_tail: list[str] = Field(alias="consoleTail")
