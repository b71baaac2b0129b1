/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
export type ArtifactAliasInput = {
  alias: string;
  artifactCollectionName: string;
};

export type VersionSummaryFragment = { id: string, versionIndex: number | null, createdAt: string, size: number, fileCount: number, digest: string, state: string, isLink: boolean, typeName: string, sourceVersionIndex: number | null, aliases: Array<{ alias: string }>, tags: Array<{ name: string }>, sourceCollection:
    | { name: string, entityName: string, projectName: string }
    | { name: string, entityName: string, projectName: string }
   };

export type VersionDetailFragment = { description: string | null, metadata: string, ttlDurationSeconds: number, updatedAt: string | null, historyStep: number | null, id: string, versionIndex: number | null, createdAt: string, size: number, fileCount: number, digest: string, state: string, isLink: boolean, typeName: string, sourceVersionIndex: number | null, collection:
    | { id: string, name: string, kind: string, typeName: string, entityName: string, projectName: string }
    | { id: string, name: string, kind: string, typeName: string, entityName: string, projectName: string }
  , loggedBy: { id: string, name: string, displayName: string | null, state: string, project: { name: string, entityName: string } | null } | null, usedBy: { totalCount: number, edges: Array<{ node: { id: string, name: string, displayName: string | null, state: string, project: { name: string, entityName: string } | null } }> }, linkedArtifacts: Array<{ versionIndex: number | null, aliases: Array<{ alias: string }>, collection:
      | { name: string, typeName: string, entityName: string, projectName: string }
      | { name: string, typeName: string, entityName: string, projectName: string }
     }>, files: { totalCount: number, edges: Array<{ node: { path: string, digest: string | null, size: number | null, ref: string | null, url: string | null } }> }, aliases: Array<{ alias: string }>, tags: Array<{ name: string }>, sourceCollection:
    | { name: string, entityName: string, projectName: string }
    | { name: string, entityName: string, projectName: string }
   };

type CollectionSummary_ArtifactPortfolio_Fragment = { id: string, name: string, kind: string, typeName: string, description: string | null, entityName: string, projectName: string, createdAt: string, tags: { edges: Array<{ node: { name: string } }> }, aliases: { edges: Array<{ node: { alias: string } }> } };

type CollectionSummary_ArtifactSequence_Fragment = { id: string, name: string, kind: string, typeName: string, description: string | null, entityName: string, projectName: string, createdAt: string, tags: { edges: Array<{ node: { name: string } }> }, aliases: { edges: Array<{ node: { alias: string } }> } };

export type CollectionSummaryFragment =
  | CollectionSummary_ArtifactPortfolio_Fragment
  | CollectionSummary_ArtifactSequence_Fragment
;

export type ProjectArtifactsQueryVariables = Exact<{
  entityName: string;
  project: string;
  typeName: string | null | undefined;
  after: string | null | undefined;
}>;


export type ProjectArtifactsQuery = { project: { name: string, entityName: string, artifactTypes: { edges: Array<{ node: { name: string } }> }, artifactCollections: { totalCount: number, edges: Array<{ node:
          | { id: string, name: string, kind: string, typeName: string, description: string | null, entityName: string, projectName: string, createdAt: string, artifacts: { totalCount: number }, tags: { edges: Array<{ node: { name: string } }> }, aliases: { edges: Array<{ node: { alias: string } }> } }
          | { id: string, name: string, kind: string, typeName: string, description: string | null, entityName: string, projectName: string, createdAt: string, artifacts: { totalCount: number }, tags: { edges: Array<{ node: { name: string } }> }, aliases: { edges: Array<{ node: { alias: string } }> } }
         }>, pageInfo: { endCursor: string | null, hasNextPage: boolean } } } | null };

export type CollectionVersionsQueryVariables = Exact<{
  entityName: string;
  project: string;
  collection: string;
  after: string | null | undefined;
}>;


export type CollectionVersionsQuery = { project: { artifactCollection:
      | { id: string, name: string, kind: string, typeName: string, description: string | null, entityName: string, projectName: string, createdAt: string, artifacts: { totalCount: number, edges: Array<{ node: { id: string, versionIndex: number | null, createdAt: string, size: number, fileCount: number, digest: string, state: string, isLink: boolean, typeName: string, sourceVersionIndex: number | null, aliases: Array<{ alias: string }>, tags: Array<{ name: string }>, sourceCollection:
                | { name: string, entityName: string, projectName: string }
                | { name: string, entityName: string, projectName: string }
               } }>, pageInfo: { endCursor: string | null, hasNextPage: boolean } }, tags: { edges: Array<{ node: { name: string } }> }, aliases: { edges: Array<{ node: { alias: string } }> } }
      | { id: string, name: string, kind: string, typeName: string, description: string | null, entityName: string, projectName: string, createdAt: string, artifacts: { totalCount: number, edges: Array<{ node: { id: string, versionIndex: number | null, createdAt: string, size: number, fileCount: number, digest: string, state: string, isLink: boolean, typeName: string, sourceVersionIndex: number | null, aliases: Array<{ alias: string }>, tags: Array<{ name: string }>, sourceCollection:
                | { name: string, entityName: string, projectName: string }
                | { name: string, entityName: string, projectName: string }
               } }>, pageInfo: { endCursor: string | null, hasNextPage: boolean } }, tags: { edges: Array<{ node: { name: string } }> }, aliases: { edges: Array<{ node: { alias: string } }> } }
     | null } | null };

export type ArtifactVersionQueryVariables = Exact<{
  entityName: string;
  project: string;
  collection: string;
  version: string;
}>;


export type ArtifactVersionQuery = { project: { artifactCollection:
      | { artifact: { description: string | null, metadata: string, ttlDurationSeconds: number, updatedAt: string | null, historyStep: number | null, id: string, versionIndex: number | null, createdAt: string, size: number, fileCount: number, digest: string, state: string, isLink: boolean, typeName: string, sourceVersionIndex: number | null, collection:
            | { id: string, name: string, kind: string, typeName: string, entityName: string, projectName: string }
            | { id: string, name: string, kind: string, typeName: string, entityName: string, projectName: string }
          , loggedBy: { id: string, name: string, displayName: string | null, state: string, project: { name: string, entityName: string } | null } | null, usedBy: { totalCount: number, edges: Array<{ node: { id: string, name: string, displayName: string | null, state: string, project: { name: string, entityName: string } | null } }> }, linkedArtifacts: Array<{ versionIndex: number | null, aliases: Array<{ alias: string }>, collection:
              | { name: string, typeName: string, entityName: string, projectName: string }
              | { name: string, typeName: string, entityName: string, projectName: string }
             }>, files: { totalCount: number, edges: Array<{ node: { path: string, digest: string | null, size: number | null, ref: string | null, url: string | null } }> }, aliases: Array<{ alias: string }>, tags: Array<{ name: string }>, sourceCollection:
            | { name: string, entityName: string, projectName: string }
            | { name: string, entityName: string, projectName: string }
           } | null }
      | { artifact: { description: string | null, metadata: string, ttlDurationSeconds: number, updatedAt: string | null, historyStep: number | null, id: string, versionIndex: number | null, createdAt: string, size: number, fileCount: number, digest: string, state: string, isLink: boolean, typeName: string, sourceVersionIndex: number | null, collection:
            | { id: string, name: string, kind: string, typeName: string, entityName: string, projectName: string }
            | { id: string, name: string, kind: string, typeName: string, entityName: string, projectName: string }
          , loggedBy: { id: string, name: string, displayName: string | null, state: string, project: { name: string, entityName: string } | null } | null, usedBy: { totalCount: number, edges: Array<{ node: { id: string, name: string, displayName: string | null, state: string, project: { name: string, entityName: string } | null } }> }, linkedArtifacts: Array<{ versionIndex: number | null, aliases: Array<{ alias: string }>, collection:
              | { name: string, typeName: string, entityName: string, projectName: string }
              | { name: string, typeName: string, entityName: string, projectName: string }
             }>, files: { totalCount: number, edges: Array<{ node: { path: string, digest: string | null, size: number | null, ref: string | null, url: string | null } }> }, aliases: Array<{ alias: string }>, tags: Array<{ name: string }>, sourceCollection:
            | { name: string, entityName: string, projectName: string }
            | { name: string, entityName: string, projectName: string }
           } | null }
     | null } | null };

export type ArtifactByIdQueryVariables = Exact<{
  id: string | number;
}>;


export type ArtifactByIdQuery = { artifact: { description: string | null, metadata: string, ttlDurationSeconds: number, updatedAt: string | null, historyStep: number | null, id: string, versionIndex: number | null, createdAt: string, size: number, fileCount: number, digest: string, state: string, isLink: boolean, typeName: string, sourceVersionIndex: number | null, collection:
      | { id: string, name: string, kind: string, typeName: string, entityName: string, projectName: string }
      | { id: string, name: string, kind: string, typeName: string, entityName: string, projectName: string }
    , loggedBy: { id: string, name: string, displayName: string | null, state: string, project: { name: string, entityName: string } | null } | null, usedBy: { totalCount: number, edges: Array<{ node: { id: string, name: string, displayName: string | null, state: string, project: { name: string, entityName: string } | null } }> }, linkedArtifacts: Array<{ versionIndex: number | null, aliases: Array<{ alias: string }>, collection:
        | { name: string, typeName: string, entityName: string, projectName: string }
        | { name: string, typeName: string, entityName: string, projectName: string }
       }>, files: { totalCount: number, edges: Array<{ node: { path: string, digest: string | null, size: number | null, ref: string | null, url: string | null } }> }, aliases: Array<{ alias: string }>, tags: Array<{ name: string }>, sourceCollection:
      | { name: string, entityName: string, projectName: string }
      | { name: string, entityName: string, projectName: string }
     } | null };

export type UpdateArtifactLabelsMutationVariables = Exact<{
  artifactId: string | number;
  collectionId: string | number | null | undefined;
  aliases: Array<ArtifactAliasInput> | ArtifactAliasInput | null | undefined;
  tags: Array<string> | string | null | undefined;
}>;


export type UpdateArtifactLabelsMutation = { updateArtifact: { artifact: { id: string, aliases: Array<{ alias: string }>, tags: Array<{ name: string }> } } | null };

export type LineageRunFragment = { id: string, name: string, displayName: string | null, state: string, project: { name: string, entityName: string } | null };

export type LineageVersionFragment = { id: string, versionIndex: number | null, typeName: string, state: string, sourceVersionIndex: number | null, sourceCollection:
    | { name: string, entityName: string, projectName: string }
    | { name: string, entityName: string, projectName: string }
   };

export type LineageOfVersionQueryVariables = Exact<{
  id: string | number;
}>;


export type LineageOfVersionQuery = { artifact: { id: string, versionIndex: number | null, typeName: string, state: string, sourceVersionIndex: number | null, loggedBy: { id: string, name: string, displayName: string | null, state: string, project: { name: string, entityName: string } | null } | null, usedBy: { edges: Array<{ node: { id: string, name: string, displayName: string | null, state: string, project: { name: string, entityName: string } | null } }> }, sourceCollection:
      | { name: string, entityName: string, projectName: string }
      | { name: string, entityName: string, projectName: string }
     } | null };

export type LineageOfRunQueryVariables = Exact<{
  entityName: string;
  project: string;
  run: string;
}>;


export type LineageOfRunQuery = { project: { run: { id: string, name: string, displayName: string | null, state: string, loggedArtifacts: { edges: Array<{ node: { id: string, versionIndex: number | null, typeName: string, state: string, sourceVersionIndex: number | null, sourceCollection:
              | { name: string, entityName: string, projectName: string }
              | { name: string, entityName: string, projectName: string }
             } }> }, usedArtifacts: { edges: Array<{ node: { id: string, versionIndex: number | null, typeName: string, state: string, sourceVersionIndex: number | null, sourceCollection:
              | { name: string, entityName: string, projectName: string }
              | { name: string, entityName: string, projectName: string }
             } }> }, project: { name: string, entityName: string } | null } | null } | null };

export type CollectionTagsFragment = { edges: Array<{ node: { name: string } }> };

export type CollectionAliasesFragment = { edges: Array<{ node: { alias: string } }> };

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


export type IntegrationsQuery = { entity: { name: string, readOnly: boolean, integrations: Array<
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


export type CompareRunQuery = { project: { run: { name: string, displayName: string | null, state: string, config: string, summaryMetrics: string, historyKeys: unknown } | null } | null };

export type CompareHistoryQueryVariables = Exact<{
  entityName: string;
  project: string;
  run: string;
  specs: Array<string> | string;
}>;


export type CompareHistoryQuery = { project: { run: { sampledHistoryText: Array<string> } | null } | null };

export type RunConsoleLinesQueryVariables = Exact<{
  entityName: string;
  project: string;
  run: string;
  offset: number;
  limit: number;
}>;


export type RunConsoleLinesQuery = { project: { run: { consoleLines: Array<string> } | null } | null };

export type ViewerQueryVariables = Exact<{ [key: string]: never; }>;


export type ViewerQuery = { viewer: { username: string, entity: string, teams: { edges: Array<{ node: { name: string } }> } } | null };

export type EntityProjectsQueryVariables = Exact<{
  entityName: string;
  after: string | null | undefined;
}>;


export type EntityProjectsQuery = { entity: { name: string, readOnly: boolean } | null, projects: { totalCount: number, edges: Array<{ node: { name: string, entityName: string, description: string | null, createdAt: string } }>, pageInfo: { endCursor: string | null, hasNextPage: boolean } } };

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


export type RegistryCollectionsQuery = { registry: { id: string, name: string, fullName: string, organization: string, description: string | null, visibility: string, artifactTypes: Array<string>, allowAllArtifactTypes: boolean, createdAt: string, collections: { totalCount: number, edges: Array<{ node:
          | { id: string, name: string, typeName: string, description: string | null, createdAt: string, tags: { edges: Array<{ node: { name: string } }> }, aliases: { edges: Array<{ node: { alias: string } }> }, artifacts: { totalCount: number } }
          | { id: string, name: string, typeName: string, description: string | null, createdAt: string, tags: { edges: Array<{ node: { name: string } }> }, aliases: { edges: Array<{ node: { alias: string } }> }, artifacts: { totalCount: number } }
         }>, pageInfo: { endCursor: string | null, hasNextPage: boolean } } } | null };

export type RunOverviewQueryVariables = Exact<{
  entityName: string;
  project: string;
  run: string;
  consoleLines: number;
  filesPage: number;
  artifactsPage: number;
}>;


export type RunOverviewQuery = { project: { name: string, entityName: string, run: { id: string, name: string, displayName: string | null, state: string, stopped: boolean, readOnly: boolean, exitCode: number | null, createdAt: string, heartbeatAt: string | null, finishedAt: string | null, host: string | null, group: string | null, jobType: string | null, notes: string | null, tags: Array<string>, config: string, summaryMetrics: string, historyKeys: unknown, historyLineCount: number, lastHistoryStep: number | null, sweepName: string | null, consoleTail: Array<string>, consoleLineCount: number, runtimeTail: Array<string>, user: { username: string } | null, metadataFile: { name: string } | null, files: { totalCount: number, pageInfo: { endCursor: string | null, hasNextPage: boolean }, edges: Array<{ node: { name: string, sizeBytes: number, updatedAt: string } }> }, loggedArtifacts: { totalCount: number, pageInfo: { endCursor: string | null, hasNextPage: boolean }, edges: Array<{ node: { id: string, versionIndex: number | null, typeName: string, size: number, createdAt: string, aliases: Array<{ alias: string }>, collection:
              | { name: string, typeName: string, entityName: string, projectName: string }
              | { name: string, typeName: string, entityName: string, projectName: string }
             } }> }, usedArtifacts: { totalCount: number, pageInfo: { endCursor: string | null, hasNextPage: boolean }, edges: Array<{ node: { id: string, versionIndex: number | null, typeName: string, size: number, createdAt: string, aliases: Array<{ alias: string }>, collection:
              | { name: string, typeName: string, entityName: string, projectName: string }
              | { name: string, typeName: string, entityName: string, projectName: string }
             } }> } } | null } | null };

export type RunFilePageFragment = { totalCount: number, pageInfo: { endCursor: string | null, hasNextPage: boolean }, edges: Array<{ node: { name: string, sizeBytes: number, updatedAt: string } }> };

export type RunFilesQueryVariables = Exact<{
  entityName: string;
  project: string;
  run: string;
  first: number;
  after: string;
}>;


export type RunFilesQuery = { project: { run: { files: { totalCount: number, pageInfo: { endCursor: string | null, hasNextPage: boolean }, edges: Array<{ node: { name: string, sizeBytes: number, updatedAt: string } }> } } | null } | null };

export type RunArtifactPageFragment = { totalCount: number, pageInfo: { endCursor: string | null, hasNextPage: boolean }, edges: Array<{ node: { id: string, versionIndex: number | null, typeName: string, size: number, createdAt: string, aliases: Array<{ alias: string }>, collection:
        | { name: string, typeName: string, entityName: string, projectName: string }
        | { name: string, typeName: string, entityName: string, projectName: string }
       } }> };

export type RunUsedArtifactPageFragment = { totalCount: number, pageInfo: { endCursor: string | null, hasNextPage: boolean }, edges: Array<{ node: { id: string, versionIndex: number | null, typeName: string, size: number, createdAt: string, aliases: Array<{ alias: string }>, collection:
        | { name: string, typeName: string, entityName: string, projectName: string }
        | { name: string, typeName: string, entityName: string, projectName: string }
       } }> };

export type RunArtifactNodeFragment = { id: string, versionIndex: number | null, typeName: string, size: number, createdAt: string, aliases: Array<{ alias: string }>, collection:
    | { name: string, typeName: string, entityName: string, projectName: string }
    | { name: string, typeName: string, entityName: string, projectName: string }
   };

export type RunArtifactsQueryVariables = Exact<{
  entityName: string;
  project: string;
  run: string;
  first: number;
  after: string;
  logged: boolean;
}>;


export type RunArtifactsQuery = { project: { run: { loggedArtifacts?: { totalCount: number, pageInfo: { endCursor: string | null, hasNextPage: boolean }, edges: Array<{ node: { id: string, versionIndex: number | null, typeName: string, size: number, createdAt: string, aliases: Array<{ alias: string }>, collection:
              | { name: string, typeName: string, entityName: string, projectName: string }
              | { name: string, typeName: string, entityName: string, projectName: string }
             } }> }, usedArtifacts?: { totalCount: number, pageInfo: { endCursor: string | null, hasNextPage: boolean }, edges: Array<{ node: { id: string, versionIndex: number | null, typeName: string, size: number, createdAt: string, aliases: Array<{ alias: string }>, collection:
              | { name: string, typeName: string, entityName: string, projectName: string }
              | { name: string, typeName: string, entityName: string, projectName: string }
             } }> } } | null } | null };

export type RunSampledHistoryQueryVariables = Exact<{
  entityName: string;
  project: string;
  run: string;
  specs: Array<string> | string;
}>;


export type RunSampledHistoryQuery = { project: { run: { sampledHistoryText: Array<string> } | null } | null };

export type RunSystemEventsQueryVariables = Exact<{
  entityName: string;
  project: string;
  run: string;
  samples: number;
}>;


export type RunSystemEventsQuery = { project: { run: { events: Array<string> } | null } | null };

export type StopRunMutationVariables = Exact<{
  id: string | number;
}>;


export type StopRunMutation = { stopRun: { success: boolean } | null };

export type EditRunMutationVariables = Exact<{
  entityName: string;
  project: string;
  run: string;
  displayName: string | null | undefined;
  notes: string | null | undefined;
  tags: Array<string> | string | null | undefined;
}>;


export type EditRunMutation = { updateRun: { run: { name: string, displayName: string | null, notes: string | null, tags: Array<string> } } | null };

export type DeleteRunMutationVariables = Exact<{
  id: string | number;
}>;


export type DeleteRunMutation = { deleteRun: { success: boolean } | null };

export type RunGroupsQueryVariables = Exact<{
  entityName: string;
  project: string;
  key: string | null | undefined;
  by: string;
  filters: string | null | undefined;
  first: number;
}>;


export type RunGroupsQuery = { project: { runGroups: { hasMore: boolean, groups: Array<{ value: string, count: number }> } } | null };

export type RunKeysQueryVariables = Exact<{
  entityName: string;
  project: string;
  first: number;
}>;


export type RunKeysQuery = { project: { runKeys: { config: Array<string>, summary: Array<string>, hasMore: boolean } } | null };

export type ProjectRunsQueryVariables = Exact<{
  entityName: string;
  project: string;
  filters: string | null | undefined;
  order: string | null | undefined;
  first: number;
  after: string | null | undefined;
}>;


export type ProjectRunsQuery = { project: { name: string, entityName: string, runs: { totalCount: number, edges: Array<{ cursor: string, node: { id: string, name: string, displayName: string | null, state: string, createdAt: string, tags: Array<string>, notes: string | null, readOnly: boolean, config: string, summaryMetrics: string } }>, pageInfo: { endCursor: string | null, hasNextPage: boolean } } } | null };

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
