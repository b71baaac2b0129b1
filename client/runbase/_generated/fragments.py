from typing import Any, Literal, Optional

from pydantic import Field

from .base_model import BaseModel


class CollectionAliasPage(BaseModel):
    edges: list["CollectionAliasPageEdges"]
    page_info: "CollectionAliasPagePageInfo" = Field(alias="pageInfo")


class CollectionAliasPageEdges(BaseModel):
    node: "CollectionAliasPageEdgesNode"


class CollectionAliasPageEdgesNode(BaseModel):
    alias: str


class CollectionAliasPagePageInfo(BaseModel):
    end_cursor: Optional[str] = Field(alias="endCursor")
    has_next_page: bool = Field(alias="hasNextPage")


class ArtifactCollectionFields(BaseModel):
    typename__: str = Field(alias="__typename")
    id: str
    name: str
    kind: str
    type_name: str = Field(alias="typeName")
    description: Optional[str]
    tags: "ArtifactCollectionFieldsTags"
    aliases: "ArtifactCollectionFieldsAliases"
    entity_name: str = Field(alias="entityName")
    project_name: str = Field(alias="projectName")
    created_at: str = Field(alias="createdAt")
    updated_at: Optional[str] = Field(alias="updatedAt")


class ArtifactCollectionFieldsTags(BaseModel):
    edges: list["ArtifactCollectionFieldsTagsEdges"]


class ArtifactCollectionFieldsTagsEdges(BaseModel):
    node: "ArtifactCollectionFieldsTagsEdgesNode"


class ArtifactCollectionFieldsTagsEdgesNode(BaseModel):
    name: str


class ArtifactCollectionFieldsAliases(CollectionAliasPage):
    pass


class ArtifactCollectionPage(BaseModel):
    total_count: int = Field(alias="totalCount")
    page_info: "ArtifactCollectionPagePageInfo" = Field(alias="pageInfo")
    edges: list["ArtifactCollectionPageEdges"]


class ArtifactCollectionPagePageInfo(BaseModel):
    end_cursor: Optional[str] = Field(alias="endCursor")
    has_next_page: bool = Field(alias="hasNextPage")


class ArtifactCollectionPageEdges(BaseModel):
    node: "ArtifactCollectionPageEdgesNode"


class ArtifactCollectionPageEdgesNode(ArtifactCollectionFields):
    typename__: Literal[
        "ArtifactCollection", "ArtifactPortfolio", "ArtifactSequence"
    ] = Field(alias="__typename")


class CollectionRef(BaseModel):
    typename__: str = Field(alias="__typename")
    id: str
    name: str
    kind: str
    type_name: str = Field(alias="typeName")
    entity_name: str = Field(alias="entityName")
    project_name: str = Field(alias="projectName")


class ArtifactFields(BaseModel):
    id: str
    version_index: Optional[int] = Field(alias="versionIndex")
    source_version_index: Optional[int] = Field(alias="sourceVersionIndex")
    is_link: bool = Field(alias="isLink")
    type_name: str = Field(alias="typeName")
    digest: str
    state: str
    description: Optional[str]
    metadata: str
    ttl_duration_seconds: int = Field(alias="ttlDurationSeconds")
    size: int
    file_count: int = Field(alias="fileCount")
    created_at: str = Field(alias="createdAt")
    updated_at: Optional[str] = Field(alias="updatedAt")
    history_step: Optional[int] = Field(alias="historyStep")
    aliases: list["ArtifactFieldsAliases"]
    tags: list["ArtifactFieldsTags"]
    collection: "ArtifactFieldsCollection"
    source_collection: "ArtifactFieldsSourceCollection" = Field(
        alias="sourceCollection"
    )


class ArtifactFieldsAliases(BaseModel):
    alias: str


class ArtifactFieldsTags(BaseModel):
    name: str


class ArtifactFieldsCollection(CollectionRef):
    typename__: Literal[
        "ArtifactCollection", "ArtifactPortfolio", "ArtifactSequence"
    ] = Field(alias="__typename")


class ArtifactFieldsSourceCollection(CollectionRef):
    typename__: Literal[
        "ArtifactCollection", "ArtifactPortfolio", "ArtifactSequence"
    ] = Field(alias="__typename")


class ArtifactFileFields(BaseModel):
    path: str
    digest: Optional[str]
    size: Optional[int]
    ref: Optional[str]
    extra: str
    url: Optional[str]


class ArtifactPage(BaseModel):
    total_count: int = Field(alias="totalCount")
    page_info: "ArtifactPagePageInfo" = Field(alias="pageInfo")
    edges: list["ArtifactPageEdges"]


class ArtifactPagePageInfo(BaseModel):
    end_cursor: Optional[str] = Field(alias="endCursor")
    has_next_page: bool = Field(alias="hasNextPage")


class ArtifactPageEdges(BaseModel):
    node: "ArtifactPageEdgesNode"


class ArtifactPageEdgesNode(ArtifactFields):
    pass


class ArtifactTypeFields(BaseModel):
    id: str
    name: str
    description: Optional[str]
    created_at: str = Field(alias="createdAt")


class DeliveryFields(BaseModel):
    id: str
    trigger_id: Optional[str] = Field(alias="triggerId")
    trigger_name: Optional[str] = Field(alias="triggerName")
    entity_name: str = Field(alias="entityName")
    event_type: str = Field(alias="eventType")
    action_type: str = Field(alias="actionType")
    status: str
    payload: str
    attempt_count: int = Field(alias="attemptCount")
    attempts: list["DeliveryFieldsAttempts"]
    response_code: Optional[int] = Field(alias="responseCode")
    error: Optional[str]
    run_name: Optional[str] = Field(alias="runName")
    created_at: str = Field(alias="createdAt")
    next_attempt_at: Optional[str] = Field(alias="nextAttemptAt")
    delivered_at: Optional[str] = Field(alias="deliveredAt")
    redelivery_of: Optional[str] = Field(alias="redeliveryOf")


class DeliveryFieldsAttempts(BaseModel):
    number: int
    started_at: str = Field(alias="startedAt")
    duration_ms: float = Field(alias="durationMs")
    response_code: Optional[int] = Field(alias="responseCode")
    error: Optional[str]


class FileFields(BaseModel):
    name: str
    size_bytes: int = Field(alias="sizeBytes")
    digest: str
    updated_at: str = Field(alias="updatedAt")
    url: str


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
    history_keys: Any = Field(alias="historyKeys")
    read_only: bool = Field(alias="readOnly")
    system_metrics: str = Field(alias="systemMetrics")
    sweep_name: Optional[str] = Field(alias="sweepName")
    user: Optional["PublicRunFieldsUser"]
    project: Optional["PublicRunFieldsProject"]


class PublicRunFieldsUser(BaseModel):
    username: str


class PublicRunFieldsProject(BaseModel):
    name: str
    entity_name: str = Field(alias="entityName")


class RegistryFields(BaseModel):
    id: str
    name: str
    full_name: str = Field(alias="fullName")
    organization: str
    description: Optional[str]
    visibility: str
    artifact_types: list[str] = Field(alias="artifactTypes")
    allow_all_artifact_types: bool = Field(alias="allowAllArtifactTypes")
    created_at: str = Field(alias="createdAt")
    updated_at: Optional[str] = Field(alias="updatedAt")


class SlackIntegrationFields(BaseModel):
    id: str
    entity_name: str = Field(alias="entityName")
    channel_name: str = Field(alias="channelName")
    uses_webhook_url: bool = Field(alias="usesWebhookUrl")
    created_at: str = Field(alias="createdAt")


class SweepFields(BaseModel):
    id: str
    name: str
    display_name: Optional[str] = Field(alias="displayName")
    description: Optional[str]
    state: str
    method: str
    config: str
    run_count: int = Field(alias="runCount")
    run_count_expected: Optional[int] = Field(alias="runCountExpected")
    created_at: str = Field(alias="createdAt")
    updated_at: str = Field(alias="updatedAt")
    project: Optional["SweepFieldsProject"]


class SweepFieldsProject(BaseModel):
    name: str
    entity_name: str = Field(alias="entityName")


class TriggerFields(BaseModel):
    id: str
    name: str
    description: Optional[str]
    enabled: bool
    created_at: str = Field(alias="createdAt")
    updated_at: Optional[str] = Field(alias="updatedAt")
    created_by: Optional[str] = Field(alias="createdBy")
    entity_name: str = Field(alias="entityName")
    scope: "TriggerFieldsScope"
    event_type: str = Field(alias="eventType")
    event_filter: str = Field(alias="eventFilter")
    action: str


class TriggerFieldsScope(BaseModel):
    scope_type: str = Field(alias="scopeType")
    entity_name: str = Field(alias="entityName")
    project_name: Optional[str] = Field(alias="projectName")
    name: Optional[str]


class UsedArtifactPage(BaseModel):
    total_count: int = Field(alias="totalCount")
    page_info: "UsedArtifactPagePageInfo" = Field(alias="pageInfo")
    edges: list["UsedArtifactPageEdges"]


class UsedArtifactPagePageInfo(BaseModel):
    end_cursor: Optional[str] = Field(alias="endCursor")
    has_next_page: bool = Field(alias="hasNextPage")


class UsedArtifactPageEdges(BaseModel):
    node: "UsedArtifactPageEdgesNode"


class UsedArtifactPageEdgesNode(ArtifactFields):
    pass


class UserFields(BaseModel):
    id: str
    username: str
    email: Optional[str]
    admin: bool
    entity: str
    teams: "UserFieldsTeams"
    api_keys: "UserFieldsApiKeys" = Field(alias="apiKeys")


class UserFieldsTeams(BaseModel):
    edges: list["UserFieldsTeamsEdges"]


class UserFieldsTeamsEdges(BaseModel):
    node: "UserFieldsTeamsEdgesNode"


class UserFieldsTeamsEdgesNode(BaseModel):
    name: str
    is_team: bool = Field(alias="isTeam")


class UserFieldsApiKeys(BaseModel):
    edges: list["UserFieldsApiKeysEdges"]


class UserFieldsApiKeysEdges(BaseModel):
    node: "UserFieldsApiKeysEdgesNode"


class UserFieldsApiKeysEdgesNode(BaseModel):
    id: str
    name: str
    description: Optional[str]


class VersionedArtifactPage(BaseModel):
    total_count: int = Field(alias="totalCount")
    page_info: "VersionedArtifactPagePageInfo" = Field(alias="pageInfo")
    edges: list["VersionedArtifactPageEdges"]


class VersionedArtifactPagePageInfo(BaseModel):
    end_cursor: Optional[str] = Field(alias="endCursor")
    has_next_page: bool = Field(alias="hasNextPage")


class VersionedArtifactPageEdges(BaseModel):
    node: "VersionedArtifactPageEdgesNode"


class VersionedArtifactPageEdgesNode(ArtifactFields):
    pass


class WebhookIntegrationFields(BaseModel):
    id: str
    entity_name: str = Field(alias="entityName")
    name: str
    url_endpoint: str = Field(alias="urlEndpoint")
    has_secret: bool = Field(alias="hasSecret")
    has_access_token: bool = Field(alias="hasAccessToken")
    created_at: str = Field(alias="createdAt")
