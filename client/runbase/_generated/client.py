from typing import TYPE_CHECKING, Any, Optional, Union

from .base_client import BaseClient
from .base_model import UNSET

if TYPE_CHECKING:
    from .add_artifact_files import AddArtifactFiles
    from .add_registry_members import AddRegistryMembers
    from .agent_heartbeat import AgentHeartbeat
    from .artifact_by_id import ArtifactById
    from .artifact_by_name import ArtifactByName
    from .artifact_collection_aliases import ArtifactCollectionAliases
    from .artifact_files import ArtifactFiles
    from .artifact_links import ArtifactLinks
    from .artifact_logged_by import ArtifactLoggedBy
    from .artifact_used_by import ArtifactUsedBy
    from .base_model import UnsetType
    from .collection_artifacts import CollectionArtifacts
    from .commit_artifact import CommitArtifact
    from .create_agent import CreateAgent
    from .create_artifact import CreateArtifact
    from .create_filter_trigger import CreateFilterTrigger
    from .create_generic_webhook_integration import CreateGenericWebhookIntegration
    from .create_invite import CreateInvite
    from .create_registry import CreateRegistry
    from .create_slack_integration import CreateSlackIntegration
    from .create_team import CreateTeam
    from .create_user import CreateUser
    from .delete_api_key import DeleteApiKey
    from .delete_artifact import DeleteArtifact
    from .delete_artifact_collection import DeleteArtifactCollection
    from .delete_integration import DeleteIntegration
    from .delete_invite import DeleteInvite
    from .delete_registry import DeleteRegistry
    from .delete_run import DeleteRun
    from .delete_trigger import DeleteTrigger
    from .delivery import Delivery
    from .generate_api_key import GenerateApiKey
    from .history_page import HistoryPage
    from .input_types import (
        AddArtifactFilesInput,
        AgentHeartbeatInput,
        CommitArtifactInput,
        CreateAgentInput,
        CreateArtifactInput,
        CreateFilterTriggerInput,
        CreateGenericWebhookIntegrationInput,
        CreateInviteInput,
        CreateRegistryInput,
        CreateSlackIntegrationInput,
        CreateTeamInput,
        CreateUserInput,
        DeleteApiKeyInput,
        DeleteArtifactCollectionInput,
        DeleteArtifactInput,
        DeleteIntegrationInput,
        DeleteInviteInput,
        DeleteRegistryInput,
        DeleteRunInput,
        DeleteTriggerInput,
        GenerateApiKeyInput,
        LinkArtifactInput,
        LogHistoryInput,
        NotifyScriptableRunAlertInput,
        RedeliverInput,
        RegistryMembersInput,
        StopRunInput,
        UnlinkArtifactInput,
        UpdateArtifactCollectionInput,
        UpdateArtifactInput,
        UpdateFilterTriggerInput,
        UpdateRegistryInput,
        UpsertBucketInput,
        UpsertModelInput,
        UpsertRunFilesInput,
        UpsertSweepInput,
        UseArtifactInput,
    )
    from .integrations import Integrations
    from .link_artifact import LinkArtifact
    from .log_history import LogHistory
    from .notify_scriptable_run_alert import NotifyScriptableRunAlert
    from .project import Project
    from .project_artifact_collection import ProjectArtifactCollection
    from .project_artifact_collections import ProjectArtifactCollections
    from .project_artifact_type import ProjectArtifactType
    from .project_artifact_types import ProjectArtifactTypes
    from .project_sweep import ProjectSweep
    from .project_sweeps import ProjectSweeps
    from .project_triggers import ProjectTriggers
    from .projects import Projects
    from .public_run import PublicRun
    from .redeliver import Redeliver
    from .registries import Registries
    from .registry import Registry
    from .registry_collections import RegistryCollections
    from .registry_members import RegistryMembers
    from .registry_versions import RegistryVersions
    from .remove_registry_members import RemoveRegistryMembers
    from .rewind_run import RewindRun
    from .run_console import RunConsole
    from .run_count import RunCount
    from .run_events import RunEvents
    from .run_events_line_count import RunEventsLineCount
    from .run_file import RunFile
    from .run_files import RunFiles
    from .run_history import RunHistory
    from .run_logged_artifacts import RunLoggedArtifacts
    from .run_resume_status import RunResumeStatus
    from .run_stopped import RunStopped
    from .run_used_artifacts import RunUsedArtifacts
    from .runs import Runs
    from .runs_events import RunsEvents
    from .runs_histories import RunsHistories
    from .sampled_history import SampledHistory
    from .server_info import ServerInfo
    from .stop_run import StopRun
    from .team import Team
    from .trigger import Trigger
    from .trigger_deliveries import TriggerDeliveries
    from .triggers import Triggers
    from .unlink_artifact import UnlinkArtifact
    from .update_artifact import UpdateArtifact
    from .update_artifact_collection import UpdateArtifactCollection
    from .update_filter_trigger import UpdateFilterTrigger
    from .update_registry import UpdateRegistry
    from .upsert_bucket import UpsertBucket
    from .upsert_model import UpsertModel
    from .upsert_run_files import UpsertRunFiles
    from .upsert_sweep import UpsertSweep
    from .use_artifact import UseArtifact
    from .user import User
    from .users import Users
    from .viewer import Viewer


def gql(q: str) -> str:
    return q


class GraphQLClient(BaseClient):
    def artifact_by_name(
        self,
        project: str,
        name: str,
        entity: Union[Optional[str], "UnsetType"] = UNSET,
        **kwargs: Any,
    ) -> "ArtifactByName":
        from .artifact_by_name import ArtifactByName

        query = gql("""
            query ArtifactByName($entity: String, $project: String!, $name: String!) {
              project(name: $project, entityName: $entity) {
                artifact(name: $name) {
                  ...ArtifactFields
                }
              }
            }

            fragment ArtifactFields on Artifact {
              id
              versionIndex
              sourceVersionIndex
              isLink
              typeName
              digest
              state
              description
              metadata
              ttlDurationSeconds
              size
              fileCount
              createdAt
              updatedAt
              historyStep
              aliases {
                alias
              }
              tags {
                name
              }
              collection {
                ...CollectionRef
              }
              sourceCollection {
                ...CollectionRef
              }
            }

            fragment CollectionRef on ArtifactCollection {
              __typename
              id
              name
              kind
              typeName
              entityName
              projectName
            }
            """)
        variables: dict[str, object] = {
            "entity": entity,
            "project": project,
            "name": name,
        }
        response = self.execute(
            query=query, operation_name="ArtifactByName", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return ArtifactByName.model_validate(data)

    def artifact_by_id(self, id: str, **kwargs: Any) -> "ArtifactById":
        from .artifact_by_id import ArtifactById

        query = gql("""
            query ArtifactById($id: ID!) {
              artifact(id: $id) {
                ...ArtifactFields
              }
            }

            fragment ArtifactFields on Artifact {
              id
              versionIndex
              sourceVersionIndex
              isLink
              typeName
              digest
              state
              description
              metadata
              ttlDurationSeconds
              size
              fileCount
              createdAt
              updatedAt
              historyStep
              aliases {
                alias
              }
              tags {
                name
              }
              collection {
                ...CollectionRef
              }
              sourceCollection {
                ...CollectionRef
              }
            }

            fragment CollectionRef on ArtifactCollection {
              __typename
              id
              name
              kind
              typeName
              entityName
              projectName
            }
            """)
        variables: dict[str, object] = {"id": id}
        response = self.execute(
            query=query, operation_name="ArtifactById", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return ArtifactById.model_validate(data)

    def artifact_files(
        self,
        id: str,
        names: Union[Optional[list[str]], "UnsetType"] = UNSET,
        first: Union[Optional[int], "UnsetType"] = UNSET,
        after: Union[Optional[str], "UnsetType"] = UNSET,
        **kwargs: Any,
    ) -> "ArtifactFiles":
        from .artifact_files import ArtifactFiles

        query = gql("""
            query ArtifactFiles($id: ID!, $names: [String!], $first: Int, $after: String) {
              artifact(id: $id) {
                files(names: $names, first: $first, after: $after) {
                  totalCount
                  pageInfo {
                    endCursor
                    hasNextPage
                  }
                  edges {
                    node {
                      ...ArtifactFileFields
                    }
                  }
                }
              }
            }

            fragment ArtifactFileFields on ArtifactFile {
              path
              digest
              size
              ref
              extra
              url
            }
            """)
        variables: dict[str, object] = {
            "id": id,
            "names": names,
            "first": first,
            "after": after,
        }
        response = self.execute(
            query=query, operation_name="ArtifactFiles", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return ArtifactFiles.model_validate(data)

    def create_artifact(
        self, input: "CreateArtifactInput", **kwargs: Any
    ) -> "CreateArtifact":
        from .create_artifact import CreateArtifact

        query = gql("""
            mutation CreateArtifact($input: CreateArtifactInput!) {
              createArtifact(input: $input) {
                artifact {
                  ...ArtifactFields
                }
              }
            }

            fragment ArtifactFields on Artifact {
              id
              versionIndex
              sourceVersionIndex
              isLink
              typeName
              digest
              state
              description
              metadata
              ttlDurationSeconds
              size
              fileCount
              createdAt
              updatedAt
              historyStep
              aliases {
                alias
              }
              tags {
                name
              }
              collection {
                ...CollectionRef
              }
              sourceCollection {
                ...CollectionRef
              }
            }

            fragment CollectionRef on ArtifactCollection {
              __typename
              id
              name
              kind
              typeName
              entityName
              projectName
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = self.execute(
            query=query, operation_name="CreateArtifact", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return CreateArtifact.model_validate(data)

    def add_artifact_files(
        self, input: "AddArtifactFilesInput", **kwargs: Any
    ) -> "AddArtifactFiles":
        from .add_artifact_files import AddArtifactFiles

        query = gql("""
            mutation AddArtifactFiles($input: AddArtifactFilesInput!) {
              addArtifactFiles(input: $input) {
                fileCount
              }
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = self.execute(
            query=query,
            operation_name="AddArtifactFiles",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return AddArtifactFiles.model_validate(data)

    def commit_artifact(
        self, input: "CommitArtifactInput", **kwargs: Any
    ) -> "CommitArtifact":
        from .commit_artifact import CommitArtifact

        query = gql("""
            mutation CommitArtifact($input: CommitArtifactInput!) {
              commitArtifact(input: $input) {
                artifact {
                  ...ArtifactFields
                }
              }
            }

            fragment ArtifactFields on Artifact {
              id
              versionIndex
              sourceVersionIndex
              isLink
              typeName
              digest
              state
              description
              metadata
              ttlDurationSeconds
              size
              fileCount
              createdAt
              updatedAt
              historyStep
              aliases {
                alias
              }
              tags {
                name
              }
              collection {
                ...CollectionRef
              }
              sourceCollection {
                ...CollectionRef
              }
            }

            fragment CollectionRef on ArtifactCollection {
              __typename
              id
              name
              kind
              typeName
              entityName
              projectName
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = self.execute(
            query=query, operation_name="CommitArtifact", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return CommitArtifact.model_validate(data)

    def use_artifact(self, input: "UseArtifactInput", **kwargs: Any) -> "UseArtifact":
        from .use_artifact import UseArtifact

        query = gql("""
            mutation UseArtifact($input: UseArtifactInput!) {
              useArtifact(input: $input) {
                artifact {
                  ...ArtifactFields
                }
              }
            }

            fragment ArtifactFields on Artifact {
              id
              versionIndex
              sourceVersionIndex
              isLink
              typeName
              digest
              state
              description
              metadata
              ttlDurationSeconds
              size
              fileCount
              createdAt
              updatedAt
              historyStep
              aliases {
                alias
              }
              tags {
                name
              }
              collection {
                ...CollectionRef
              }
              sourceCollection {
                ...CollectionRef
              }
            }

            fragment CollectionRef on ArtifactCollection {
              __typename
              id
              name
              kind
              typeName
              entityName
              projectName
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = self.execute(
            query=query, operation_name="UseArtifact", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return UseArtifact.model_validate(data)

    def update_artifact(
        self, input: "UpdateArtifactInput", **kwargs: Any
    ) -> "UpdateArtifact":
        from .update_artifact import UpdateArtifact

        query = gql("""
            mutation UpdateArtifact($input: UpdateArtifactInput!) {
              updateArtifact(input: $input) {
                artifact {
                  ...ArtifactFields
                }
              }
            }

            fragment ArtifactFields on Artifact {
              id
              versionIndex
              sourceVersionIndex
              isLink
              typeName
              digest
              state
              description
              metadata
              ttlDurationSeconds
              size
              fileCount
              createdAt
              updatedAt
              historyStep
              aliases {
                alias
              }
              tags {
                name
              }
              collection {
                ...CollectionRef
              }
              sourceCollection {
                ...CollectionRef
              }
            }

            fragment CollectionRef on ArtifactCollection {
              __typename
              id
              name
              kind
              typeName
              entityName
              projectName
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = self.execute(
            query=query, operation_name="UpdateArtifact", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return UpdateArtifact.model_validate(data)

    def delete_artifact(
        self, input: "DeleteArtifactInput", **kwargs: Any
    ) -> "DeleteArtifact":
        from .delete_artifact import DeleteArtifact

        query = gql("""
            mutation DeleteArtifact($input: DeleteArtifactInput!) {
              deleteArtifact(input: $input) {
                success
              }
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = self.execute(
            query=query, operation_name="DeleteArtifact", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return DeleteArtifact.model_validate(data)

    def link_artifact(
        self, input: "LinkArtifactInput", **kwargs: Any
    ) -> "LinkArtifact":
        from .link_artifact import LinkArtifact

        query = gql("""
            mutation LinkArtifact($input: LinkArtifactInput!) {
              linkArtifact(input: $input) {
                artifact {
                  ...ArtifactFields
                }
              }
            }

            fragment ArtifactFields on Artifact {
              id
              versionIndex
              sourceVersionIndex
              isLink
              typeName
              digest
              state
              description
              metadata
              ttlDurationSeconds
              size
              fileCount
              createdAt
              updatedAt
              historyStep
              aliases {
                alias
              }
              tags {
                name
              }
              collection {
                ...CollectionRef
              }
              sourceCollection {
                ...CollectionRef
              }
            }

            fragment CollectionRef on ArtifactCollection {
              __typename
              id
              name
              kind
              typeName
              entityName
              projectName
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = self.execute(
            query=query, operation_name="LinkArtifact", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return LinkArtifact.model_validate(data)

    def unlink_artifact(
        self, input: "UnlinkArtifactInput", **kwargs: Any
    ) -> "UnlinkArtifact":
        from .unlink_artifact import UnlinkArtifact

        query = gql("""
            mutation UnlinkArtifact($input: UnlinkArtifactInput!) {
              unlinkArtifact(input: $input) {
                success
              }
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = self.execute(
            query=query, operation_name="UnlinkArtifact", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return UnlinkArtifact.model_validate(data)

    def artifact_links(self, id: str, **kwargs: Any) -> "ArtifactLinks":
        from .artifact_links import ArtifactLinks

        query = gql("""
            query ArtifactLinks($id: ID!) {
              artifact(id: $id) {
                linkedArtifacts {
                  ...ArtifactFields
                }
              }
            }

            fragment ArtifactFields on Artifact {
              id
              versionIndex
              sourceVersionIndex
              isLink
              typeName
              digest
              state
              description
              metadata
              ttlDurationSeconds
              size
              fileCount
              createdAt
              updatedAt
              historyStep
              aliases {
                alias
              }
              tags {
                name
              }
              collection {
                ...CollectionRef
              }
              sourceCollection {
                ...CollectionRef
              }
            }

            fragment CollectionRef on ArtifactCollection {
              __typename
              id
              name
              kind
              typeName
              entityName
              projectName
            }
            """)
        variables: dict[str, object] = {"id": id}
        response = self.execute(
            query=query, operation_name="ArtifactLinks", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return ArtifactLinks.model_validate(data)

    def artifact_logged_by(self, id: str, **kwargs: Any) -> "ArtifactLoggedBy":
        from .artifact_logged_by import ArtifactLoggedBy

        query = gql("""
            query ArtifactLoggedBy($id: ID!) {
              artifact(id: $id) {
                loggedBy {
                  ...PublicRunFields
                }
              }
            }

            fragment PublicRunFields on Run {
              ...RunFields
              historyKeys
              readOnly
              systemMetrics
              sweepName
              user {
                username
              }
              project {
                name
                entityName
              }
            }

            fragment RunFields on Run {
              id
              name
              displayName
              state
              config
              summaryMetrics
              tags
              group
              jobType
              notes
              host
              exitCode
              createdAt
              heartbeatAt
              finishedAt
              historyLineCount
              lastHistoryStep
            }
            """)
        variables: dict[str, object] = {"id": id}
        response = self.execute(
            query=query,
            operation_name="ArtifactLoggedBy",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return ArtifactLoggedBy.model_validate(data)

    def artifact_used_by(
        self,
        id: str,
        first: Union[Optional[int], "UnsetType"] = UNSET,
        after: Union[Optional[str], "UnsetType"] = UNSET,
        **kwargs: Any,
    ) -> "ArtifactUsedBy":
        from .artifact_used_by import ArtifactUsedBy

        query = gql("""
            query ArtifactUsedBy($id: ID!, $first: Int, $after: String) {
              artifact(id: $id) {
                usedBy(first: $first, after: $after) {
                  pageInfo {
                    endCursor
                    hasNextPage
                  }
                  edges {
                    node {
                      ...PublicRunFields
                    }
                  }
                }
              }
            }

            fragment PublicRunFields on Run {
              ...RunFields
              historyKeys
              readOnly
              systemMetrics
              sweepName
              user {
                username
              }
              project {
                name
                entityName
              }
            }

            fragment RunFields on Run {
              id
              name
              displayName
              state
              config
              summaryMetrics
              tags
              group
              jobType
              notes
              host
              exitCode
              createdAt
              heartbeatAt
              finishedAt
              historyLineCount
              lastHistoryStep
            }
            """)
        variables: dict[str, object] = {"id": id, "first": first, "after": after}
        response = self.execute(
            query=query, operation_name="ArtifactUsedBy", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return ArtifactUsedBy.model_validate(data)

    def integrations(self, entity: str, **kwargs: Any) -> "Integrations":
        from .integrations import Integrations

        query = gql("""
            query Integrations($entity: String!) {
              entity(name: $entity) {
                integrations {
                  __typename
                  ...SlackIntegrationFields
                  ...WebhookIntegrationFields
                }
              }
            }

            fragment SlackIntegrationFields on SlackIntegration {
              id
              entityName
              channelName
              usesWebhookUrl
              createdAt
            }

            fragment WebhookIntegrationFields on GenericWebhookIntegration {
              id
              entityName
              name
              urlEndpoint
              hasSecret
              hasAccessToken
              createdAt
            }
            """)
        variables: dict[str, object] = {"entity": entity}
        response = self.execute(
            query=query, operation_name="Integrations", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return Integrations.model_validate(data)

    def create_slack_integration(
        self, input: "CreateSlackIntegrationInput", **kwargs: Any
    ) -> "CreateSlackIntegration":
        from .create_slack_integration import CreateSlackIntegration

        query = gql("""
            mutation CreateSlackIntegration($input: CreateSlackIntegrationInput!) {
              createSlackIntegration(input: $input) {
                integration {
                  ...SlackIntegrationFields
                }
              }
            }

            fragment SlackIntegrationFields on SlackIntegration {
              id
              entityName
              channelName
              usesWebhookUrl
              createdAt
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = self.execute(
            query=query,
            operation_name="CreateSlackIntegration",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return CreateSlackIntegration.model_validate(data)

    def create_generic_webhook_integration(
        self, input: "CreateGenericWebhookIntegrationInput", **kwargs: Any
    ) -> "CreateGenericWebhookIntegration":
        from .create_generic_webhook_integration import CreateGenericWebhookIntegration

        query = gql("""
            mutation CreateGenericWebhookIntegration($input: CreateGenericWebhookIntegrationInput!) {
              createGenericWebhookIntegration(input: $input) {
                integration {
                  ...WebhookIntegrationFields
                }
              }
            }

            fragment WebhookIntegrationFields on GenericWebhookIntegration {
              id
              entityName
              name
              urlEndpoint
              hasSecret
              hasAccessToken
              createdAt
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = self.execute(
            query=query,
            operation_name="CreateGenericWebhookIntegration",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return CreateGenericWebhookIntegration.model_validate(data)

    def delete_integration(
        self, input: "DeleteIntegrationInput", **kwargs: Any
    ) -> "DeleteIntegration":
        from .delete_integration import DeleteIntegration

        query = gql("""
            mutation DeleteIntegration($input: DeleteIntegrationInput!) {
              deleteIntegration(input: $input) {
                success
              }
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = self.execute(
            query=query,
            operation_name="DeleteIntegration",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return DeleteIntegration.model_validate(data)

    def triggers(
        self,
        entity: Union[Optional[str], "UnsetType"] = UNSET,
        name: Union[Optional[str], "UnsetType"] = UNSET,
        first: Union[Optional[int], "UnsetType"] = UNSET,
        after: Union[Optional[str], "UnsetType"] = UNSET,
        **kwargs: Any,
    ) -> "Triggers":
        from .triggers import Triggers

        query = gql("""
            query Triggers($entity: String, $name: String, $first: Int, $after: String) {
              triggers(entityName: $entity, name: $name, first: $first, after: $after) {
                pageInfo {
                  endCursor
                  hasNextPage
                }
                edges {
                  node {
                    ...TriggerFields
                  }
                }
              }
            }

            fragment TriggerFields on Trigger {
              id
              name
              description
              enabled
              createdAt
              updatedAt
              createdBy
              entityName
              scope {
                scopeType
                entityName
                projectName
                name
              }
              eventType
              eventFilter
              action
            }
            """)
        variables: dict[str, object] = {
            "entity": entity,
            "name": name,
            "first": first,
            "after": after,
        }
        response = self.execute(
            query=query, operation_name="Triggers", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return Triggers.model_validate(data)

    def project_triggers(
        self,
        project: str,
        entity: Union[Optional[str], "UnsetType"] = UNSET,
        first: Union[Optional[int], "UnsetType"] = UNSET,
        after: Union[Optional[str], "UnsetType"] = UNSET,
        **kwargs: Any,
    ) -> "ProjectTriggers":
        from .project_triggers import ProjectTriggers

        query = gql("""
            query ProjectTriggers($entity: String, $project: String!, $first: Int, $after: String) {
              project(name: $project, entityName: $entity) {
                triggers(first: $first, after: $after) {
                  pageInfo {
                    endCursor
                    hasNextPage
                  }
                  edges {
                    node {
                      ...TriggerFields
                    }
                  }
                }
              }
            }

            fragment TriggerFields on Trigger {
              id
              name
              description
              enabled
              createdAt
              updatedAt
              createdBy
              entityName
              scope {
                scopeType
                entityName
                projectName
                name
              }
              eventType
              eventFilter
              action
            }
            """)
        variables: dict[str, object] = {
            "entity": entity,
            "project": project,
            "first": first,
            "after": after,
        }
        response = self.execute(
            query=query, operation_name="ProjectTriggers", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return ProjectTriggers.model_validate(data)

    def trigger(self, id: str, **kwargs: Any) -> "Trigger":
        from .trigger import Trigger

        query = gql("""
            query Trigger($id: ID!) {
              trigger(id: $id) {
                ...TriggerFields
              }
            }

            fragment TriggerFields on Trigger {
              id
              name
              description
              enabled
              createdAt
              updatedAt
              createdBy
              entityName
              scope {
                scopeType
                entityName
                projectName
                name
              }
              eventType
              eventFilter
              action
            }
            """)
        variables: dict[str, object] = {"id": id}
        response = self.execute(
            query=query, operation_name="Trigger", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return Trigger.model_validate(data)

    def create_filter_trigger(
        self, input: "CreateFilterTriggerInput", **kwargs: Any
    ) -> "CreateFilterTrigger":
        from .create_filter_trigger import CreateFilterTrigger

        query = gql("""
            mutation CreateFilterTrigger($input: CreateFilterTriggerInput!) {
              createFilterTrigger(input: $input) {
                trigger {
                  ...TriggerFields
                }
              }
            }

            fragment TriggerFields on Trigger {
              id
              name
              description
              enabled
              createdAt
              updatedAt
              createdBy
              entityName
              scope {
                scopeType
                entityName
                projectName
                name
              }
              eventType
              eventFilter
              action
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = self.execute(
            query=query,
            operation_name="CreateFilterTrigger",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return CreateFilterTrigger.model_validate(data)

    def update_filter_trigger(
        self, input: "UpdateFilterTriggerInput", **kwargs: Any
    ) -> "UpdateFilterTrigger":
        from .update_filter_trigger import UpdateFilterTrigger

        query = gql("""
            mutation UpdateFilterTrigger($input: UpdateFilterTriggerInput!) {
              updateFilterTrigger(input: $input) {
                trigger {
                  ...TriggerFields
                }
              }
            }

            fragment TriggerFields on Trigger {
              id
              name
              description
              enabled
              createdAt
              updatedAt
              createdBy
              entityName
              scope {
                scopeType
                entityName
                projectName
                name
              }
              eventType
              eventFilter
              action
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = self.execute(
            query=query,
            operation_name="UpdateFilterTrigger",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return UpdateFilterTrigger.model_validate(data)

    def delete_trigger(
        self, input: "DeleteTriggerInput", **kwargs: Any
    ) -> "DeleteTrigger":
        from .delete_trigger import DeleteTrigger

        query = gql("""
            mutation DeleteTrigger($input: DeleteTriggerInput!) {
              deleteTrigger(input: $input) {
                success
              }
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = self.execute(
            query=query, operation_name="DeleteTrigger", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return DeleteTrigger.model_validate(data)

    def trigger_deliveries(
        self,
        id: str,
        status: Union[Optional[str], "UnsetType"] = UNSET,
        first: Union[Optional[int], "UnsetType"] = UNSET,
        after: Union[Optional[str], "UnsetType"] = UNSET,
        **kwargs: Any,
    ) -> "TriggerDeliveries":
        from .trigger_deliveries import TriggerDeliveries

        query = gql("""
            query TriggerDeliveries($id: ID!, $status: String, $first: Int, $after: String) {
              trigger(id: $id) {
                deliveries(status: $status, first: $first, after: $after) {
                  pageInfo {
                    endCursor
                    hasNextPage
                  }
                  edges {
                    node {
                      ...DeliveryFields
                    }
                  }
                }
              }
            }

            fragment DeliveryFields on Delivery {
              id
              triggerId
              triggerName
              entityName
              eventType
              actionType
              status
              payload
              attemptCount
              attempts {
                number
                startedAt
                durationMs
                responseCode
                error
              }
              responseCode
              error
              runName
              createdAt
              nextAttemptAt
              deliveredAt
              redeliveryOf
            }
            """)
        variables: dict[str, object] = {
            "id": id,
            "status": status,
            "first": first,
            "after": after,
        }
        response = self.execute(
            query=query,
            operation_name="TriggerDeliveries",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return TriggerDeliveries.model_validate(data)

    def delivery(self, id: str, **kwargs: Any) -> "Delivery":
        from .delivery import Delivery

        query = gql("""
            query Delivery($id: ID!) {
              delivery(id: $id) {
                ...DeliveryFields
              }
            }

            fragment DeliveryFields on Delivery {
              id
              triggerId
              triggerName
              entityName
              eventType
              actionType
              status
              payload
              attemptCount
              attempts {
                number
                startedAt
                durationMs
                responseCode
                error
              }
              responseCode
              error
              runName
              createdAt
              nextAttemptAt
              deliveredAt
              redeliveryOf
            }
            """)
        variables: dict[str, object] = {"id": id}
        response = self.execute(
            query=query, operation_name="Delivery", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return Delivery.model_validate(data)

    def redeliver(self, input: "RedeliverInput", **kwargs: Any) -> "Redeliver":
        from .redeliver import Redeliver

        query = gql("""
            mutation Redeliver($input: RedeliverInput!) {
              redeliver(input: $input) {
                delivery {
                  ...DeliveryFields
                }
              }
            }

            fragment DeliveryFields on Delivery {
              id
              triggerId
              triggerName
              entityName
              eventType
              actionType
              status
              payload
              attemptCount
              attempts {
                number
                startedAt
                durationMs
                responseCode
                error
              }
              responseCode
              error
              runName
              createdAt
              nextAttemptAt
              deliveredAt
              redeliveryOf
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = self.execute(
            query=query, operation_name="Redeliver", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return Redeliver.model_validate(data)

    def notify_scriptable_run_alert(
        self, input: "NotifyScriptableRunAlertInput", **kwargs: Any
    ) -> "NotifyScriptableRunAlert":
        from .notify_scriptable_run_alert import NotifyScriptableRunAlert

        query = gql("""
            mutation NotifyScriptableRunAlert($input: NotifyScriptableRunAlertInput!) {
              notifyScriptableRunAlert(input: $input) {
                success
                sent
              }
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = self.execute(
            query=query,
            operation_name="NotifyScriptableRunAlert",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return NotifyScriptableRunAlert.model_validate(data)

    def run_console(
        self,
        project: str,
        run: str,
        entity: Union[Optional[str], "UnsetType"] = UNSET,
        lines: Union[Optional[int], "UnsetType"] = UNSET,
        **kwargs: Any,
    ) -> "RunConsole":
        from .run_console import RunConsole

        query = gql("""
            query RunConsole($entity: String, $project: String!, $run: String!, $lines: Int) {
              project(name: $project, entityName: $entity) {
                run(name: $run) {
                  consoleLineCount
                  consoleTail(lines: $lines)
                }
              }
            }
            """)
        variables: dict[str, object] = {
            "entity": entity,
            "project": project,
            "run": run,
            "lines": lines,
        }
        response = self.execute(
            query=query, operation_name="RunConsole", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return RunConsole.model_validate(data)

    def run_files(
        self,
        project: str,
        run: str,
        entity: Union[Optional[str], "UnsetType"] = UNSET,
        names: Union[Optional[list[str]], "UnsetType"] = UNSET,
        pattern: Union[Optional[str], "UnsetType"] = UNSET,
        first: Union[Optional[int], "UnsetType"] = UNSET,
        after: Union[Optional[str], "UnsetType"] = UNSET,
        **kwargs: Any,
    ) -> "RunFiles":
        from .run_files import RunFiles

        query = gql("""
            query RunFiles($entity: String, $project: String!, $run: String!, $names: [String!], $pattern: String, $first: Int, $after: String) {
              project(name: $project, entityName: $entity) {
                run(name: $run) {
                  files(names: $names, pattern: $pattern, first: $first, after: $after) {
                    totalCount
                    pageInfo {
                      endCursor
                      hasNextPage
                    }
                    edges {
                      node {
                        ...FileFields
                      }
                    }
                  }
                }
              }
            }

            fragment FileFields on File {
              name
              sizeBytes
              digest
              updatedAt
              url
            }
            """)
        variables: dict[str, object] = {
            "entity": entity,
            "project": project,
            "run": run,
            "names": names,
            "pattern": pattern,
            "first": first,
            "after": after,
        }
        response = self.execute(
            query=query, operation_name="RunFiles", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return RunFiles.model_validate(data)

    def run_file(
        self,
        project: str,
        run: str,
        name: str,
        entity: Union[Optional[str], "UnsetType"] = UNSET,
        **kwargs: Any,
    ) -> "RunFile":
        from .run_file import RunFile

        query = gql("""
            query RunFile($entity: String, $project: String!, $run: String!, $name: String!) {
              project(name: $project, entityName: $entity) {
                run(name: $run) {
                  file(name: $name) {
                    ...FileFields
                  }
                }
              }
            }

            fragment FileFields on File {
              name
              sizeBytes
              digest
              updatedAt
              url
            }
            """)
        variables: dict[str, object] = {
            "entity": entity,
            "project": project,
            "run": run,
            "name": name,
        }
        response = self.execute(
            query=query, operation_name="RunFile", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return RunFile.model_validate(data)

    def upsert_run_files(
        self, input: "UpsertRunFilesInput", **kwargs: Any
    ) -> "UpsertRunFiles":
        from .upsert_run_files import UpsertRunFiles

        query = gql("""
            mutation UpsertRunFiles($input: UpsertRunFilesInput!) {
              upsertRunFiles(input: $input) {
                files {
                  ...FileFields
                }
              }
            }

            fragment FileFields on File {
              name
              sizeBytes
              digest
              updatedAt
              url
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = self.execute(
            query=query, operation_name="UpsertRunFiles", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return UpsertRunFiles.model_validate(data)

    def upsert_model(self, input: "UpsertModelInput", **kwargs: Any) -> "UpsertModel":
        from .upsert_model import UpsertModel

        query = gql("""
            mutation UpsertModel($input: UpsertModelInput!) {
              upsertModel(input: $input) {
                inserted
                project {
                  id
                  name
                  entityName
                  description
                  access
                }
              }
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = self.execute(
            query=query, operation_name="UpsertModel", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return UpsertModel.model_validate(data)

    def project(
        self,
        name: str,
        entity: Union[Optional[str], "UnsetType"] = UNSET,
        **kwargs: Any,
    ) -> "Project":
        from .project import Project

        query = gql("""
            query Project($entity: String, $name: String!) {
              project(name: $name, entityName: $entity) {
                ...ProjectFields
              }
            }

            fragment ProjectFields on Project {
              id
              name
              entityName
              description
              access
              createdAt
            }
            """)
        variables: dict[str, object] = {"entity": entity, "name": name}
        response = self.execute(
            query=query, operation_name="Project", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return Project.model_validate(data)

    def projects(
        self,
        entity: Union[Optional[str], "UnsetType"] = UNSET,
        first: Union[Optional[int], "UnsetType"] = UNSET,
        after: Union[Optional[str], "UnsetType"] = UNSET,
        **kwargs: Any,
    ) -> "Projects":
        from .projects import Projects

        query = gql("""
            query Projects($entity: String, $first: Int, $after: String) {
              projects(entityName: $entity, first: $first, after: $after) {
                totalCount
                pageInfo {
                  endCursor
                  hasNextPage
                }
                edges {
                  node {
                    ...ProjectFields
                  }
                }
              }
            }

            fragment ProjectFields on Project {
              id
              name
              entityName
              description
              access
              createdAt
            }
            """)
        variables: dict[str, object] = {
            "entity": entity,
            "first": first,
            "after": after,
        }
        response = self.execute(
            query=query, operation_name="Projects", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return Projects.model_validate(data)

    def artifact_collection_aliases(
        self, id: str, after: Union[Optional[str], "UnsetType"] = UNSET, **kwargs: Any
    ) -> "ArtifactCollectionAliases":
        from .artifact_collection_aliases import ArtifactCollectionAliases

        query = gql("""
            query ArtifactCollectionAliases($id: ID!, $after: String) {
              artifactCollection(id: $id) {
                __typename
                aliases(first: 1000, after: $after) {
                  ...CollectionAliasPage
                }
              }
            }

            fragment CollectionAliasPage on ArtifactAliasConnection {
              edges {
                node {
                  alias
                }
              }
              pageInfo {
                endCursor
                hasNextPage
              }
            }
            """)
        variables: dict[str, object] = {"id": id, "after": after}
        response = self.execute(
            query=query,
            operation_name="ArtifactCollectionAliases",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return ArtifactCollectionAliases.model_validate(data)

    def project_artifact_collection(
        self,
        project: str,
        name: str,
        entity: Union[Optional[str], "UnsetType"] = UNSET,
        **kwargs: Any,
    ) -> "ProjectArtifactCollection":
        from .project_artifact_collection import ProjectArtifactCollection

        query = gql("""
            query ProjectArtifactCollection($entity: String, $project: String!, $name: String!) {
              project(name: $project, entityName: $entity) {
                artifactCollection(name: $name) {
                  __typename
                  ...ArtifactCollectionFields
                }
              }
            }

            fragment ArtifactCollectionFields on ArtifactCollection {
              __typename
              id
              name
              kind
              typeName
              description
              tags {
                edges {
                  node {
                    name
                  }
                }
              }
              aliases(first: 1000) {
                ...CollectionAliasPage
              }
              entityName
              projectName
              createdAt
              updatedAt
            }

            fragment CollectionAliasPage on ArtifactAliasConnection {
              edges {
                node {
                  alias
                }
              }
              pageInfo {
                endCursor
                hasNextPage
              }
            }
            """)
        variables: dict[str, object] = {
            "entity": entity,
            "project": project,
            "name": name,
        }
        response = self.execute(
            query=query,
            operation_name="ProjectArtifactCollection",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return ProjectArtifactCollection.model_validate(data)

    def project_artifact_collections(
        self,
        project: str,
        entity: Union[Optional[str], "UnsetType"] = UNSET,
        type_name: Union[Optional[str], "UnsetType"] = UNSET,
        filters: Union[Optional[str], "UnsetType"] = UNSET,
        first: Union[Optional[int], "UnsetType"] = UNSET,
        after: Union[Optional[str], "UnsetType"] = UNSET,
        **kwargs: Any,
    ) -> "ProjectArtifactCollections":
        from .project_artifact_collections import ProjectArtifactCollections

        query = gql("""
            query ProjectArtifactCollections($entity: String, $project: String!, $typeName: String, $filters: JSONString, $first: Int, $after: String) {
              project(name: $project, entityName: $entity) {
                artifactCollections(
                  typeName: $typeName
                  filters: $filters
                  first: $first
                  after: $after
                ) {
                  ...ArtifactCollectionPage
                }
              }
            }

            fragment ArtifactCollectionFields on ArtifactCollection {
              __typename
              id
              name
              kind
              typeName
              description
              tags {
                edges {
                  node {
                    name
                  }
                }
              }
              aliases(first: 1000) {
                ...CollectionAliasPage
              }
              entityName
              projectName
              createdAt
              updatedAt
            }

            fragment ArtifactCollectionPage on ArtifactCollectionConnection {
              totalCount
              pageInfo {
                endCursor
                hasNextPage
              }
              edges {
                node {
                  ...ArtifactCollectionFields
                }
              }
            }

            fragment CollectionAliasPage on ArtifactAliasConnection {
              edges {
                node {
                  alias
                }
              }
              pageInfo {
                endCursor
                hasNextPage
              }
            }
            """)
        variables: dict[str, object] = {
            "entity": entity,
            "project": project,
            "typeName": type_name,
            "filters": filters,
            "first": first,
            "after": after,
        }
        response = self.execute(
            query=query,
            operation_name="ProjectArtifactCollections",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return ProjectArtifactCollections.model_validate(data)

    def collection_artifacts(
        self,
        project: str,
        collection: str,
        entity: Union[Optional[str], "UnsetType"] = UNSET,
        filters: Union[Optional[str], "UnsetType"] = UNSET,
        first: Union[Optional[int], "UnsetType"] = UNSET,
        after: Union[Optional[str], "UnsetType"] = UNSET,
        **kwargs: Any,
    ) -> "CollectionArtifacts":
        from .collection_artifacts import CollectionArtifacts

        query = gql("""
            query CollectionArtifacts($entity: String, $project: String!, $collection: String!, $filters: JSONString, $first: Int, $after: String) {
              project(name: $project, entityName: $entity) {
                artifactCollection(name: $collection) {
                  __typename
                  typeName
                  artifacts(filters: $filters, first: $first, after: $after) {
                    ...VersionedArtifactPage
                  }
                }
              }
            }

            fragment ArtifactFields on Artifact {
              id
              versionIndex
              sourceVersionIndex
              isLink
              typeName
              digest
              state
              description
              metadata
              ttlDurationSeconds
              size
              fileCount
              createdAt
              updatedAt
              historyStep
              aliases {
                alias
              }
              tags {
                name
              }
              collection {
                ...CollectionRef
              }
              sourceCollection {
                ...CollectionRef
              }
            }

            fragment CollectionRef on ArtifactCollection {
              __typename
              id
              name
              kind
              typeName
              entityName
              projectName
            }

            fragment VersionedArtifactPage on VersionedArtifactConnection {
              totalCount
              pageInfo {
                endCursor
                hasNextPage
              }
              edges {
                node {
                  ...ArtifactFields
                }
              }
            }
            """)
        variables: dict[str, object] = {
            "entity": entity,
            "project": project,
            "collection": collection,
            "filters": filters,
            "first": first,
            "after": after,
        }
        response = self.execute(
            query=query,
            operation_name="CollectionArtifacts",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return CollectionArtifacts.model_validate(data)

    def project_artifact_type(
        self,
        project: str,
        name: str,
        entity: Union[Optional[str], "UnsetType"] = UNSET,
        **kwargs: Any,
    ) -> "ProjectArtifactType":
        from .project_artifact_type import ProjectArtifactType

        query = gql("""
            query ProjectArtifactType($entity: String, $project: String!, $name: String!) {
              project(name: $project, entityName: $entity) {
                artifactType(name: $name) {
                  ...ArtifactTypeFields
                }
              }
            }

            fragment ArtifactTypeFields on ArtifactType {
              id
              name
              description
              createdAt
            }
            """)
        variables: dict[str, object] = {
            "entity": entity,
            "project": project,
            "name": name,
        }
        response = self.execute(
            query=query,
            operation_name="ProjectArtifactType",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return ProjectArtifactType.model_validate(data)

    def project_artifact_types(
        self,
        project: str,
        entity: Union[Optional[str], "UnsetType"] = UNSET,
        first: Union[Optional[int], "UnsetType"] = UNSET,
        after: Union[Optional[str], "UnsetType"] = UNSET,
        **kwargs: Any,
    ) -> "ProjectArtifactTypes":
        from .project_artifact_types import ProjectArtifactTypes

        query = gql("""
            query ProjectArtifactTypes($entity: String, $project: String!, $first: Int, $after: String) {
              project(name: $project, entityName: $entity) {
                artifactTypes(first: $first, after: $after) {
                  pageInfo {
                    endCursor
                    hasNextPage
                  }
                  edges {
                    node {
                      ...ArtifactTypeFields
                    }
                  }
                }
              }
            }

            fragment ArtifactTypeFields on ArtifactType {
              id
              name
              description
              createdAt
            }
            """)
        variables: dict[str, object] = {
            "entity": entity,
            "project": project,
            "first": first,
            "after": after,
        }
        response = self.execute(
            query=query,
            operation_name="ProjectArtifactTypes",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return ProjectArtifactTypes.model_validate(data)

    def run_logged_artifacts(
        self,
        project: str,
        run: str,
        entity: Union[Optional[str], "UnsetType"] = UNSET,
        first: Union[Optional[int], "UnsetType"] = UNSET,
        after: Union[Optional[str], "UnsetType"] = UNSET,
        **kwargs: Any,
    ) -> "RunLoggedArtifacts":
        from .run_logged_artifacts import RunLoggedArtifacts

        query = gql("""
            query RunLoggedArtifacts($entity: String, $project: String!, $run: String!, $first: Int, $after: String) {
              project(name: $project, entityName: $entity) {
                run(name: $run) {
                  outputArtifacts(first: $first, after: $after) {
                    ...ArtifactPage
                  }
                }
              }
            }

            fragment ArtifactFields on Artifact {
              id
              versionIndex
              sourceVersionIndex
              isLink
              typeName
              digest
              state
              description
              metadata
              ttlDurationSeconds
              size
              fileCount
              createdAt
              updatedAt
              historyStep
              aliases {
                alias
              }
              tags {
                name
              }
              collection {
                ...CollectionRef
              }
              sourceCollection {
                ...CollectionRef
              }
            }

            fragment ArtifactPage on ArtifactConnection {
              totalCount
              pageInfo {
                endCursor
                hasNextPage
              }
              edges {
                node {
                  ...ArtifactFields
                }
              }
            }

            fragment CollectionRef on ArtifactCollection {
              __typename
              id
              name
              kind
              typeName
              entityName
              projectName
            }
            """)
        variables: dict[str, object] = {
            "entity": entity,
            "project": project,
            "run": run,
            "first": first,
            "after": after,
        }
        response = self.execute(
            query=query,
            operation_name="RunLoggedArtifacts",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return RunLoggedArtifacts.model_validate(data)

    def run_used_artifacts(
        self,
        project: str,
        run: str,
        entity: Union[Optional[str], "UnsetType"] = UNSET,
        first: Union[Optional[int], "UnsetType"] = UNSET,
        after: Union[Optional[str], "UnsetType"] = UNSET,
        **kwargs: Any,
    ) -> "RunUsedArtifacts":
        from .run_used_artifacts import RunUsedArtifacts

        query = gql("""
            query RunUsedArtifacts($entity: String, $project: String!, $run: String!, $first: Int, $after: String) {
              project(name: $project, entityName: $entity) {
                run(name: $run) {
                  inputArtifacts(first: $first, after: $after) {
                    ...UsedArtifactPage
                  }
                }
              }
            }

            fragment ArtifactFields on Artifact {
              id
              versionIndex
              sourceVersionIndex
              isLink
              typeName
              digest
              state
              description
              metadata
              ttlDurationSeconds
              size
              fileCount
              createdAt
              updatedAt
              historyStep
              aliases {
                alias
              }
              tags {
                name
              }
              collection {
                ...CollectionRef
              }
              sourceCollection {
                ...CollectionRef
              }
            }

            fragment CollectionRef on ArtifactCollection {
              __typename
              id
              name
              kind
              typeName
              entityName
              projectName
            }

            fragment UsedArtifactPage on InputArtifactConnection {
              totalCount
              pageInfo {
                endCursor
                hasNextPage
              }
              edges {
                node {
                  ...ArtifactFields
                }
              }
            }
            """)
        variables: dict[str, object] = {
            "entity": entity,
            "project": project,
            "run": run,
            "first": first,
            "after": after,
        }
        response = self.execute(
            query=query,
            operation_name="RunUsedArtifacts",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return RunUsedArtifacts.model_validate(data)

    def update_artifact_collection(
        self, input: "UpdateArtifactCollectionInput", **kwargs: Any
    ) -> "UpdateArtifactCollection":
        from .update_artifact_collection import UpdateArtifactCollection

        query = gql("""
            mutation UpdateArtifactCollection($input: UpdateArtifactCollectionInput!) {
              updateArtifactCollection(input: $input) {
                artifactCollection {
                  __typename
                  ...ArtifactCollectionFields
                }
              }
            }

            fragment ArtifactCollectionFields on ArtifactCollection {
              __typename
              id
              name
              kind
              typeName
              description
              tags {
                edges {
                  node {
                    name
                  }
                }
              }
              aliases(first: 1000) {
                ...CollectionAliasPage
              }
              entityName
              projectName
              createdAt
              updatedAt
            }

            fragment CollectionAliasPage on ArtifactAliasConnection {
              edges {
                node {
                  alias
                }
              }
              pageInfo {
                endCursor
                hasNextPage
              }
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = self.execute(
            query=query,
            operation_name="UpdateArtifactCollection",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return UpdateArtifactCollection.model_validate(data)

    def delete_artifact_collection(
        self, input: "DeleteArtifactCollectionInput", **kwargs: Any
    ) -> "DeleteArtifactCollection":
        from .delete_artifact_collection import DeleteArtifactCollection

        query = gql("""
            mutation DeleteArtifactCollection($input: DeleteArtifactCollectionInput!) {
              deleteArtifactCollection(input: $input) {
                success
              }
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = self.execute(
            query=query,
            operation_name="DeleteArtifactCollection",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return DeleteArtifactCollection.model_validate(data)

    def public_run(
        self,
        project: str,
        name: str,
        entity: Union[Optional[str], "UnsetType"] = UNSET,
        **kwargs: Any,
    ) -> "PublicRun":
        from .public_run import PublicRun

        query = gql("""
            query PublicRun($entity: String, $project: String!, $name: String!) {
              project(name: $project, entityName: $entity) {
                run(name: $name) {
                  ...PublicRunFields
                }
              }
            }

            fragment PublicRunFields on Run {
              ...RunFields
              historyKeys
              readOnly
              systemMetrics
              sweepName
              user {
                username
              }
              project {
                name
                entityName
              }
            }

            fragment RunFields on Run {
              id
              name
              displayName
              state
              config
              summaryMetrics
              tags
              group
              jobType
              notes
              host
              exitCode
              createdAt
              heartbeatAt
              finishedAt
              historyLineCount
              lastHistoryStep
            }
            """)
        variables: dict[str, object] = {
            "entity": entity,
            "project": project,
            "name": name,
        }
        response = self.execute(
            query=query, operation_name="PublicRun", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return PublicRun.model_validate(data)

    def runs(
        self,
        project: str,
        entity: Union[Optional[str], "UnsetType"] = UNSET,
        filters: Union[Optional[str], "UnsetType"] = UNSET,
        order: Union[Optional[str], "UnsetType"] = UNSET,
        first: Union[Optional[int], "UnsetType"] = UNSET,
        after: Union[Optional[str], "UnsetType"] = UNSET,
        **kwargs: Any,
    ) -> "Runs":
        from .runs import Runs

        query = gql("""
            query Runs($entity: String, $project: String!, $filters: JSONString, $order: String, $first: Int, $after: String) {
              project(name: $project, entityName: $entity) {
                runs(filters: $filters, order: $order, first: $first, after: $after) {
                  pageInfo {
                    endCursor
                    hasNextPage
                  }
                  nodesText
                }
              }
            }
            """)
        variables: dict[str, object] = {
            "entity": entity,
            "project": project,
            "filters": filters,
            "order": order,
            "first": first,
            "after": after,
        }
        response = self.execute(
            query=query, operation_name="Runs", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return Runs.model_validate(data)

    def run_count(
        self,
        project: str,
        entity: Union[Optional[str], "UnsetType"] = UNSET,
        filters: Union[Optional[str], "UnsetType"] = UNSET,
        **kwargs: Any,
    ) -> "RunCount":
        from .run_count import RunCount

        query = gql("""
            query RunCount($entity: String, $project: String!, $filters: JSONString) {
              project(name: $project, entityName: $entity) {
                runCount(filters: $filters)
              }
            }
            """)
        variables: dict[str, object] = {
            "entity": entity,
            "project": project,
            "filters": filters,
        }
        response = self.execute(
            query=query, operation_name="RunCount", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return RunCount.model_validate(data)

    def runs_histories(
        self,
        project: str,
        specs: list[str],
        entity: Union[Optional[str], "UnsetType"] = UNSET,
        filters: Union[Optional[str], "UnsetType"] = UNSET,
        order: Union[Optional[str], "UnsetType"] = UNSET,
        first: Union[Optional[int], "UnsetType"] = UNSET,
        after: Union[Optional[str], "UnsetType"] = UNSET,
        **kwargs: Any,
    ) -> "RunsHistories":
        from .runs_histories import RunsHistories

        query = gql("""
            query RunsHistories($entity: String, $project: String!, $filters: JSONString, $order: String, $first: Int, $after: String, $specs: [JSONString!]!) {
              project(name: $project, entityName: $entity) {
                runs(filters: $filters, order: $order, first: $first, after: $after) {
                  pageInfo {
                    endCursor
                    hasNextPage
                  }
                  edges {
                    node {
                      name
                      sampledHistoryText(specs: $specs)
                    }
                  }
                }
              }
            }
            """)
        variables: dict[str, object] = {
            "entity": entity,
            "project": project,
            "filters": filters,
            "order": order,
            "first": first,
            "after": after,
            "specs": specs,
        }
        response = self.execute(
            query=query, operation_name="RunsHistories", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return RunsHistories.model_validate(data)

    def runs_events(
        self,
        project: str,
        entity: Union[Optional[str], "UnsetType"] = UNSET,
        filters: Union[Optional[str], "UnsetType"] = UNSET,
        order: Union[Optional[str], "UnsetType"] = UNSET,
        first: Union[Optional[int], "UnsetType"] = UNSET,
        after: Union[Optional[str], "UnsetType"] = UNSET,
        samples: Union[Optional[int], "UnsetType"] = UNSET,
        **kwargs: Any,
    ) -> "RunsEvents":
        from .runs_events import RunsEvents

        query = gql("""
            query RunsEvents($entity: String, $project: String!, $filters: JSONString, $order: String, $first: Int, $after: String, $samples: Int) {
              project(name: $project, entityName: $entity) {
                runs(filters: $filters, order: $order, first: $first, after: $after) {
                  pageInfo {
                    endCursor
                    hasNextPage
                  }
                  edges {
                    node {
                      name
                      events(samples: $samples)
                    }
                  }
                }
              }
            }
            """)
        variables: dict[str, object] = {
            "entity": entity,
            "project": project,
            "filters": filters,
            "order": order,
            "first": first,
            "after": after,
            "samples": samples,
        }
        response = self.execute(
            query=query, operation_name="RunsEvents", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return RunsEvents.model_validate(data)

    def run_events(
        self,
        project: str,
        name: str,
        entity: Union[Optional[str], "UnsetType"] = UNSET,
        samples: Union[Optional[int], "UnsetType"] = UNSET,
        **kwargs: Any,
    ) -> "RunEvents":
        from .run_events import RunEvents

        query = gql("""
            query RunEvents($entity: String, $project: String!, $name: String!, $samples: Int) {
              project(name: $project, entityName: $entity) {
                run(name: $name) {
                  events(samples: $samples)
                }
              }
            }
            """)
        variables: dict[str, object] = {
            "entity": entity,
            "project": project,
            "name": name,
            "samples": samples,
        }
        response = self.execute(
            query=query, operation_name="RunEvents", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return RunEvents.model_validate(data)

    def sampled_history(
        self,
        project: str,
        name: str,
        specs: list[str],
        entity: Union[Optional[str], "UnsetType"] = UNSET,
        **kwargs: Any,
    ) -> "SampledHistory":
        from .sampled_history import SampledHistory

        query = gql("""
            query SampledHistory($entity: String, $project: String!, $name: String!, $specs: [JSONString!]!) {
              project(name: $project, entityName: $entity) {
                run(name: $name) {
                  sampledHistoryText(specs: $specs)
                }
              }
            }
            """)
        variables: dict[str, object] = {
            "entity": entity,
            "project": project,
            "name": name,
            "specs": specs,
        }
        response = self.execute(
            query=query, operation_name="SampledHistory", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return SampledHistory.model_validate(data)

    def history_page(
        self,
        project: str,
        name: str,
        entity: Union[Optional[str], "UnsetType"] = UNSET,
        keys: Union[Optional[list[str]], "UnsetType"] = UNSET,
        min_step: Union[Optional[int], "UnsetType"] = UNSET,
        max_step: Union[Optional[int], "UnsetType"] = UNSET,
        limit: Union[Optional[int], "UnsetType"] = UNSET,
        **kwargs: Any,
    ) -> "HistoryPage":
        from .history_page import HistoryPage

        query = gql("""
            query HistoryPage($entity: String, $project: String!, $name: String!, $keys: [String!], $minStep: Int64, $maxStep: Int64, $limit: Int) {
              project(name: $project, entityName: $entity) {
                run(name: $name) {
                  historyPage(keys: $keys, minStep: $minStep, maxStep: $maxStep, limit: $limit) {
                    rows
                    nextStep
                  }
                }
              }
            }
            """)
        variables: dict[str, object] = {
            "entity": entity,
            "project": project,
            "name": name,
            "keys": keys,
            "minStep": min_step,
            "maxStep": max_step,
            "limit": limit,
        }
        response = self.execute(
            query=query, operation_name="HistoryPage", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return HistoryPage.model_validate(data)

    def registries(
        self,
        organization: Union[Optional[str], "UnsetType"] = UNSET,
        filters: Union[Optional[str], "UnsetType"] = UNSET,
        first: Union[Optional[int], "UnsetType"] = UNSET,
        after: Union[Optional[str], "UnsetType"] = UNSET,
        **kwargs: Any,
    ) -> "Registries":
        from .registries import Registries

        query = gql("""
            query Registries($organization: String, $filters: JSONString, $first: Int, $after: String) {
              registries(
                organization: $organization
                filters: $filters
                first: $first
                after: $after
              ) {
                pageInfo {
                  endCursor
                  hasNextPage
                }
                edges {
                  node {
                    ...RegistryFields
                  }
                }
              }
            }

            fragment RegistryFields on Registry {
              id
              name
              fullName
              organization
              description
              visibility
              artifactTypes
              allowAllArtifactTypes
              createdAt
              updatedAt
            }
            """)
        variables: dict[str, object] = {
            "organization": organization,
            "filters": filters,
            "first": first,
            "after": after,
        }
        response = self.execute(
            query=query, operation_name="Registries", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return Registries.model_validate(data)

    def registry(
        self,
        name: str,
        organization: Union[Optional[str], "UnsetType"] = UNSET,
        **kwargs: Any,
    ) -> "Registry":
        from .registry import Registry

        query = gql("""
            query Registry($name: String!, $organization: String) {
              registry(name: $name, organization: $organization) {
                ...RegistryFields
              }
            }

            fragment RegistryFields on Registry {
              id
              name
              fullName
              organization
              description
              visibility
              artifactTypes
              allowAllArtifactTypes
              createdAt
              updatedAt
            }
            """)
        variables: dict[str, object] = {"name": name, "organization": organization}
        response = self.execute(
            query=query, operation_name="Registry", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return Registry.model_validate(data)

    def registry_members(
        self,
        name: str,
        organization: Union[Optional[str], "UnsetType"] = UNSET,
        **kwargs: Any,
    ) -> "RegistryMembers":
        from .registry_members import RegistryMembers

        query = gql("""
            query RegistryMembers($name: String!, $organization: String) {
              registry(name: $name, organization: $organization) {
                members {
                  ...MemberFields
                }
              }
            }

            fragment MemberFields on Member {
              id
              username
              email
              role
            }
            """)
        variables: dict[str, object] = {"name": name, "organization": organization}
        response = self.execute(
            query=query, operation_name="RegistryMembers", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return RegistryMembers.model_validate(data)

    def registry_collections(
        self,
        organization: Union[Optional[str], "UnsetType"] = UNSET,
        registry_filters: Union[Optional[str], "UnsetType"] = UNSET,
        filters: Union[Optional[str], "UnsetType"] = UNSET,
        first: Union[Optional[int], "UnsetType"] = UNSET,
        after: Union[Optional[str], "UnsetType"] = UNSET,
        **kwargs: Any,
    ) -> "RegistryCollections":
        from .registry_collections import RegistryCollections

        query = gql("""
            query RegistryCollections($organization: String, $registryFilters: JSONString, $filters: JSONString, $first: Int, $after: String) {
              registryCollections(
                organization: $organization
                registryFilters: $registryFilters
                filters: $filters
                first: $first
                after: $after
              ) {
                ...ArtifactCollectionPage
              }
            }

            fragment ArtifactCollectionFields on ArtifactCollection {
              __typename
              id
              name
              kind
              typeName
              description
              tags {
                edges {
                  node {
                    name
                  }
                }
              }
              aliases(first: 1000) {
                ...CollectionAliasPage
              }
              entityName
              projectName
              createdAt
              updatedAt
            }

            fragment ArtifactCollectionPage on ArtifactCollectionConnection {
              totalCount
              pageInfo {
                endCursor
                hasNextPage
              }
              edges {
                node {
                  ...ArtifactCollectionFields
                }
              }
            }

            fragment CollectionAliasPage on ArtifactAliasConnection {
              edges {
                node {
                  alias
                }
              }
              pageInfo {
                endCursor
                hasNextPage
              }
            }
            """)
        variables: dict[str, object] = {
            "organization": organization,
            "registryFilters": registry_filters,
            "filters": filters,
            "first": first,
            "after": after,
        }
        response = self.execute(
            query=query,
            operation_name="RegistryCollections",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return RegistryCollections.model_validate(data)

    def registry_versions(
        self,
        organization: Union[Optional[str], "UnsetType"] = UNSET,
        registry_filters: Union[Optional[str], "UnsetType"] = UNSET,
        collection_filters: Union[Optional[str], "UnsetType"] = UNSET,
        filters: Union[Optional[str], "UnsetType"] = UNSET,
        first: Union[Optional[int], "UnsetType"] = UNSET,
        after: Union[Optional[str], "UnsetType"] = UNSET,
        **kwargs: Any,
    ) -> "RegistryVersions":
        from .registry_versions import RegistryVersions

        query = gql("""
            query RegistryVersions($organization: String, $registryFilters: JSONString, $collectionFilters: JSONString, $filters: JSONString, $first: Int, $after: String) {
              registryVersions(
                organization: $organization
                registryFilters: $registryFilters
                collectionFilters: $collectionFilters
                filters: $filters
                first: $first
                after: $after
              ) {
                ...ArtifactPage
              }
            }

            fragment ArtifactFields on Artifact {
              id
              versionIndex
              sourceVersionIndex
              isLink
              typeName
              digest
              state
              description
              metadata
              ttlDurationSeconds
              size
              fileCount
              createdAt
              updatedAt
              historyStep
              aliases {
                alias
              }
              tags {
                name
              }
              collection {
                ...CollectionRef
              }
              sourceCollection {
                ...CollectionRef
              }
            }

            fragment ArtifactPage on ArtifactConnection {
              totalCount
              pageInfo {
                endCursor
                hasNextPage
              }
              edges {
                node {
                  ...ArtifactFields
                }
              }
            }

            fragment CollectionRef on ArtifactCollection {
              __typename
              id
              name
              kind
              typeName
              entityName
              projectName
            }
            """)
        variables: dict[str, object] = {
            "organization": organization,
            "registryFilters": registry_filters,
            "collectionFilters": collection_filters,
            "filters": filters,
            "first": first,
            "after": after,
        }
        response = self.execute(
            query=query,
            operation_name="RegistryVersions",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return RegistryVersions.model_validate(data)

    def create_registry(
        self, input: "CreateRegistryInput", **kwargs: Any
    ) -> "CreateRegistry":
        from .create_registry import CreateRegistry

        query = gql("""
            mutation CreateRegistry($input: CreateRegistryInput!) {
              createRegistry(input: $input) {
                registry {
                  ...RegistryFields
                }
              }
            }

            fragment RegistryFields on Registry {
              id
              name
              fullName
              organization
              description
              visibility
              artifactTypes
              allowAllArtifactTypes
              createdAt
              updatedAt
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = self.execute(
            query=query, operation_name="CreateRegistry", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return CreateRegistry.model_validate(data)

    def update_registry(
        self, input: "UpdateRegistryInput", **kwargs: Any
    ) -> "UpdateRegistry":
        from .update_registry import UpdateRegistry

        query = gql("""
            mutation UpdateRegistry($input: UpdateRegistryInput!) {
              updateRegistry(input: $input) {
                registry {
                  ...RegistryFields
                }
              }
            }

            fragment RegistryFields on Registry {
              id
              name
              fullName
              organization
              description
              visibility
              artifactTypes
              allowAllArtifactTypes
              createdAt
              updatedAt
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = self.execute(
            query=query, operation_name="UpdateRegistry", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return UpdateRegistry.model_validate(data)

    def delete_registry(
        self, input: "DeleteRegistryInput", **kwargs: Any
    ) -> "DeleteRegistry":
        from .delete_registry import DeleteRegistry

        query = gql("""
            mutation DeleteRegistry($input: DeleteRegistryInput!) {
              deleteRegistry(input: $input) {
                success
              }
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = self.execute(
            query=query, operation_name="DeleteRegistry", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return DeleteRegistry.model_validate(data)

    def add_registry_members(
        self, input: "RegistryMembersInput", **kwargs: Any
    ) -> "AddRegistryMembers":
        from .add_registry_members import AddRegistryMembers

        query = gql("""
            mutation AddRegistryMembers($input: RegistryMembersInput!) {
              addRegistryMembers(input: $input) {
                registry {
                  members {
                    ...MemberFields
                  }
                }
              }
            }

            fragment MemberFields on Member {
              id
              username
              email
              role
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = self.execute(
            query=query,
            operation_name="AddRegistryMembers",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return AddRegistryMembers.model_validate(data)

    def remove_registry_members(
        self, input: "RegistryMembersInput", **kwargs: Any
    ) -> "RemoveRegistryMembers":
        from .remove_registry_members import RemoveRegistryMembers

        query = gql("""
            mutation RemoveRegistryMembers($input: RegistryMembersInput!) {
              removeRegistryMembers(input: $input) {
                registry {
                  members {
                    ...MemberFields
                  }
                }
              }
            }

            fragment MemberFields on Member {
              id
              username
              email
              role
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = self.execute(
            query=query,
            operation_name="RemoveRegistryMembers",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return RemoveRegistryMembers.model_validate(data)

    def run_resume_status(
        self,
        project: str,
        name: str,
        entity: Union[Optional[str], "UnsetType"] = UNSET,
        **kwargs: Any,
    ) -> "RunResumeStatus":
        from .run_resume_status import RunResumeStatus

        query = gql("""
            query RunResumeStatus($entity: String, $project: String!, $name: String!) {
              project(name: $project, entityName: $entity) {
                entityName
                run(name: $name) {
                  ...RunFields
                }
              }
            }

            fragment RunFields on Run {
              id
              name
              displayName
              state
              config
              summaryMetrics
              tags
              group
              jobType
              notes
              host
              exitCode
              createdAt
              heartbeatAt
              finishedAt
              historyLineCount
              lastHistoryStep
            }
            """)
        variables: dict[str, object] = {
            "entity": entity,
            "project": project,
            "name": name,
        }
        response = self.execute(
            query=query, operation_name="RunResumeStatus", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return RunResumeStatus.model_validate(data)

    def run_events_line_count(
        self,
        project: str,
        name: str,
        entity: Union[Optional[str], "UnsetType"] = UNSET,
        **kwargs: Any,
    ) -> "RunEventsLineCount":
        from .run_events_line_count import RunEventsLineCount

        query = gql("""
            query RunEventsLineCount($entity: String, $project: String!, $name: String!) {
              project(name: $project, entityName: $entity) {
                run(name: $name) {
                  eventsLineCount
                }
              }
            }
            """)
        variables: dict[str, object] = {
            "entity": entity,
            "project": project,
            "name": name,
        }
        response = self.execute(
            query=query,
            operation_name="RunEventsLineCount",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return RunEventsLineCount.model_validate(data)

    def run_history(
        self,
        project: str,
        name: str,
        entity: Union[Optional[str], "UnsetType"] = UNSET,
        samples: Union[Optional[int], "UnsetType"] = UNSET,
        min_step: Union[Optional[int], "UnsetType"] = UNSET,
        max_step: Union[Optional[int], "UnsetType"] = UNSET,
        **kwargs: Any,
    ) -> "RunHistory":
        from .run_history import RunHistory

        query = gql("""
            query RunHistory($entity: String, $project: String!, $name: String!, $samples: Int, $minStep: Int64, $maxStep: Int64) {
              project(name: $project, entityName: $entity) {
                run(name: $name) {
                  historyKeys
                  historyLineCount
                  history(samples: $samples, minStep: $minStep, maxStep: $maxStep)
                }
              }
            }
            """)
        variables: dict[str, object] = {
            "entity": entity,
            "project": project,
            "name": name,
            "samples": samples,
            "minStep": min_step,
            "maxStep": max_step,
        }
        response = self.execute(
            query=query, operation_name="RunHistory", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return RunHistory.model_validate(data)

    def upsert_bucket(
        self, input: "UpsertBucketInput", **kwargs: Any
    ) -> "UpsertBucket":
        from .upsert_bucket import UpsertBucket

        query = gql("""
            mutation UpsertBucket($input: UpsertBucketInput!) {
              upsertBucket(input: $input) {
                inserted
                bucket {
                  ...RunFields
                  project {
                    name
                    entityName
                  }
                }
              }
            }

            fragment RunFields on Run {
              id
              name
              displayName
              state
              config
              summaryMetrics
              tags
              group
              jobType
              notes
              host
              exitCode
              createdAt
              heartbeatAt
              finishedAt
              historyLineCount
              lastHistoryStep
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = self.execute(
            query=query, operation_name="UpsertBucket", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return UpsertBucket.model_validate(data)

    def log_history(self, input: "LogHistoryInput", **kwargs: Any) -> "LogHistory":
        from .log_history import LogHistory

        query = gql("""
            mutation LogHistory($input: LogHistoryInput!) {
              logHistory(input: $input) {
                accepted
                historyLineCount
                lastHistoryStep
                state
              }
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = self.execute(
            query=query, operation_name="LogHistory", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return LogHistory.model_validate(data)

    def run_stopped(
        self,
        project: str,
        run: str,
        entity: Union[Optional[str], "UnsetType"] = UNSET,
        **kwargs: Any,
    ) -> "RunStopped":
        from .run_stopped import RunStopped

        query = gql("""
            query RunStopped($entity: String, $project: String!, $run: String!) {
              project(name: $project, entityName: $entity) {
                run(name: $run) {
                  stopped
                }
              }
            }
            """)
        variables: dict[str, object] = {
            "entity": entity,
            "project": project,
            "run": run,
        }
        response = self.execute(
            query=query, operation_name="RunStopped", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return RunStopped.model_validate(data)

    def rewind_run(
        self,
        run_name: str,
        metric_name: str,
        metric_value: float,
        entity: Union[Optional[str], "UnsetType"] = UNSET,
        project: Union[Optional[str], "UnsetType"] = UNSET,
        **kwargs: Any,
    ) -> "RewindRun":
        from .rewind_run import RewindRun

        query = gql("""
            mutation RewindRun($runName: String!, $entity: String, $project: String, $metricName: String!, $metricValue: Float!) {
              rewindRun(
                input: {runName: $runName, entityName: $entity, projectName: $project, metricName: $metricName, metricValue: $metricValue}
              ) {
                rewoundRun {
                  ...RunFields
                }
              }
            }

            fragment RunFields on Run {
              id
              name
              displayName
              state
              config
              summaryMetrics
              tags
              group
              jobType
              notes
              host
              exitCode
              createdAt
              heartbeatAt
              finishedAt
              historyLineCount
              lastHistoryStep
            }
            """)
        variables: dict[str, object] = {
            "runName": run_name,
            "entity": entity,
            "project": project,
            "metricName": metric_name,
            "metricValue": metric_value,
        }
        response = self.execute(
            query=query, operation_name="RewindRun", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return RewindRun.model_validate(data)

    def delete_run(self, input: "DeleteRunInput", **kwargs: Any) -> "DeleteRun":
        from .delete_run import DeleteRun

        query = gql("""
            mutation DeleteRun($input: DeleteRunInput!) {
              deleteRun(input: $input) {
                success
              }
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = self.execute(
            query=query, operation_name="DeleteRun", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return DeleteRun.model_validate(data)

    def stop_run(self, input: "StopRunInput", **kwargs: Any) -> "StopRun":
        from .stop_run import StopRun

        query = gql("""
            mutation StopRun($input: StopRunInput!) {
              stopRun(input: $input) {
                success
              }
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = self.execute(
            query=query, operation_name="StopRun", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return StopRun.model_validate(data)

    def upsert_sweep(self, input: "UpsertSweepInput", **kwargs: Any) -> "UpsertSweep":
        from .upsert_sweep import UpsertSweep

        query = gql("""
            mutation UpsertSweep($input: UpsertSweepInput!) {
              upsertSweep(input: $input) {
                inserted
                sweep {
                  ...SweepFields
                }
              }
            }

            fragment SweepFields on Sweep {
              id
              name
              displayName
              description
              state
              method
              config
              runCount
              runCountExpected
              createdAt
              updatedAt
              project {
                name
                entityName
              }
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = self.execute(
            query=query, operation_name="UpsertSweep", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return UpsertSweep.model_validate(data)

    def project_sweep(
        self,
        project: str,
        name: str,
        entity: Union[Optional[str], "UnsetType"] = UNSET,
        **kwargs: Any,
    ) -> "ProjectSweep":
        from .project_sweep import ProjectSweep

        query = gql("""
            query ProjectSweep($entity: String, $project: String!, $name: String!) {
              project(name: $project, entityName: $entity) {
                sweep(sweepName: $name) {
                  ...SweepFields
                }
              }
            }

            fragment SweepFields on Sweep {
              id
              name
              displayName
              description
              state
              method
              config
              runCount
              runCountExpected
              createdAt
              updatedAt
              project {
                name
                entityName
              }
            }
            """)
        variables: dict[str, object] = {
            "entity": entity,
            "project": project,
            "name": name,
        }
        response = self.execute(
            query=query, operation_name="ProjectSweep", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return ProjectSweep.model_validate(data)

    def project_sweeps(
        self,
        project: str,
        entity: Union[Optional[str], "UnsetType"] = UNSET,
        first: Union[Optional[int], "UnsetType"] = UNSET,
        after: Union[Optional[str], "UnsetType"] = UNSET,
        **kwargs: Any,
    ) -> "ProjectSweeps":
        from .project_sweeps import ProjectSweeps

        query = gql("""
            query ProjectSweeps($entity: String, $project: String!, $first: Int, $after: String) {
              project(name: $project, entityName: $entity) {
                totalSweeps
                sweeps(first: $first, after: $after) {
                  pageInfo {
                    endCursor
                    hasNextPage
                  }
                  edges {
                    node {
                      ...SweepFields
                    }
                  }
                }
              }
            }

            fragment SweepFields on Sweep {
              id
              name
              displayName
              description
              state
              method
              config
              runCount
              runCountExpected
              createdAt
              updatedAt
              project {
                name
                entityName
              }
            }
            """)
        variables: dict[str, object] = {
            "entity": entity,
            "project": project,
            "first": first,
            "after": after,
        }
        response = self.execute(
            query=query, operation_name="ProjectSweeps", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return ProjectSweeps.model_validate(data)

    def create_agent(self, input: "CreateAgentInput", **kwargs: Any) -> "CreateAgent":
        from .create_agent import CreateAgent

        query = gql("""
            mutation CreateAgent($input: CreateAgentInput!) {
              createAgent(input: $input) {
                agent {
                  id
                  state
                  sweepName
                }
              }
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = self.execute(
            query=query, operation_name="CreateAgent", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return CreateAgent.model_validate(data)

    def agent_heartbeat(
        self, input: "AgentHeartbeatInput", **kwargs: Any
    ) -> "AgentHeartbeat":
        from .agent_heartbeat import AgentHeartbeat

        query = gql("""
            mutation AgentHeartbeat($input: AgentHeartbeatInput!) {
              agentHeartbeat(input: $input) {
                commands
                agent {
                  id
                  state
                }
              }
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = self.execute(
            query=query, operation_name="AgentHeartbeat", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return AgentHeartbeat.model_validate(data)

    def team(self, name: str, **kwargs: Any) -> "Team":
        from .team import Team

        query = gql("""
            query Team($name: String!) {
              entity(name: $name) {
                id
                name
                isTeam
                members {
                  ...MemberFields
                }
              }
            }

            fragment MemberFields on Member {
              id
              username
              email
              role
            }
            """)
        variables: dict[str, object] = {"name": name}
        response = self.execute(
            query=query, operation_name="Team", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return Team.model_validate(data)

    def create_team(self, input: "CreateTeamInput", **kwargs: Any) -> "CreateTeam":
        from .create_team import CreateTeam

        query = gql("""
            mutation CreateTeam($input: CreateTeamInput!) {
              createTeam(input: $input) {
                entity {
                  id
                  name
                  isTeam
                }
              }
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = self.execute(
            query=query, operation_name="CreateTeam", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return CreateTeam.model_validate(data)

    def create_invite(
        self, input: "CreateInviteInput", **kwargs: Any
    ) -> "CreateInvite":
        from .create_invite import CreateInvite

        query = gql("""
            mutation CreateInvite($input: CreateInviteInput!) {
              createInvite(input: $input) {
                member {
                  ...MemberFields
                }
              }
            }

            fragment MemberFields on Member {
              id
              username
              email
              role
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = self.execute(
            query=query, operation_name="CreateInvite", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return CreateInvite.model_validate(data)

    def delete_invite(
        self, input: "DeleteInviteInput", **kwargs: Any
    ) -> "DeleteInvite":
        from .delete_invite import DeleteInvite

        query = gql("""
            mutation DeleteInvite($input: DeleteInviteInput!) {
              deleteInvite(input: $input) {
                success
              }
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = self.execute(
            query=query, operation_name="DeleteInvite", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return DeleteInvite.model_validate(data)

    def create_user(self, input: "CreateUserInput", **kwargs: Any) -> "CreateUser":
        from .create_user import CreateUser

        query = gql("""
            mutation CreateUser($input: CreateUserInput!) {
              createUser(input: $input) {
                user {
                  id
                  username
                  email
                  admin
                  entity
                }
              }
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = self.execute(
            query=query, operation_name="CreateUser", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return CreateUser.model_validate(data)

    def generate_api_key(
        self, input: "GenerateApiKeyInput", **kwargs: Any
    ) -> "GenerateApiKey":
        from .generate_api_key import GenerateApiKey

        query = gql("""
            mutation GenerateApiKey($input: GenerateApiKeyInput!) {
              generateApiKey(input: $input) {
                key
                apiKey {
                  id
                  name
                  description
                }
              }
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = self.execute(
            query=query, operation_name="GenerateApiKey", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return GenerateApiKey.model_validate(data)

    def delete_api_key(
        self, input: "DeleteApiKeyInput", **kwargs: Any
    ) -> "DeleteApiKey":
        from .delete_api_key import DeleteApiKey

        query = gql("""
            mutation DeleteApiKey($input: DeleteApiKeyInput!) {
              deleteApiKey(input: $input) {
                success
              }
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = self.execute(
            query=query, operation_name="DeleteApiKey", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return DeleteApiKey.model_validate(data)

    def user(self, user_name: str, **kwargs: Any) -> "User":
        from .user import User

        query = gql("""
            query User($userName: String!) {
              user(userName: $userName) {
                ...UserFields
              }
            }

            fragment UserFields on User {
              id
              username
              email
              admin
              entity
              teams(first: 1000) {
                edges {
                  node {
                    name
                    isTeam
                  }
                }
              }
              apiKeys {
                edges {
                  node {
                    id
                    name
                    description
                  }
                }
              }
            }
            """)
        variables: dict[str, object] = {"userName": user_name}
        response = self.execute(
            query=query, operation_name="User", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return User.model_validate(data)

    def users(
        self,
        query: Union[Optional[str], "UnsetType"] = UNSET,
        first: Union[Optional[int], "UnsetType"] = UNSET,
        **kwargs: Any,
    ) -> "Users":
        from .users import Users

        _query = gql("""
            query Users($query: String, $first: Int) {
              users(query: $query, first: $first) {
                edges {
                  node {
                    ...UserFields
                  }
                }
              }
            }

            fragment UserFields on User {
              id
              username
              email
              admin
              entity
              teams(first: 1000) {
                edges {
                  node {
                    name
                    isTeam
                  }
                }
              }
              apiKeys {
                edges {
                  node {
                    id
                    name
                    description
                  }
                }
              }
            }
            """)
        variables: dict[str, object] = {"query": query, "first": first}
        response = self.execute(
            query=_query, operation_name="Users", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return Users.model_validate(data)

    def viewer(self, **kwargs: Any) -> "Viewer":
        from .viewer import Viewer

        query = gql("""
            query Viewer {
              viewer {
                ...UserFields
              }
            }

            fragment UserFields on User {
              id
              username
              email
              admin
              entity
              teams(first: 1000) {
                edges {
                  node {
                    name
                    isTeam
                  }
                }
              }
              apiKeys {
                edges {
                  node {
                    id
                    name
                    description
                  }
                }
              }
            }
            """)
        variables: dict[str, object] = {}
        response = self.execute(
            query=query, operation_name="Viewer", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return Viewer.model_validate(data)

    def server_info(self, **kwargs: Any) -> "ServerInfo":
        from .server_info import ServerInfo

        query = gql("""
            query ServerInfo {
              serverInfo {
                version
                maxRequestBytes
                heartbeatTimeoutSeconds
              }
            }
            """)
        variables: dict[str, object] = {}
        response = self.execute(
            query=query, operation_name="ServerInfo", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return ServerInfo.model_validate(data)
