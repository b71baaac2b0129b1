from typing import TYPE_CHECKING, Any, Optional, Union

from .base_client import BaseClient
from .base_model import UNSET

if TYPE_CHECKING:
    from .base_model import UnsetType
    from .create_filter_trigger import CreateFilterTrigger
    from .create_generic_webhook_integration import CreateGenericWebhookIntegration
    from .create_invite import CreateInvite
    from .create_slack_integration import CreateSlackIntegration
    from .create_team import CreateTeam
    from .create_user import CreateUser
    from .delete_api_key import DeleteApiKey
    from .delete_integration import DeleteIntegration
    from .delete_invite import DeleteInvite
    from .delete_run import DeleteRun
    from .delete_trigger import DeleteTrigger
    from .delivery import Delivery
    from .generate_api_key import GenerateApiKey
    from .history_page import HistoryPage
    from .input_types import (
        CreateFilterTriggerInput,
        CreateGenericWebhookIntegrationInput,
        CreateInviteInput,
        CreateSlackIntegrationInput,
        CreateTeamInput,
        CreateUserInput,
        DeleteApiKeyInput,
        DeleteIntegrationInput,
        DeleteInviteInput,
        DeleteRunInput,
        DeleteTriggerInput,
        GenerateApiKeyInput,
        LogHistoryInput,
        NotifyScriptableRunAlertInput,
        RedeliverInput,
        UpdateFilterTriggerInput,
        UpsertBucketInput,
        UpsertModelInput,
        UpsertRunFilesInput,
    )
    from .integrations import Integrations
    from .log_history import LogHistory
    from .notify_scriptable_run_alert import NotifyScriptableRunAlert
    from .project import Project
    from .project_triggers import ProjectTriggers
    from .projects import Projects
    from .public_run import PublicRun
    from .redeliver import Redeliver
    from .run_console import RunConsole
    from .run_count import RunCount
    from .run_file import RunFile
    from .run_files import RunFiles
    from .run_history import RunHistory
    from .run_resume_status import RunResumeStatus
    from .runs import Runs
    from .runs_histories import RunsHistories
    from .sampled_history import SampledHistory
    from .server_info import ServerInfo
    from .team import Team
    from .trigger import Trigger
    from .trigger_deliveries import TriggerDeliveries
    from .triggers import Triggers
    from .update_filter_trigger import UpdateFilterTrigger
    from .upsert_bucket import UpsertBucket
    from .upsert_model import UpsertModel
    from .upsert_run_files import UpsertRunFiles
    from .user import User
    from .users import Users
    from .viewer import Viewer


def gql(q: str) -> str:
    return q


class GraphQLClient(BaseClient):
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
                      sampledHistory(specs: $specs)
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
                  sampledHistory(specs: $specs)
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
              teams {
                name
                isTeam
              }
              apiKeys {
                id
                name
                description
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
        query: str,
        first: Union[Optional[int], "UnsetType"] = UNSET,
        **kwargs: Any,
    ) -> "Users":
        from .users import Users

        _query = gql("""
            query Users($query: String!, $first: Int) {
              users(query: $query, first: $first) {
                ...UserFields
              }
            }

            fragment UserFields on User {
              id
              username
              email
              admin
              entity
              teams {
                name
                isTeam
              }
              apiKeys {
                id
                name
                description
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
              teams {
                name
                isTeam
              }
              apiKeys {
                id
                name
                description
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
