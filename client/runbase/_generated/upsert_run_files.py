from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import FileFields


class UpsertRunFiles(BaseModel):
    upsert_run_files: Optional["UpsertRunFilesUpsertRunFiles"] = Field(
        alias="upsertRunFiles"
    )


class UpsertRunFilesUpsertRunFiles(BaseModel):
    files: list["UpsertRunFilesUpsertRunFilesFiles"]


UpsertRunFilesUpsertRunFilesFiles = FileFields
