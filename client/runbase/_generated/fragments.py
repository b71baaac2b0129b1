from typing import Optional

from pydantic import Field

from .base_model import BaseModel


class MemberFields(BaseModel):
    id: str
    username: str
    email: Optional[str]
    role: str


class ProjectFields(BaseModel):
    id: str
    name: str
    entity_name: str = Field(alias="entityName")
    description: Optional[str]
    access: str
    created_at: str = Field(alias="createdAt")


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


class PublicRunFields(RunFields):
    history_keys: str = Field(alias="historyKeys")
    read_only: bool = Field(alias="readOnly")
    system_metrics: str = Field(alias="systemMetrics")
    user: Optional["PublicRunFieldsUser"]
    project: Optional["PublicRunFieldsProject"]


class PublicRunFieldsUser(BaseModel):
    username: str


class PublicRunFieldsProject(BaseModel):
    name: str
    entity_name: str = Field(alias="entityName")


class UserFields(BaseModel):
    id: str
    username: str
    email: Optional[str]
    admin: bool
    entity: str
    teams: list["UserFieldsTeams"]
    api_keys: list["UserFieldsApiKeys"] = Field(alias="apiKeys")


class UserFieldsTeams(BaseModel):
    name: str
    is_team: bool = Field(alias="isTeam")


class UserFieldsApiKeys(BaseModel):
    id: str
    name: str
    description: Optional[str]
