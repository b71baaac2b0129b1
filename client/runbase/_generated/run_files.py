from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import FileFields


class RunFiles(BaseModel):
    project: Optional["RunFilesProject"]


class RunFilesProject(BaseModel):
    run: Optional["RunFilesProjectRun"]


class RunFilesProjectRun(BaseModel):
    files: "RunFilesProjectRunFiles"


class RunFilesProjectRunFiles(BaseModel):
    total_count: int = Field(alias="totalCount")
    page_info: "RunFilesProjectRunFilesPageInfo" = Field(alias="pageInfo")
    edges: list["RunFilesProjectRunFilesEdges"]


class RunFilesProjectRunFilesPageInfo(BaseModel):
    end_cursor: Optional[str] = Field(alias="endCursor")
    has_next_page: bool = Field(alias="hasNextPage")


class RunFilesProjectRunFilesEdges(BaseModel):
    node: "RunFilesProjectRunFilesEdgesNode"


RunFilesProjectRunFilesEdgesNode = FileFields
