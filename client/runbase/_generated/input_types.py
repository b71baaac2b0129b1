from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .enums import (
    ArtifactDigestAlgorithm,
    ArtifactManifestType,
    ArtifactStorageLayout,
    CompleteMultipartAction,
)


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


class UpsertSweepInput(BaseModel):
    id: Optional[str] = None
    "The sweep to change (Sweep.id); none creates one."
    config: Optional[str] = None
    "W&B's sweep configuration, YAML or JSON text."
    description: Optional[str] = None
    display_name: Optional[str] = Field(alias="displayName", default=None)
    entity_name: Optional[str] = Field(alias="entityName", default=None)
    project_name: Optional[str] = Field(alias="projectName", default=None)
    'The project; when absent, the configuration\'s `project`, else "uncategorized".'
    state: Optional[str] = None
    "PENDING, RUNNING, PAUSED, FINISHED or CANCELED."
    prior_runs_filters: Optional[str] = Field(alias="priorRunsFilters", default=None)
    'Existing runs of the project that join the sweep: a MongoDB-style filter, e.g. {"$or": [{"name": "a1"}]}.'


class CreateAgentInput(BaseModel):
    sweep: str
    "The sweep id (Sweep.name)."
    project_name: str = Field(alias="projectName")
    entity_name: Optional[str] = Field(alias="entityName", default=None)
    host: Optional[str] = None


class AgentHeartbeatInput(BaseModel):
    id: str
    "The agent's id (SweepAgent.id)."
    run_state: Optional[str] = Field(alias="runState", default=None)
    'The states of the agent\'s runs: a JSON object {run_id: "running" | "finished" | ...}.'
    metrics: Optional[str] = None
    "Metrics the agent reports (accepted, not used yet)."


class UpsertBucketInput(BaseModel):
    id: Optional[str] = None
    "The run to update by its Run.id (W&B's clients send it back once they have it); name, modelName and\nentityName then may be left out, and must name the same run where given."
    name: Optional[str] = None
    "The run id; a random one is made when absent."
    model_name: Optional[str] = Field(alias="modelName", default=None)
    'W&B\'s name for the project; "uncategorized" when absent (as in W&B), unless id names the run.'
    entity_name: Optional[str] = Field(alias="entityName", default=None)
    display_name: Optional[str] = Field(alias="displayName", default=None)
    notes: Optional[str] = None
    description: Optional[str] = None
    "W&B's older name for notes, used when notes is absent."
    commit: Optional[str] = None
    "The git commit of the run's code (at most 256 characters), as W&B's clients send it: Run.commit."
    job_program: Optional[str] = Field(alias="jobProgram", default=None)
    "The program and the repository of the run's code and W&B's debug flag, as W&B's clients send them:\naccepted and not stored (the client uploads the same facts in wandb-metadata.json, which the run page shows)."
    job_repo: Optional[str] = Field(alias="jobRepo", default=None)
    debug: Optional[bool] = None
    group_name: Optional[str] = Field(alias="groupName", default=None)
    job_type: Optional[str] = Field(alias="jobType", default=None)
    host: Optional[str] = None
    config: Optional[str] = None
    'Replaces the whole config, in W&B\'s shape: {"key": {"value": ...}}.'
    summary_metrics: Optional[str] = Field(alias="summaryMetrics", default=None)
    "Keys merged into the summary; a null value is kept as null, as in W&B."
    remove_summary_keys: Optional[list[str]] = Field(
        alias="removeSummaryKeys", default=None
    )
    "Summary keys to remove (none may also be in summaryMetrics)."
    tags: Optional[list[str]] = None
    state: Optional[str] = None
    "running, finished, failed, crashed."
    exit_code: Optional[int] = Field(alias="exitCode", default=None)
    sweep: Optional[str] = None
    "The id of a sweep of the same project that the run joins (W&B's; the SDK's sweep_id setting)."


class LogHistoryInput(BaseModel):
    entity_name: Optional[str] = Field(alias="entityName", default=None)
    project_name: str = Field(alias="projectName")
    run_name: str = Field(alias="runName")
    "The run id."
    rows: str
    'A JSON list of row objects, each with an integer "_step", in increasing step order.'
    summary_metrics: Optional[str] = Field(alias="summaryMetrics", default=None)
    "Keys merged into the summary in the same transaction; a null value is kept as null, as in W&B."
    remove_summary_keys: Optional[list[str]] = Field(
        alias="removeSummaryKeys", default=None
    )
    "Summary keys to remove in the same transaction (none may also be in summaryMetrics)."
    console_lines: Optional[str] = Field(alias="consoleLines", default=None)
    "Console output: a JSON list of lines, the first being line number consoleStart (0-based). Lines already stored are ignored."
    console_start: Optional[int] = Field(alias="consoleStart", default=None)
    system_rows: Optional[str] = Field(alias="systemRows", default=None)
    'System metrics (the system stream, W&B\'s events): a JSON list of row objects, the first being row number systemStart (0-based), the next systemStart+1, and so on. Stored apart from history: no step, historyLineCount, summary or automation sees them. Rows at numbers the run already has are ignored, so a resend changes nothing; numbers need not follow on. A row that holds "_step" or that no database can store is refused alone (refusedSystemRows). The SDK sends W&B\'s rows: {"_wandb": true, "_timestamp": 1733400000.5, "_runtime": 15.0, "system.cpu": 12.5, ...}.'
    system_start: Optional[int] = Field(alias="systemStart", default=None)


class StopRunInput(BaseModel):
    id: str
    "The run's id (Run.id)."
    client_mutation_id: Optional[str] = Field(alias="clientMutationId", default=None)


class DeleteRunInput(BaseModel):
    """W&B's: the run by its id (Run.id)."""

    id: str
    delete_artifacts: Optional[bool] = Field(alias="deleteArtifacts", default=None)
    "Also delete the artifact versions the run logged (not those it only used), with their aliases and registry links. Without it they stay, logged by no run."
    client_mutation_id: Optional[str] = Field(alias="clientMutationId", default=None)


class UpdateRunInput(BaseModel):
    entity_name: Optional[str] = Field(alias="entityName", default=None)
    project_name: str = Field(alias="projectName")
    run_name: str = Field(alias="runName")
    display_name: Optional[str] = Field(alias="displayName", default=None)
    notes: Optional[str] = None
    tags: Optional[list[str]] = None


class RewindRunInput(BaseModel):
    entity_name: Optional[str] = Field(alias="entityName", default=None)
    project_name: Optional[str] = Field(alias="projectName", default=None)
    "Required: the project of the run."
    run_name: str = Field(alias="runName")
    metric_name: str = Field(alias="metricName")
    'The metric that names the step: "_step" only, as in W&B.'
    metric_value: float = Field(alias="metricValue")
    "The step kept last; a fractional value means the last whole step up to it."


class UpsertModelInput(BaseModel):
    name: Optional[str] = None
    "Required (W&B's clients declare it nullable)."
    entity_name: Optional[str] = Field(alias="entityName", default=None)
    description: Optional[str] = None
    access: Optional[str] = None
    "PRIVATE or READ."
    id: Optional[str] = None
    "W&B's project id, framework, saved views and repository: runbase keeps none, so only null is taken."
    framework: Optional[str] = None
    views: Optional[str] = None
    repo: Optional[str] = None


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


class CreateRunFilesInput(BaseModel):
    entity_name: Optional[str] = Field(alias="entityName", default=None)
    project_name: str = Field(alias="projectName")
    run_name: str = Field(alias="runName")
    files: list[str]
    "The files' relative paths in the run, at most 1000."


class CreateArtifactInput(BaseModel):
    """W&B's input. Its digest, digestAlgorithm, clientID, sequenceClientID, enableDigestDeduplication, labels and
    storageRegion are accepted and not used: the server computes the digest when the version is committed (and a
    committed twin with the same digest takes the version's place then)."""

    entity_name: Optional[str] = Field(alias="entityName", default=None)
    project_name: str = Field(alias="projectName")
    run_name: Optional[str] = Field(alias="runName", default=None)
    "The run logging it (lineage); null logs it from the Public API."
    artifact_type_name: str = Field(alias="artifactTypeName")
    artifact_collection_name: Optional[str] = Field(
        alias="artifactCollectionName", default=None
    )
    "The sequence it goes to; created when missing. Given here or as the one item of artifactCollectionNames."
    artifact_collection_names: Optional[list[str]] = Field(
        alias="artifactCollectionNames", default=None
    )
    description: Optional[str] = None
    metadata: Optional[str] = None
    "A JSON object, at most 100 keys."
    aliases: Optional[list["ArtifactAliasInput"]] = None
    'Added when it is committed, all in its sequence; "latest" is managed by the server.'
    tags: Optional[list[str]] = None
    ttl_duration_seconds: Optional[int] = Field(
        alias="ttlDurationSeconds", default=None
    )
    history_step: Optional[int] = Field(alias="historyStep", default=None)
    distributed_id: Optional[str] = Field(alias="distributedID", default=None)
    "Several processes building one version (upsert_artifact/finish_artifact) pass the same id: the PENDING\nversion with that id is returned instead of a new one."
    digest: Optional[str] = None
    digest_algorithm: Optional[ArtifactDigestAlgorithm] = Field(
        alias="digestAlgorithm", default=None
    )
    client_id: Optional[str] = Field(alias="clientID", default=None)
    sequence_client_id: Optional[str] = Field(alias="sequenceClientID", default=None)
    enable_digest_deduplication: Optional[bool] = Field(
        alias="enableDigestDeduplication", default=None
    )
    labels: Optional[str] = None
    storage_region: Optional[str] = Field(alias="storageRegion", default=None)
    client_mutation_id: Optional[str] = Field(alias="clientMutationId", default=None)


class ArtifactAliasInput(BaseModel):
    artifact_collection_name: str = Field(alias="artifactCollectionName")
    alias: str


class CreateArtifactManifestInput(BaseModel):
    """W&B's input: the entity, project, run, base version and digest are accepted; the manifest is the version's."""

    artifact_id: str = Field(alias="artifactID")
    name: str
    digest: str
    entity_name: Optional[str] = Field(alias="entityName", default=None)
    project_name: Optional[str] = Field(alias="projectName", default=None)
    run_name: Optional[str] = Field(alias="runName", default=None)
    base_artifact_id: Optional[str] = Field(alias="baseArtifactID", default=None)
    type_: Optional[ArtifactManifestType] = Field(alias="type", default=None)
    include_upload: Optional[bool] = Field(alias="includeUpload", default=None)
    client_mutation_id: Optional[str] = Field(alias="clientMutationId", default=None)


class UpdateArtifactManifestInput(BaseModel):
    artifact_manifest_id: str = Field(alias="artifactManifestID")
    digest: Optional[str] = None
    base_artifact_id: Optional[str] = Field(alias="baseArtifactID", default=None)
    client_mutation_id: Optional[str] = Field(alias="clientMutationId", default=None)


class CreateArtifactFileSpecInput(BaseModel):
    """A file of a PENDING version to upload: its path in the version and the base64 MD5 of its contents."""

    artifact_id: str = Field(alias="artifactID")
    name: str
    md_5: str = Field(alias="md5")
    mimetype: Optional[str] = None
    artifact_manifest_id: Optional[str] = Field(
        alias="artifactManifestID", default=None
    )
    upload_parts_input: Optional[list["UploadPartsInput"]] = Field(
        alias="uploadPartsInput", default=None
    )
    "The file cut into parts (numbered from 1, at most 10,000), for a multipart upload."


class UploadPartsInput(BaseModel):
    """A part of a file: its number and MD5 (hexadecimal), or the ETag its PUT was answered with."""

    part_number: int = Field(alias="partNumber")
    hex_md_5: str = Field(alias="hexMD5")


class CreateArtifactFilesInput(BaseModel):
    artifact_files: list["CreateArtifactFileSpecInput"] = Field(alias="artifactFiles")
    storage_layout: Optional[ArtifactStorageLayout] = Field(
        alias="storageLayout", default=None
    )
    cloud_region_id: Optional[str] = Field(alias="cloudRegionID", default=None)
    client_mutation_id: Optional[str] = Field(alias="clientMutationId", default=None)


class CompleteMultipartUploadArtifactInput(BaseModel):
    """The upload (its id), the version and the file's path it was started for, and each part's ETag."""

    complete_multipart_action: CompleteMultipartAction = Field(
        alias="completeMultipartAction"
    )
    completed_parts: list["UploadPartsInput"] = Field(alias="completedParts")
    artifact_id: str = Field(alias="artifactID")
    storage_path: str = Field(alias="storagePath")
    upload_id: str = Field(alias="uploadID")
    client_mutation_id: Optional[str] = Field(alias="clientMutationId", default=None)


class AddArtifactFilesInput(BaseModel):
    artifact_id: str = Field(alias="artifactID")
    files: str
    'A JSON list of at most 1000 entries {"path", "sha256", "size"} (a blob uploaded first) or {"path", "ref",\n"digest", "size", "extra"} (a reference); a path added again is replaced, {"path", "remove": true} removes it.'


class CommitArtifactInput(BaseModel):
    artifact_id: str = Field(alias="artifactID")


class UseArtifactInput(BaseModel):
    entity_name: Optional[str] = Field(alias="entityName", default=None)
    project_name: str = Field(alias="projectName")
    run_name: str = Field(alias="runName")
    artifact_id: str = Field(alias="artifactID")


class UpdateArtifactInput(BaseModel):
    artifact_id: str = Field(alias="artifactID")
    collection_id: Optional[str] = Field(alias="collectionId", default=None)
    "The collection whose aliases are set (default: the artifact's sequence)."
    description: Optional[str] = None
    metadata: Optional[str] = None
    aliases: Optional[list["ArtifactAliasInput"]] = None
    'The complete alias list in that collection, each naming it (artifactCollectionName); aliases not listed are\nremoved ("latest" is kept where it is).'
    tags: Optional[list[str]] = None
    "The complete tag list."
    tags_to_add: Optional[list["TagInput"]] = Field(alias="tagsToAdd", default=None)
    "W&B's: tags to add and to remove (applied to tags where both are given)."
    tags_to_delete: Optional[list["TagInput"]] = Field(
        alias="tagsToDelete", default=None
    )
    ttl_duration_seconds: Optional[int] = Field(
        alias="ttlDurationSeconds", default=None
    )
    "Null keeps it forever."


class DeleteArtifactInput(BaseModel):
    artifact_id: str = Field(alias="artifactID")
    delete_aliases: Optional[bool] = Field(alias="deleteAliases", default=None)
    "Without it, a version that has aliases (other than latest) is not deleted."


class AddAliasesInput(BaseModel):
    """W&B's: aliases to add to or remove from a version, each in a collection named by entity, project and name."""

    artifact_id: str = Field(alias="artifactID")
    aliases: list["ArtifactCollectionAliasInput"]
    client_mutation_id: Optional[str] = Field(alias="clientMutationId", default=None)


class DeleteAliasesInput(BaseModel):
    artifact_id: str = Field(alias="artifactID")
    aliases: list["ArtifactCollectionAliasInput"]
    client_mutation_id: Optional[str] = Field(alias="clientMutationId", default=None)


class TagInput(BaseModel):
    tag_name: str = Field(alias="tagName")


class ArtifactCollectionAliasInput(BaseModel):
    entity_name: str = Field(alias="entityName")
    project_name: str = Field(alias="projectName")
    artifact_collection_name: str = Field(alias="artifactCollectionName")
    alias: str


class LinkArtifactInput(BaseModel):
    """W&B's input: the portfolio by name (artifactPortfolioName), each alias with the portfolio it is given in."""

    artifact_id: str = Field(alias="artifactID")
    entity_name: Optional[str] = Field(alias="entityName", default=None)
    "The target portfolio's entity (a registry's organization), project and collection; created when missing."
    project_name: str = Field(alias="projectName")
    artifact_portfolio_name: str = Field(alias="artifactPortfolioName")
    aliases: Optional[list["ArtifactAliasInput"]] = None
    "Aliases in the portfolio: each artifactCollectionName must be artifactPortfolioName."
    client_mutation_id: Optional[str] = Field(alias="clientMutationId", default=None)


class UnlinkArtifactInput(BaseModel):
    artifact_id: str = Field(alias="artifactID")
    collection_id: str = Field(alias="collectionId")
    "The portfolio to remove it from."


class UpdateArtifactCollectionInput(BaseModel):
    id: str
    name: Optional[str] = None
    description: Optional[str] = None
    tags: Optional[list[str]] = None
    type_name: Optional[str] = Field(alias="typeName", default=None)
    "Only a collection whose versions are all of one type can change type."


class DeleteArtifactCollectionInput(BaseModel):
    id: str


class CreateRegistryInput(BaseModel):
    organization: Optional[str] = None
    "The organization's entity; default the viewer's entity."
    name: str
    visibility: str
    description: Optional[str] = None
    artifact_types: Optional[list[str]] = Field(alias="artifactTypes", default=None)
    "Accepted types; null or absent accepts every type."


class UpdateRegistryInput(BaseModel):
    id: str
    name: Optional[str] = None
    description: Optional[str] = None
    visibility: Optional[str] = None
    artifact_types: Optional[list[str]] = Field(alias="artifactTypes", default=None)
    "Types to add; types saved before stay."
    allow_all_artifact_types: Optional[bool] = Field(
        alias="allowAllArtifactTypes", default=None
    )


class DeleteRegistryInput(BaseModel):
    id: str


class RegistryMembersInput(BaseModel):
    registry_id: str = Field(alias="registryId")
    usernames: list[str]
    role: Optional[str] = None
    "admin, member or viewer (default member); ignored when removing."
