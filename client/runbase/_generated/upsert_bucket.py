from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import RunFields


class UpsertBucket(BaseModel):
    upsert_bucket: Optional["UpsertBucketUpsertBucket"] = Field(alias="upsertBucket")


class UpsertBucketUpsertBucket(BaseModel):
    inserted: bool
    bucket: "UpsertBucketUpsertBucketBucket"


class UpsertBucketUpsertBucketBucket(RunFields):
    project: Optional["UpsertBucketUpsertBucketBucketProject"]


class UpsertBucketUpsertBucketBucketProject(BaseModel):
    name: str
    entity_name: str = Field(alias="entityName")
