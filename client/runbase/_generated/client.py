from typing import TYPE_CHECKING, Any, Optional, Union

from .base_client import BaseClient
from .base_model import UNSET

if TYPE_CHECKING:
    from .base_model import UnsetType
    from .create_user import CreateUser
    from .delete_api_key import DeleteApiKey
    from .delete_run import DeleteRun
    from .generate_api_key import GenerateApiKey
    from .input_types import (
        CreateUserInput,
        DeleteApiKeyInput,
        DeleteRunInput,
        GenerateApiKeyInput,
        LogHistoryInput,
        UpsertBucketInput,
        UpsertModelInput,
    )
    from .log_history import LogHistory
    from .run_history import RunHistory
    from .run_resume_status import RunResumeStatus
    from .server_info import ServerInfo
    from .upsert_bucket import UpsertBucket
    from .upsert_model import UpsertModel
    from .viewer import Viewer


def gql(q: str) -> str:
    return q


class GraphQLClient(BaseClient):
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

    def viewer(self, **kwargs: Any) -> "Viewer":
        from .viewer import Viewer

        query = gql("""
            query Viewer {
              viewer {
                id
                username
                email
                admin
                entity
                teams {
                  name
                  isTeam
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
