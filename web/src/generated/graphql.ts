/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** An ISO-8601 timestamp in UTC. */
  DateTime: { input: string; output: string; }
  /** A 64-bit signed integer, for steps and byte counts. */
  Int64: { input: number; output: number; }
  /** A string holding a JSON document (W&B's name for it). */
  JSONString: { input: string; output: string; }
};

export type AddArtifactFilesInput = {
  artifactId: Scalars['ID']['input'];
  /**
   * A JSON list of at most 1000 entries {"path", "sha256", "size"} (a blob uploaded first) or {"path", "ref",
   * "digest", "size", "extra"} (a reference); a path added again is replaced, {"path", "remove": true} removes it.
   */
  files: Scalars['JSONString']['input'];
};

export type AgentHeartbeatInput = {
  /** The agent's id (SweepAgent.id). */
  id: Scalars['ID']['input'];
  /** Metrics the agent reports (accepted, not used yet). */
  metrics: InputMaybe<Scalars['JSONString']['input']>;
  /** The states of the agent's runs: a JSON object {run_id: "running" | "finished" | ...}. */
  runState: InputMaybe<Scalars['JSONString']['input']>;
};

export type CommitArtifactInput = {
  artifactId: Scalars['ID']['input'];
};

export type CreateAgentInput = {
  entityName: InputMaybe<Scalars['String']['input']>;
  host: InputMaybe<Scalars['String']['input']>;
  projectName: Scalars['String']['input'];
  /** The sweep id (Sweep.name). */
  sweep: Scalars['String']['input'];
};

export type CreateArtifactInput = {
  /** Added when it is committed; "latest" is managed by the server. */
  aliases: InputMaybe<Array<Scalars['String']['input']>>;
  /** The sequence it goes to; created when missing. */
  collectionName: Scalars['String']['input'];
  description: InputMaybe<Scalars['String']['input']>;
  /**
   * Several processes building one version (upsert_artifact/finish_artifact) pass the same id: the PENDING
   * version with that id is returned instead of a new one.
   */
  distributedId: InputMaybe<Scalars['String']['input']>;
  entityName: InputMaybe<Scalars['String']['input']>;
  historyStep: InputMaybe<Scalars['Int64']['input']>;
  /** A JSON object, at most 100 keys. */
  metadata: InputMaybe<Scalars['JSONString']['input']>;
  projectName: Scalars['String']['input'];
  /** The run logging it (lineage); null logs it from the Public API. */
  runName: InputMaybe<Scalars['String']['input']>;
  tags: InputMaybe<Array<Scalars['String']['input']>>;
  ttlDurationSeconds: InputMaybe<Scalars['Int64']['input']>;
  typeName: Scalars['String']['input'];
};

export type CreateFilterTriggerInput = {
  action: Scalars['JSONString']['input'];
  description: InputMaybe<Scalars['String']['input']>;
  /** Default true. */
  enabled: InputMaybe<Scalars['Boolean']['input']>;
  entityName: Scalars['String']['input'];
  eventFilter: Scalars['JSONString']['input'];
  eventType: Scalars['String']['input'];
  name: Scalars['String']['input'];
  projectName: InputMaybe<Scalars['String']['input']>;
  scopeName: InputMaybe<Scalars['String']['input']>;
  /** PROJECT, ARTIFACT_COLLECTION or REGISTRY. */
  scopeType: Scalars['String']['input'];
};

export type CreateGenericWebhookIntegrationInput = {
  accessToken: InputMaybe<Scalars['String']['input']>;
  entityName: Scalars['String']['input'];
  name: Scalars['String']['input'];
  secret: InputMaybe<Scalars['String']['input']>;
  urlEndpoint: Scalars['String']['input'];
};

export type CreateInviteInput = {
  admin: InputMaybe<Scalars['Boolean']['input']>;
  entityName: Scalars['String']['input'];
  /** admin, member or viewer; W&B's `admin: true` is role admin. */
  role: InputMaybe<Scalars['String']['input']>;
  username: Scalars['String']['input'];
};

export type CreateRegistryInput = {
  /** Accepted types; null or absent accepts every type. */
  artifactTypes: InputMaybe<Array<Scalars['String']['input']>>;
  description: InputMaybe<Scalars['String']['input']>;
  name: Scalars['String']['input'];
  /** The organization's entity; default the viewer's entity. */
  organization: InputMaybe<Scalars['String']['input']>;
  visibility: Scalars['String']['input'];
};

export type CreateSlackIntegrationInput = {
  /** A bot token (xoxb-...) with chat:write; the server posts with chat.postMessage. */
  botToken: InputMaybe<Scalars['String']['input']>;
  channelName: Scalars['String']['input'];
  entityName: Scalars['String']['input'];
  /** An incoming-webhook URL; used when no bot token is given. */
  webhookUrl: InputMaybe<Scalars['String']['input']>;
};

export type CreateTeamInput = {
  adminUserName: InputMaybe<Scalars['String']['input']>;
  teamName: Scalars['String']['input'];
};

export type CreateUserInput = {
  admin: InputMaybe<Scalars['Boolean']['input']>;
  email: InputMaybe<Scalars['String']['input']>;
  username: Scalars['String']['input'];
};

export type DeleteApiKeyInput = {
  id: Scalars['ID']['input'];
};

export type DeleteArtifactCollectionInput = {
  id: Scalars['ID']['input'];
};

export type DeleteArtifactInput = {
  artifactId: Scalars['ID']['input'];
  /** Without it, a version that has aliases (other than latest) is not deleted. */
  deleteAliases: InputMaybe<Scalars['Boolean']['input']>;
};

export type DeleteIntegrationInput = {
  id: Scalars['ID']['input'];
};

export type DeleteInviteInput = {
  entityName: Scalars['String']['input'];
  id: Scalars['ID']['input'];
};

export type DeleteRegistryInput = {
  id: Scalars['ID']['input'];
};

export type DeleteRunInput = {
  /** Also delete the artifact versions the run logged (not those it only used), with their aliases and registry links. Without it they stay, logged by no run. */
  deleteArtifacts: InputMaybe<Scalars['Boolean']['input']>;
  entityName: InputMaybe<Scalars['String']['input']>;
  projectName: Scalars['String']['input'];
  runName: Scalars['String']['input'];
};

export type DeleteTriggerInput = {
  id: Scalars['ID']['input'];
};

export type GenerateApiKeyInput = {
  description: InputMaybe<Scalars['String']['input']>;
  /** Admins may create a key for another user. */
  userName: InputMaybe<Scalars['String']['input']>;
};

export type LinkArtifactInput = {
  aliases: InputMaybe<Array<Scalars['String']['input']>>;
  artifactId: Scalars['ID']['input'];
  collectionName: Scalars['String']['input'];
  /** The target portfolio's entity (a registry's organization), project and collection; created when missing. */
  entityName: InputMaybe<Scalars['String']['input']>;
  projectName: Scalars['String']['input'];
};

export type LogHistoryInput = {
  /** Console output: a JSON list of lines, the first being line number consoleStart (0-based). Lines already stored are ignored. */
  consoleLines: InputMaybe<Scalars['JSONString']['input']>;
  consoleStart: InputMaybe<Scalars['Int64']['input']>;
  entityName: InputMaybe<Scalars['String']['input']>;
  projectName: Scalars['String']['input'];
  /** Summary keys to remove in the same transaction (none may also be in summaryMetrics). */
  removeSummaryKeys: InputMaybe<Array<Scalars['String']['input']>>;
  /** A JSON list of row objects, each with an integer "_step", in increasing step order. */
  rows: Scalars['JSONString']['input'];
  /** The run id. */
  runName: Scalars['String']['input'];
  /** Keys merged into the summary in the same transaction; a null value is kept as null, as in W&B. */
  summaryMetrics: InputMaybe<Scalars['JSONString']['input']>;
  /** System metrics (the system stream, W&B's events): a JSON list of row objects, the first being row number systemStart (0-based), the next systemStart+1, and so on. Stored apart from history: no step, historyLineCount, summary or automation sees them. Rows at numbers the run already has are ignored, so a resend changes nothing; numbers need not follow on. A row that holds "_step" or that no database can store is refused alone (refusedSystemRows). The SDK sends W&B's rows: {"_wandb": true, "_timestamp": 1733400000.5, "_runtime": 15.0, "system.cpu": 12.5, ...}. */
  systemRows: InputMaybe<Scalars['JSONString']['input']>;
  systemStart: InputMaybe<Scalars['Int64']['input']>;
};

export type NotifyScriptableRunAlertInput = {
  entityName: InputMaybe<Scalars['String']['input']>;
  projectName: Scalars['String']['input'];
  runName: Scalars['String']['input'];
  /** INFO, WARN or ERROR. */
  severity: InputMaybe<Scalars['String']['input']>;
  text: Scalars['String']['input'];
  /** Under 64 characters. */
  title: Scalars['String']['input'];
  /** Seconds since the last alert with this title (from this run) within which a new one is not sent. */
  waitDuration: InputMaybe<Scalars['Float']['input']>;
};

export type RedeliverInput = {
  deliveryId: Scalars['ID']['input'];
};

export type RegistryMembersInput = {
  registryId: Scalars['ID']['input'];
  /** admin, member or viewer (default member); ignored when removing. */
  role: InputMaybe<Scalars['String']['input']>;
  usernames: Array<Scalars['String']['input']>;
};

export type RewindRunInput = {
  entityName: InputMaybe<Scalars['String']['input']>;
  /** The metric that names the step: "_step" only, as in W&B. */
  metricName: Scalars['String']['input'];
  /** The step kept last; a fractional value means the last whole step up to it. */
  metricValue: Scalars['Float']['input'];
  /** Required: the project of the run. */
  projectName: InputMaybe<Scalars['String']['input']>;
  runName: Scalars['String']['input'];
};

export type UnlinkArtifactInput = {
  artifactId: Scalars['ID']['input'];
  /** The portfolio to remove it from. */
  collectionId: Scalars['ID']['input'];
};

export type UpdateArtifactCollectionInput = {
  description: InputMaybe<Scalars['String']['input']>;
  id: Scalars['ID']['input'];
  name: InputMaybe<Scalars['String']['input']>;
  tags: InputMaybe<Array<Scalars['String']['input']>>;
  /** Only a collection whose versions are all of one type can change type. */
  typeName: InputMaybe<Scalars['String']['input']>;
};

export type UpdateArtifactInput = {
  /** The complete alias list in that collection; aliases not listed are removed ("latest" is kept where it is). */
  aliases: InputMaybe<Array<Scalars['String']['input']>>;
  artifactId: Scalars['ID']['input'];
  /** The collection whose aliases are set (default: the artifact's sequence). */
  collectionId: InputMaybe<Scalars['ID']['input']>;
  description: InputMaybe<Scalars['String']['input']>;
  metadata: InputMaybe<Scalars['JSONString']['input']>;
  tags: InputMaybe<Array<Scalars['String']['input']>>;
  /** Null keeps it forever. */
  ttlDurationSeconds: InputMaybe<Scalars['Int64']['input']>;
};

export type UpdateFilterTriggerInput = {
  action: InputMaybe<Scalars['JSONString']['input']>;
  description: InputMaybe<Scalars['String']['input']>;
  enabled: InputMaybe<Scalars['Boolean']['input']>;
  entityName: InputMaybe<Scalars['String']['input']>;
  eventFilter: InputMaybe<Scalars['JSONString']['input']>;
  eventType: InputMaybe<Scalars['String']['input']>;
  id: Scalars['ID']['input'];
  name: InputMaybe<Scalars['String']['input']>;
  projectName: InputMaybe<Scalars['String']['input']>;
  scopeName: InputMaybe<Scalars['String']['input']>;
  scopeType: InputMaybe<Scalars['String']['input']>;
};

export type UpdateRegistryInput = {
  allowAllArtifactTypes: InputMaybe<Scalars['Boolean']['input']>;
  /** Types to add; types saved before stay. */
  artifactTypes: InputMaybe<Array<Scalars['String']['input']>>;
  description: InputMaybe<Scalars['String']['input']>;
  id: Scalars['ID']['input'];
  name: InputMaybe<Scalars['String']['input']>;
  visibility: InputMaybe<Scalars['String']['input']>;
};

export type UpsertBucketInput = {
  /** Replaces the whole config, in W&B's shape: {"key": {"value": ...}}. */
  config: InputMaybe<Scalars['JSONString']['input']>;
  displayName: InputMaybe<Scalars['String']['input']>;
  entityName: InputMaybe<Scalars['String']['input']>;
  exitCode: InputMaybe<Scalars['Int']['input']>;
  groupName: InputMaybe<Scalars['String']['input']>;
  host: InputMaybe<Scalars['String']['input']>;
  jobType: InputMaybe<Scalars['String']['input']>;
  /** W&B's name for the project. */
  modelName: Scalars['String']['input'];
  /** The run id; a random one is made when absent. */
  name: InputMaybe<Scalars['String']['input']>;
  notes: InputMaybe<Scalars['String']['input']>;
  /** Summary keys to remove (none may also be in summaryMetrics). */
  removeSummaryKeys: InputMaybe<Array<Scalars['String']['input']>>;
  /** running, finished, failed, crashed. */
  state: InputMaybe<Scalars['String']['input']>;
  /** Keys merged into the summary; a null value is kept as null, as in W&B. */
  summaryMetrics: InputMaybe<Scalars['JSONString']['input']>;
  /** The id of a sweep of the same project that the run joins (W&B's; the SDK's sweep_id setting). */
  sweep: InputMaybe<Scalars['String']['input']>;
  tags: InputMaybe<Array<Scalars['String']['input']>>;
};

export type UpsertModelInput = {
  /** PRIVATE or READ. */
  access: InputMaybe<Scalars['String']['input']>;
  description: InputMaybe<Scalars['String']['input']>;
  entityName: InputMaybe<Scalars['String']['input']>;
  name: Scalars['String']['input'];
};

export type UpsertRunFilesInput = {
  entityName: InputMaybe<Scalars['String']['input']>;
  /** A JSON list of {"name": "relative/path", "sha256": "...", "size": bytes}, at most 1000; each blob must be uploaded first. */
  files: Scalars['JSONString']['input'];
  projectName: Scalars['String']['input'];
  runName: Scalars['String']['input'];
};

export type UpsertSweepInput = {
  /** W&B's sweep configuration, YAML or JSON text. */
  config: InputMaybe<Scalars['String']['input']>;
  description: InputMaybe<Scalars['String']['input']>;
  displayName: InputMaybe<Scalars['String']['input']>;
  entityName: InputMaybe<Scalars['String']['input']>;
  /** The sweep to change (Sweep.id); none creates one. */
  id: InputMaybe<Scalars['ID']['input']>;
  /** Existing runs of the project that join the sweep: a MongoDB-style filter, e.g. {"$or": [{"name": "a1"}]}. */
  priorRunsFilters: InputMaybe<Scalars['JSONString']['input']>;
  /** The project; when absent, the configuration's `project`, else "uncategorized". */
  projectName: InputMaybe<Scalars['String']['input']>;
  /** PENDING, RUNNING, PAUSED, FINISHED or CANCELED. */
  state: InputMaybe<Scalars['String']['input']>;
};

export type UseArtifactInput = {
  artifactId: Scalars['ID']['input'];
  entityName: InputMaybe<Scalars['String']['input']>;
  projectName: Scalars['String']['input'];
  runName: Scalars['String']['input'];
};

export type VersionSummaryFragment = { id: string, versionIndex: number | null, aliases: Array<string>, tags: Array<string>, createdAt: string, size: number, fileCount: number, digest: string, state: string, isLink: boolean, typeName: string, sourceVersionIndex: number | null, sourceCollection: { name: string, entityName: string, projectName: string } };

export type VersionDetailFragment = { description: string | null, metadata: string, ttlDurationSeconds: number | null, updatedAt: string | null, historyStep: number | null, id: string, versionIndex: number | null, aliases: Array<string>, tags: Array<string>, createdAt: string, size: number, fileCount: number, digest: string, state: string, isLink: boolean, typeName: string, sourceVersionIndex: number | null, collection: { id: string, name: string, kind: string, typeName: string, entityName: string, projectName: string }, loggedBy: { id: string, name: string, displayName: string | null, state: string, project: { name: string, entityName: string } | null } | null, usedBy: { totalCount: number, edges: Array<{ node: { id: string, name: string, displayName: string | null, state: string, project: { name: string, entityName: string } | null } }> }, linkedArtifacts: Array<{ versionIndex: number | null, aliases: Array<string>, collection: { name: string, typeName: string, entityName: string, projectName: string } }>, files: { totalCount: number, edges: Array<{ node: { path: string, digest: string | null, size: number | null, ref: string | null, url: string | null } }> }, sourceCollection: { name: string, entityName: string, projectName: string } };

export type CollectionSummaryFragment = { id: string, name: string, kind: string, typeName: string, description: string | null, tags: Array<string>, aliases: Array<string>, entityName: string, projectName: string, createdAt: string };

export type ProjectArtifactsQueryVariables = Exact<{
  entityName: string;
  project: string;
  typeName: string | null | undefined;
  after: string | null | undefined;
}>;


export type ProjectArtifactsQuery = { project: { name: string, entityName: string, artifactTypes: { edges: Array<{ node: { name: string } }> }, artifactCollections: { totalCount: number, edges: Array<{ node: { id: string, name: string, kind: string, typeName: string, description: string | null, tags: Array<string>, aliases: Array<string>, entityName: string, projectName: string, createdAt: string, artifacts: { totalCount: number } } }>, pageInfo: { endCursor: string | null, hasNextPage: boolean } } } | null };

export type CollectionVersionsQueryVariables = Exact<{
  entityName: string;
  project: string;
  collection: string;
  after: string | null | undefined;
}>;


export type CollectionVersionsQuery = { project: { artifactCollection: { id: string, name: string, kind: string, typeName: string, description: string | null, tags: Array<string>, aliases: Array<string>, entityName: string, projectName: string, createdAt: string, artifacts: { totalCount: number, edges: Array<{ node: { id: string, versionIndex: number | null, aliases: Array<string>, tags: Array<string>, createdAt: string, size: number, fileCount: number, digest: string, state: string, isLink: boolean, typeName: string, sourceVersionIndex: number | null, sourceCollection: { name: string, entityName: string, projectName: string } } }>, pageInfo: { endCursor: string | null, hasNextPage: boolean } } } | null } | null };

export type ArtifactVersionQueryVariables = Exact<{
  entityName: string;
  project: string;
  collection: string;
  version: string;
}>;


export type ArtifactVersionQuery = { project: { artifactCollection: { artifact: { description: string | null, metadata: string, ttlDurationSeconds: number | null, updatedAt: string | null, historyStep: number | null, id: string, versionIndex: number | null, aliases: Array<string>, tags: Array<string>, createdAt: string, size: number, fileCount: number, digest: string, state: string, isLink: boolean, typeName: string, sourceVersionIndex: number | null, collection: { id: string, name: string, kind: string, typeName: string, entityName: string, projectName: string }, loggedBy: { id: string, name: string, displayName: string | null, state: string, project: { name: string, entityName: string } | null } | null, usedBy: { totalCount: number, edges: Array<{ node: { id: string, name: string, displayName: string | null, state: string, project: { name: string, entityName: string } | null } }> }, linkedArtifacts: Array<{ versionIndex: number | null, aliases: Array<string>, collection: { name: string, typeName: string, entityName: string, projectName: string } }>, files: { totalCount: number, edges: Array<{ node: { path: string, digest: string | null, size: number | null, ref: string | null, url: string | null } }> }, sourceCollection: { name: string, entityName: string, projectName: string } } | null } | null } | null };

export type ArtifactByIdQueryVariables = Exact<{
  id: string | number;
}>;


export type ArtifactByIdQuery = { artifact: { description: string | null, metadata: string, ttlDurationSeconds: number | null, updatedAt: string | null, historyStep: number | null, id: string, versionIndex: number | null, aliases: Array<string>, tags: Array<string>, createdAt: string, size: number, fileCount: number, digest: string, state: string, isLink: boolean, typeName: string, sourceVersionIndex: number | null, collection: { id: string, name: string, kind: string, typeName: string, entityName: string, projectName: string }, loggedBy: { id: string, name: string, displayName: string | null, state: string, project: { name: string, entityName: string } | null } | null, usedBy: { totalCount: number, edges: Array<{ node: { id: string, name: string, displayName: string | null, state: string, project: { name: string, entityName: string } | null } }> }, linkedArtifacts: Array<{ versionIndex: number | null, aliases: Array<string>, collection: { name: string, typeName: string, entityName: string, projectName: string } }>, files: { totalCount: number, edges: Array<{ node: { path: string, digest: string | null, size: number | null, ref: string | null, url: string | null } }> }, sourceCollection: { name: string, entityName: string, projectName: string } } | null };

export type UpdateArtifactLabelsMutationVariables = Exact<{
  artifactId: string | number;
  collectionId: string | number | null | undefined;
  aliases: Array<string> | string | null | undefined;
  tags: Array<string> | string | null | undefined;
}>;


export type UpdateArtifactLabelsMutation = { updateArtifact: { artifact: { id: string, aliases: Array<string>, tags: Array<string> } } | null };

export type LineageRunFragment = { id: string, name: string, displayName: string | null, state: string, project: { name: string, entityName: string } | null };

export type LineageVersionFragment = { id: string, versionIndex: number | null, typeName: string, state: string, sourceVersionIndex: number | null, sourceCollection: { name: string, entityName: string, projectName: string } };

export type LineageOfVersionQueryVariables = Exact<{
  id: string | number;
}>;


export type LineageOfVersionQuery = { artifact: { id: string, versionIndex: number | null, typeName: string, state: string, sourceVersionIndex: number | null, loggedBy: { id: string, name: string, displayName: string | null, state: string, project: { name: string, entityName: string } | null } | null, usedBy: { edges: Array<{ node: { id: string, name: string, displayName: string | null, state: string, project: { name: string, entityName: string } | null } }> }, sourceCollection: { name: string, entityName: string, projectName: string } } | null };

export type LineageOfRunQueryVariables = Exact<{
  entityName: string;
  project: string;
  run: string;
}>;


export type LineageOfRunQuery = { project: { run: { id: string, name: string, displayName: string | null, state: string, loggedArtifacts: { edges: Array<{ node: { id: string, versionIndex: number | null, typeName: string, state: string, sourceVersionIndex: number | null, sourceCollection: { name: string, entityName: string, projectName: string } } }> }, usedArtifacts: { edges: Array<{ node: { id: string, versionIndex: number | null, typeName: string, state: string, sourceVersionIndex: number | null, sourceCollection: { name: string, entityName: string, projectName: string } } }> }, project: { name: string, entityName: string } | null } | null } | null };

export type AutomationFieldsFragment = { id: string, name: string, description: string | null, enabled: boolean, eventType: string, eventFilter: string, action: string, entityName: string, createdAt: string, updatedAt: string | null, createdBy: string | null, scope: { scopeType: string, entityName: string, projectName: string | null, name: string | null } };

export type ProjectAutomationsQueryVariables = Exact<{
  entityName: string;
  projectName: string;
  after: string | null | undefined;
}>;


export type ProjectAutomationsQuery = { project: { name: string, triggers: { edges: Array<{ node: { id: string, name: string, description: string | null, enabled: boolean, eventType: string, eventFilter: string, action: string, entityName: string, createdAt: string, updatedAt: string | null, createdBy: string | null, scope: { scopeType: string, entityName: string, projectName: string | null, name: string | null } } }>, pageInfo: { endCursor: string | null, hasNextPage: boolean } } } | null };

export type EntityAutomationsQueryVariables = Exact<{
  entityName: string;
  after: string | null | undefined;
}>;


export type EntityAutomationsQuery = { triggers: { edges: Array<{ node: { id: string, name: string, description: string | null, enabled: boolean, eventType: string, eventFilter: string, action: string, entityName: string, createdAt: string, updatedAt: string | null, createdBy: string | null, scope: { scopeType: string, entityName: string, projectName: string | null, name: string | null } } }>, pageInfo: { endCursor: string | null, hasNextPage: boolean } } };

export type AutomationQueryVariables = Exact<{
  id: string | number;
  first: number;
  after: string | null | undefined;
}>;


export type AutomationQuery = { trigger: { id: string, name: string, description: string | null, enabled: boolean, eventType: string, eventFilter: string, action: string, entityName: string, createdAt: string, updatedAt: string | null, createdBy: string | null, deliveries: { edges: Array<{ node: { id: string, status: string, eventType: string, actionType: string, attemptCount: number, responseCode: number | null, error: string | null, runName: string | null, payload: string, createdAt: string, nextAttemptAt: string | null, deliveredAt: string | null, redeliveryOf: string | null, attempts: Array<{ number: number, startedAt: string, durationMs: number, responseCode: number | null, error: string | null }> } }>, pageInfo: { endCursor: string | null, hasNextPage: boolean } }, scope: { scopeType: string, entityName: string, projectName: string | null, name: string | null } } | null };

export type IntegrationsQueryVariables = Exact<{
  entityName: string;
}>;


export type IntegrationsQuery = { entity: { name: string, integrations: Array<
      | { __typename: 'GenericWebhookIntegration', id: string, entityName: string, name: string, urlEndpoint: string, hasSecret: boolean, hasAccessToken: boolean, createdAt: string }
      | { __typename: 'SlackIntegration', id: string, entityName: string, channelName: string, usesWebhookUrl: boolean, createdAt: string }
    > } | null };

export type CreateAutomationMutationVariables = Exact<{
  name: string;
  description: string | null | undefined;
  entityName: string;
  scopeType: string;
  projectName: string | null | undefined;
  scopeName: string | null | undefined;
  eventType: string;
  eventFilter: string;
  action: string;
}>;


export type CreateAutomationMutation = { createFilterTrigger: { trigger: { id: string, name: string, description: string | null, enabled: boolean, eventType: string, eventFilter: string, action: string, entityName: string, createdAt: string, updatedAt: string | null, createdBy: string | null, scope: { scopeType: string, entityName: string, projectName: string | null, name: string | null } } } | null };

export type UpdateAutomationMutationVariables = Exact<{
  id: string | number;
  name: string | null | undefined;
  description: string | null | undefined;
  scopeType: string | null | undefined;
  projectName: string | null | undefined;
  scopeName: string | null | undefined;
  eventType: string | null | undefined;
  eventFilter: string | null | undefined;
  action: string | null | undefined;
}>;


export type UpdateAutomationMutation = { updateFilterTrigger: { trigger: { id: string, name: string, description: string | null, enabled: boolean, eventType: string, eventFilter: string, action: string, entityName: string, createdAt: string, updatedAt: string | null, createdBy: string | null, scope: { scopeType: string, entityName: string, projectName: string | null, name: string | null } } } | null };

export type SetAutomationEnabledMutationVariables = Exact<{
  id: string | number;
  enabled: boolean;
}>;


export type SetAutomationEnabledMutation = { updateFilterTrigger: { trigger: { id: string, name: string, description: string | null, enabled: boolean, eventType: string, eventFilter: string, action: string, entityName: string, createdAt: string, updatedAt: string | null, createdBy: string | null, scope: { scopeType: string, entityName: string, projectName: string | null, name: string | null } } } | null };

export type DeleteAutomationMutationVariables = Exact<{
  id: string | number;
}>;


export type DeleteAutomationMutation = { deleteTrigger: { success: boolean } | null };

export type RedeliverMutationVariables = Exact<{
  deliveryId: string | number;
}>;


export type RedeliverMutation = { redeliver: { delivery: { id: string, status: string } } | null };

export type CreateWebhookIntegrationMutationVariables = Exact<{
  entityName: string;
  name: string;
  urlEndpoint: string;
  secret: string | null | undefined;
  accessToken: string | null | undefined;
}>;


export type CreateWebhookIntegrationMutation = { createGenericWebhookIntegration: { integration: { id: string, name: string, hasSecret: boolean, hasAccessToken: boolean } } | null };

export type CreateSlackIntegrationMutationVariables = Exact<{
  entityName: string;
  channelName: string;
  botToken: string | null | undefined;
  webhookUrl: string | null | undefined;
}>;


export type CreateSlackIntegrationMutation = { createSlackIntegration: { integration: { id: string, channelName: string, usesWebhookUrl: boolean } } | null };

export type DeleteIntegrationMutationVariables = Exact<{
  id: string | number;
}>;


export type DeleteIntegrationMutation = { deleteIntegration: { success: boolean } | null };

export type CompareRunQueryVariables = Exact<{
  entityName: string;
  project: string;
  run: string;
}>;


export type CompareRunQuery = { project: { run: { name: string, displayName: string | null, state: string, config: string, summaryMetrics: string, historyKeys: string } | null } | null };

export type CompareHistoryQueryVariables = Exact<{
  entityName: string;
  project: string;
  run: string;
  specs: Array<string> | string;
}>;


export type CompareHistoryQuery = { project: { run: { sampledHistory: Array<string> } | null } | null };

export type ViewerQueryVariables = Exact<{ [key: string]: never; }>;


export type ViewerQuery = { viewer: { username: string, entity: string, teams: Array<{ name: string }> } | null };

export type EntityProjectsQueryVariables = Exact<{
  entityName: string;
  after: string | null | undefined;
}>;


export type EntityProjectsQuery = { projects: { totalCount: number, edges: Array<{ node: { name: string, entityName: string, description: string | null, createdAt: string } }>, pageInfo: { endCursor: string | null, hasNextPage: boolean } } };

export type RegistryFieldsFragment = { id: string, name: string, fullName: string, organization: string, description: string | null, visibility: string, artifactTypes: Array<string>, allowAllArtifactTypes: boolean, createdAt: string };

export type RegistriesQueryVariables = Exact<{
  organization: string;
  after: string | null | undefined;
}>;


export type RegistriesQuery = { registries: { edges: Array<{ node: { id: string, name: string, fullName: string, organization: string, description: string | null, visibility: string, artifactTypes: Array<string>, allowAllArtifactTypes: boolean, createdAt: string } }>, pageInfo: { endCursor: string | null, hasNextPage: boolean } } };

export type RegistryCollectionsQueryVariables = Exact<{
  organization: string;
  name: string;
  after: string | null | undefined;
}>;


export type RegistryCollectionsQuery = { registry: { id: string, name: string, fullName: string, organization: string, description: string | null, visibility: string, artifactTypes: Array<string>, allowAllArtifactTypes: boolean, createdAt: string, collections: { totalCount: number, edges: Array<{ node: { id: string, name: string, typeName: string, description: string | null, tags: Array<string>, aliases: Array<string>, createdAt: string, artifacts: { totalCount: number } } }>, pageInfo: { endCursor: string | null, hasNextPage: boolean } } } | null };

export type RunOverviewQueryVariables = Exact<{
  entityName: string;
  project: string;
  run: string;
  consoleLines: number;
}>;


export type RunOverviewQuery = { project: { name: string, entityName: string, run: { name: string, displayName: string | null, state: string, exitCode: number | null, createdAt: string, heartbeatAt: string | null, finishedAt: string | null, host: string | null, group: string | null, jobType: string | null, notes: string | null, tags: Array<string>, config: string, summaryMetrics: string, historyKeys: string, historyLineCount: number, lastHistoryStep: number | null, sweepName: string | null, consoleTail: Array<string>, consoleLineCount: number, user: { username: string } | null, files: { totalCount: number, edges: Array<{ node: { name: string, sizeBytes: number, updatedAt: string, url: string } }> } } | null } | null };

export type RunSampledHistoryQueryVariables = Exact<{
  entityName: string;
  project: string;
  run: string;
  specs: Array<string> | string;
}>;


export type RunSampledHistoryQuery = { project: { run: { sampledHistory: Array<string> } | null } | null };

export type RunSystemEventsQueryVariables = Exact<{
  entityName: string;
  project: string;
  run: string;
  samples: number;
}>;


export type RunSystemEventsQuery = { project: { run: { events: Array<string> } | null } | null };

export type EditRunMutationVariables = Exact<{
  entityName: string;
  project: string;
  run: string;
  displayName: string | null | undefined;
  notes: string | null | undefined;
  tags: Array<string> | string | null | undefined;
}>;


export type EditRunMutation = { upsertBucket: { bucket: { name: string, displayName: string | null, notes: string | null, tags: Array<string> } } | null };

export type DeleteRunMutationVariables = Exact<{
  entityName: string;
  project: string;
  run: string;
}>;


export type DeleteRunMutation = { deleteRun: { success: boolean } | null };

export type RunGroupsQueryVariables = Exact<{
  entityName: string;
  project: string;
  key: string;
  filters: string | null | undefined;
  first: number;
}>;


export type RunGroupsQuery = { project: { runGroups: { hasMore: boolean, groups: Array<{ value: string, count: number }> } } | null };

export type ProjectRunsQueryVariables = Exact<{
  entityName: string;
  project: string;
  filters: string | null | undefined;
  order: string | null | undefined;
  first: number;
  after: string | null | undefined;
}>;


export type ProjectRunsQuery = { project: { name: string, entityName: string, runs: { totalCount: number, edges: Array<{ cursor: string, node: { name: string, displayName: string | null, state: string, createdAt: string, tags: Array<string>, notes: string | null, readOnly: boolean, config: string, summaryMetrics: string } }>, pageInfo: { endCursor: string | null, hasNextPage: boolean } } } | null };

export type ProjectSweepsQueryVariables = Exact<{
  entityName: string;
  project: string;
  first: number;
  after: string | null | undefined;
}>;


export type ProjectSweepsQuery = { project: { name: string, totalSweeps: number, sweeps: { edges: Array<{ node: { name: string, displayName: string | null, state: string, method: string, runCount: number, runCountExpected: number | null, createdAt: string } }>, pageInfo: { endCursor: string | null, hasNextPage: boolean } } } | null };

export type SweepOverviewQueryVariables = Exact<{
  entityName: string;
  project: string;
  sweep: string;
  first: number;
  after: string | null | undefined;
}>;


export type SweepOverviewQuery = { project: { sweep: { name: string, displayName: string | null, description: string | null, state: string, method: string, config: string, runCount: number, runCountExpected: number | null, createdAt: string, updatedAt: string, runs: { edges: Array<{ node: { name: string, displayName: string | null, state: string, config: string, summaryMetrics: string } }>, pageInfo: { endCursor: string | null, hasNextPage: boolean } } } | null } | null };
