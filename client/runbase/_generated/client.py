from typing import TYPE_CHECKING, Any, Optional, Union

from .base_client import BaseClient
from .base_model import UNSET

if TYPE_CHECKING:
    from .base_model import UnsetType
    from .create_invite import CreateInvite
    from .create_team import CreateTeam
    from .create_user import CreateUser
    from .delete_api_key import DeleteApiKey
    from .delete_invite import DeleteInvite
    from .delete_run import DeleteRun
    from .generate_api_key import GenerateApiKey
    from .history_page import HistoryPage
    from .input_types import (
        CreateInviteInput,
        CreateTeamInput,
        CreateUserInput,
        DeleteApiKeyInput,
        DeleteInviteInput,
        DeleteRunInput,
        GenerateApiKeyInput,
        LogHistoryInput,
        UpsertBucketInput,
        UpsertModelInput,
    )
    from .log_history import LogHistory
    from .project import Project
    from .projects import Projects
    from .public_run import PublicRun
    from .run_count import RunCount
    from .run_history import RunHistory
    from .run_resume_status import RunResumeStatus
    from .runs import Runs
    from .runs_histories import RunsHistories
    from .sampled_history import SampledHistory
    from .server_info import ServerInfo
    from .team import Team
    from .upsert_bucket import UpsertBucket
    from .upsert_model import UpsertModel
    from .user import User
    from .users import Users
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
