from typing import Optional

from pydantic import Field

from .base_model import BaseModel


class CreateTeamInput(BaseModel):
    team_name: str = Field(alias="teamName")
    admin_user_name: Optional[str] = Field(alias="adminUserName", default=None)


class CreateInviteInput(BaseModel):
    entity_name: str = Field(alias="entityName")
    username: str
    role: Optional[str] = None
    "admin, member or viewer; W&B's `admin: true` is role admin."
    admin: Optional[bool] = None


class DeleteInviteInput(BaseModel):
    entity_name: str = Field(alias="entityName")
    id: str


class UpsertBucketInput(BaseModel):
    name: Optional[str] = None
    "The run id; a random one is made when absent."
    model_name: str = Field(alias="modelName")
    "W&B's name for the project."
    entity_name: Optional[str] = Field(alias="entityName", default=None)
    display_name: Optional[str] = Field(alias="displayName", default=None)
    notes: Optional[str] = None
    group_name: Optional[str] = Field(alias="groupName", default=None)
    job_type: Optional[str] = Field(alias="jobType", default=None)
    host: Optional[str] = None
    config: Optional[str] = None
    'Replaces the whole config, in W&B\'s shape: {"key": {"value": ...}}.'
    summary_metrics: Optional[str] = Field(alias="summaryMetrics", default=None)
    "Keys merged into the summary; a null value removes a key."
    tags: Optional[list[str]] = None
    state: Optional[str] = None
    "running, finished, failed, crashed."
    exit_code: Optional[int] = Field(alias="exitCode", default=None)


class LogHistoryInput(BaseModel):
    entity_name: Optional[str] = Field(alias="entityName", default=None)
    project_name: str = Field(alias="projectName")
    run_name: str = Field(alias="runName")
    "The run id."
    rows: str
    'A JSON list of row objects, each with an integer "_step", in increasing step order.'
    summary_metrics: Optional[str] = Field(alias="summaryMetrics", default=None)
    "Keys merged into the summary in the same transaction."
    console_lines: Optional[str] = Field(alias="consoleLines", default=None)
    "Console output: a JSON list of lines, the first being line number consoleStart (0-based). Lines already stored are ignored."
    console_start: Optional[int] = Field(alias="consoleStart", default=None)


class DeleteRunInput(BaseModel):
    entity_name: Optional[str] = Field(alias="entityName", default=None)
    project_name: str = Field(alias="projectName")
    run_name: str = Field(alias="runName")
    delete_artifacts: Optional[bool] = Field(alias="deleteArtifacts", default=None)


class UpsertModelInput(BaseModel):
    name: str
    entity_name: Optional[str] = Field(alias="entityName", default=None)
    description: Optional[str] = None
    access: Optional[str] = None
    "PRIVATE or READ."


class CreateUserInput(BaseModel):
    username: str
    email: Optional[str] = None
    admin: Optional[bool] = None


class GenerateApiKeyInput(BaseModel):
    description: Optional[str] = None
    user_name: Optional[str] = Field(alias="userName", default=None)
    "Admins may create a key for another user."


class DeleteApiKeyInput(BaseModel):
    id: str


class CreateSlackIntegrationInput(BaseModel):
    entity_name: str = Field(alias="entityName")
    channel_name: str = Field(alias="channelName")
    bot_token: Optional[str] = Field(alias="botToken", default=None)
    "A bot token (xoxb-...) with chat:write; the server posts with chat.postMessage."
    webhook_url: Optional[str] = Field(alias="webhookUrl", default=None)
    "An incoming-webhook URL; used when no bot token is given."


class CreateGenericWebhookIntegrationInput(BaseModel):
    entity_name: str = Field(alias="entityName")
    name: str
    url_endpoint: str = Field(alias="urlEndpoint")
    secret: Optional[str] = None
    access_token: Optional[str] = Field(alias="accessToken", default=None)


class DeleteIntegrationInput(BaseModel):
    id: str


class CreateFilterTriggerInput(BaseModel):
    name: str
    description: Optional[str] = None
    enabled: Optional[bool] = None
    "Default true."
    entity_name: str = Field(alias="entityName")
    scope_type: str = Field(alias="scopeType")
    "PROJECT, ARTIFACT_COLLECTION or REGISTRY."
    project_name: Optional[str] = Field(alias="projectName", default=None)
    scope_name: Optional[str] = Field(alias="scopeName", default=None)
    event_type: str = Field(alias="eventType")
    event_filter: str = Field(alias="eventFilter")
    action: str


class UpdateFilterTriggerInput(BaseModel):
    id: str
    name: Optional[str] = None
    description: Optional[str] = None
    enabled: Optional[bool] = None
    scope_type: Optional[str] = Field(alias="scopeType", default=None)
    entity_name: Optional[str] = Field(alias="entityName", default=None)
    project_name: Optional[str] = Field(alias="projectName", default=None)
    scope_name: Optional[str] = Field(alias="scopeName", default=None)
    event_type: Optional[str] = Field(alias="eventType", default=None)
    event_filter: Optional[str] = Field(alias="eventFilter", default=None)
    action: Optional[str] = None


class DeleteTriggerInput(BaseModel):
    id: str


class RedeliverInput(BaseModel):
    delivery_id: str = Field(alias="deliveryId")


class NotifyScriptableRunAlertInput(BaseModel):
    entity_name: Optional[str] = Field(alias="entityName", default=None)
    project_name: str = Field(alias="projectName")
    run_name: str = Field(alias="runName")
    title: str
    "Under 64 characters."
    text: str
    severity: Optional[str] = None
    "INFO, WARN or ERROR."
    wait_duration: Optional[float] = Field(alias="waitDuration", default=None)
    "Seconds since the last alert with this title (from this run) within which a new one is not sent."


class UpsertRunFilesInput(BaseModel):
    entity_name: Optional[str] = Field(alias="entityName", default=None)
    project_name: str = Field(alias="projectName")
    run_name: str = Field(alias="runName")
    files: str
    'A JSON list of {"name": "relative/path", "sha256": "...", "size": bytes}, at most 1000; each blob must be uploaded first.'
