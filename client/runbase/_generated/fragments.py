from typing import Optional

from pydantic import Field

from .base_model import BaseModel


class RunFields(BaseModel):
    id: str
    name: str
    display_name: Optional[str] = Field(alias="displayName")
    state: str
    config: str
    summary_metrics: str = Field(alias="summaryMetrics")
    tags: list[str]
    group: Optional[str]
    job_type: Optional[str] = Field(alias="jobType")
    notes: Optional[str]
    host: Optional[str]
    exit_code: Optional[int] = Field(alias="exitCode")
    created_at: str = Field(alias="createdAt")
    heartbeat_at: Optional[str] = Field(alias="heartbeatAt")
    finished_at: Optional[str] = Field(alias="finishedAt")
    history_line_count: int = Field(alias="historyLineCount")
    last_history_step: Optional[int] = Field(alias="lastHistoryStep")
