from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import SweepFields


class UpsertSweep(BaseModel):
    upsert_sweep: Optional["UpsertSweepUpsertSweep"] = Field(alias="upsertSweep")


class UpsertSweepUpsertSweep(BaseModel):
    inserted: bool
    sweep: "UpsertSweepUpsertSweepSweep"


UpsertSweepUpsertSweepSweep = SweepFields
