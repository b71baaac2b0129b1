import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .base_client import BaseClient
    from .base_model import BaseModel, Upload
    from .client import GraphQLClient
    from .create_invite import (
        CreateInvite,
        CreateInviteCreateInvite,
        CreateInviteCreateInviteMember,
    )
    from .create_team import (
        CreateTeam,
        CreateTeamCreateTeam,
        CreateTeamCreateTeamEntity,
    )
    from .create_user import CreateUser, CreateUserCreateUser, CreateUserCreateUserUser
    from .delete_api_key import DeleteApiKey, DeleteApiKeyDeleteApiKey
    from .delete_invite import DeleteInvite, DeleteInviteDeleteInvite
    from .delete_run import DeleteRun, DeleteRunDeleteRun
    from .exceptions import (
        GraphQLClientError,
        GraphQLClientGraphQLError,
        GraphQLClientGraphQLMultiError,
        GraphQLClientHttpError,
        GraphQLClientInvalidResponseError,
    )
    from .fragments import (
        MemberFields,
        ProjectFields,
        PublicRunFields,
        PublicRunFieldsProject,
        PublicRunFieldsUser,
        RunFields,
        UserFields,
        UserFieldsApiKeys,
        UserFieldsTeams,
    )
    from .generate_api_key import (
        GenerateApiKey,
        GenerateApiKeyGenerateApiKey,
        GenerateApiKeyGenerateApiKeyApiKey,
    )
    from .history_page import (
        HistoryPage,
        HistoryPageProject,
        HistoryPageProjectRun,
        HistoryPageProjectRunHistoryPage,
    )
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
    from .log_history import LogHistory, LogHistoryLogHistory
    from .project import Project, ProjectProject
    from .projects import (
        Projects,
        ProjectsProjects,
        ProjectsProjectsEdges,
        ProjectsProjectsEdgesNode,
        ProjectsProjectsPageInfo,
    )
    from .public_run import PublicRun, PublicRunProject, PublicRunProjectRun
    from .run_count import RunCount, RunCountProject
    from .run_history import RunHistory, RunHistoryProject, RunHistoryProjectRun
    from .run_resume_status import (
        RunResumeStatus,
        RunResumeStatusProject,
        RunResumeStatusProjectRun,
    )
    from .runs import (
        Runs,
        RunsProject,
        RunsProjectRuns,
        RunsProjectRunsEdges,
        RunsProjectRunsEdgesNode,
        RunsProjectRunsPageInfo,
    )
    from .runs_histories import (
        RunsHistories,
        RunsHistoriesProject,
        RunsHistoriesProjectRuns,
        RunsHistoriesProjectRunsEdges,
        RunsHistoriesProjectRunsEdgesNode,
        RunsHistoriesProjectRunsPageInfo,
    )
    from .sampled_history import (
        SampledHistory,
        SampledHistoryProject,
        SampledHistoryProjectRun,
    )
    from .server_info import ServerInfo, ServerInfoServerInfo
    from .team import Team, TeamEntity, TeamEntityMembers
    from .upsert_bucket import (
        UpsertBucket,
        UpsertBucketUpsertBucket,
        UpsertBucketUpsertBucketBucket,
        UpsertBucketUpsertBucketBucketProject,
    )
    from .upsert_model import (
        UpsertModel,
        UpsertModelUpsertModel,
        UpsertModelUpsertModelProject,
    )
    from .user import User, UserUser
    from .users import Users, UsersUsers
    from .viewer import Viewer, ViewerViewer
_LAZY_IMPORTS = {
    "BaseClient": ".base_client",
    "BaseModel": ".base_model",
    "CreateInvite": ".create_invite",
    "CreateInviteCreateInvite": ".create_invite",
    "CreateInviteCreateInviteMember": ".create_invite",
    "CreateInviteInput": ".input_types",
    "CreateTeam": ".create_team",
    "CreateTeamCreateTeam": ".create_team",
    "CreateTeamCreateTeamEntity": ".create_team",
    "CreateTeamInput": ".input_types",
    "CreateUser": ".create_user",
    "CreateUserCreateUser": ".create_user",
    "CreateUserCreateUserUser": ".create_user",
    "CreateUserInput": ".input_types",
    "DeleteApiKey": ".delete_api_key",
    "DeleteApiKeyDeleteApiKey": ".delete_api_key",
    "DeleteApiKeyInput": ".input_types",
    "DeleteInvite": ".delete_invite",
    "DeleteInviteDeleteInvite": ".delete_invite",
    "DeleteInviteInput": ".input_types",
    "DeleteRun": ".delete_run",
    "DeleteRunDeleteRun": ".delete_run",
    "DeleteRunInput": ".input_types",
    "GenerateApiKey": ".generate_api_key",
    "GenerateApiKeyGenerateApiKey": ".generate_api_key",
    "GenerateApiKeyGenerateApiKeyApiKey": ".generate_api_key",
    "GenerateApiKeyInput": ".input_types",
    "GraphQLClient": ".client",
    "GraphQLClientError": ".exceptions",
    "GraphQLClientGraphQLError": ".exceptions",
    "GraphQLClientGraphQLMultiError": ".exceptions",
    "GraphQLClientHttpError": ".exceptions",
    "GraphQLClientInvalidResponseError": ".exceptions",
    "HistoryPage": ".history_page",
    "HistoryPageProject": ".history_page",
    "HistoryPageProjectRun": ".history_page",
    "HistoryPageProjectRunHistoryPage": ".history_page",
    "LogHistory": ".log_history",
    "LogHistoryInput": ".input_types",
    "LogHistoryLogHistory": ".log_history",
    "MemberFields": ".fragments",
    "Project": ".project",
    "ProjectFields": ".fragments",
    "ProjectProject": ".project",
    "Projects": ".projects",
    "ProjectsProjects": ".projects",
    "ProjectsProjectsEdges": ".projects",
    "ProjectsProjectsEdgesNode": ".projects",
    "ProjectsProjectsPageInfo": ".projects",
    "PublicRun": ".public_run",
    "PublicRunFields": ".fragments",
    "PublicRunFieldsProject": ".fragments",
    "PublicRunFieldsUser": ".fragments",
    "PublicRunProject": ".public_run",
    "PublicRunProjectRun": ".public_run",
    "RunCount": ".run_count",
    "RunCountProject": ".run_count",
    "RunFields": ".fragments",
    "RunHistory": ".run_history",
    "RunHistoryProject": ".run_history",
    "RunHistoryProjectRun": ".run_history",
    "RunResumeStatus": ".run_resume_status",
    "RunResumeStatusProject": ".run_resume_status",
    "RunResumeStatusProjectRun": ".run_resume_status",
    "Runs": ".runs",
    "RunsHistories": ".runs_histories",
    "RunsHistoriesProject": ".runs_histories",
    "RunsHistoriesProjectRuns": ".runs_histories",
    "RunsHistoriesProjectRunsEdges": ".runs_histories",
    "RunsHistoriesProjectRunsEdgesNode": ".runs_histories",
    "RunsHistoriesProjectRunsPageInfo": ".runs_histories",
    "RunsProject": ".runs",
    "RunsProjectRuns": ".runs",
    "RunsProjectRunsEdges": ".runs",
    "RunsProjectRunsEdgesNode": ".runs",
    "RunsProjectRunsPageInfo": ".runs",
    "SampledHistory": ".sampled_history",
    "SampledHistoryProject": ".sampled_history",
    "SampledHistoryProjectRun": ".sampled_history",
    "ServerInfo": ".server_info",
    "ServerInfoServerInfo": ".server_info",
    "Team": ".team",
    "TeamEntity": ".team",
    "TeamEntityMembers": ".team",
    "Upload": ".base_model",
    "UpsertBucket": ".upsert_bucket",
    "UpsertBucketInput": ".input_types",
    "UpsertBucketUpsertBucket": ".upsert_bucket",
    "UpsertBucketUpsertBucketBucket": ".upsert_bucket",
    "UpsertBucketUpsertBucketBucketProject": ".upsert_bucket",
    "UpsertModel": ".upsert_model",
    "UpsertModelInput": ".input_types",
    "UpsertModelUpsertModel": ".upsert_model",
    "UpsertModelUpsertModelProject": ".upsert_model",
    "User": ".user",
    "UserFields": ".fragments",
    "UserFieldsApiKeys": ".fragments",
    "UserFieldsTeams": ".fragments",
    "UserUser": ".user",
    "Users": ".users",
    "UsersUsers": ".users",
    "Viewer": ".viewer",
    "ViewerViewer": ".viewer",
}


def __getattr__(name):
    """Import the module a generated name lives in, the first time it is used."""
    module_name = _LAZY_IMPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module_name, __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(__all__)


__all__ = [
    "BaseClient",
    "BaseModel",
    "CreateInvite",
    "CreateInviteCreateInvite",
    "CreateInviteCreateInviteMember",
    "CreateInviteInput",
    "CreateTeam",
    "CreateTeamCreateTeam",
    "CreateTeamCreateTeamEntity",
    "CreateTeamInput",
    "CreateUser",
    "CreateUserCreateUser",
    "CreateUserCreateUserUser",
    "CreateUserInput",
    "DeleteApiKey",
    "DeleteApiKeyDeleteApiKey",
    "DeleteApiKeyInput",
    "DeleteInvite",
    "DeleteInviteDeleteInvite",
    "DeleteInviteInput",
    "DeleteRun",
    "DeleteRunDeleteRun",
    "DeleteRunInput",
    "GenerateApiKey",
    "GenerateApiKeyGenerateApiKey",
    "GenerateApiKeyGenerateApiKeyApiKey",
    "GenerateApiKeyInput",
    "GraphQLClient",
    "GraphQLClientError",
    "GraphQLClientGraphQLError",
    "GraphQLClientGraphQLMultiError",
    "GraphQLClientHttpError",
    "GraphQLClientInvalidResponseError",
    "HistoryPage",
    "HistoryPageProject",
    "HistoryPageProjectRun",
    "HistoryPageProjectRunHistoryPage",
    "LogHistory",
    "LogHistoryInput",
    "LogHistoryLogHistory",
    "MemberFields",
    "Project",
    "ProjectFields",
    "ProjectProject",
    "Projects",
    "ProjectsProjects",
    "ProjectsProjectsEdges",
    "ProjectsProjectsEdgesNode",
    "ProjectsProjectsPageInfo",
    "PublicRun",
    "PublicRunFields",
    "PublicRunFieldsProject",
    "PublicRunFieldsUser",
    "PublicRunProject",
    "PublicRunProjectRun",
    "RunCount",
    "RunCountProject",
    "RunFields",
    "RunHistory",
    "RunHistoryProject",
    "RunHistoryProjectRun",
    "RunResumeStatus",
    "RunResumeStatusProject",
    "RunResumeStatusProjectRun",
    "Runs",
    "RunsHistories",
    "RunsHistoriesProject",
    "RunsHistoriesProjectRuns",
    "RunsHistoriesProjectRunsEdges",
    "RunsHistoriesProjectRunsEdgesNode",
    "RunsHistoriesProjectRunsPageInfo",
    "RunsProject",
    "RunsProjectRuns",
    "RunsProjectRunsEdges",
    "RunsProjectRunsEdgesNode",
    "RunsProjectRunsPageInfo",
    "SampledHistory",
    "SampledHistoryProject",
    "SampledHistoryProjectRun",
    "ServerInfo",
    "ServerInfoServerInfo",
    "Team",
    "TeamEntity",
    "TeamEntityMembers",
    "Upload",
    "UpsertBucket",
    "UpsertBucketInput",
    "UpsertBucketUpsertBucket",
    "UpsertBucketUpsertBucketBucket",
    "UpsertBucketUpsertBucketBucketProject",
    "UpsertModel",
    "UpsertModelInput",
    "UpsertModelUpsertModel",
    "UpsertModelUpsertModelProject",
    "User",
    "UserFields",
    "UserFieldsApiKeys",
    "UserFieldsTeams",
    "UserUser",
    "Users",
    "UsersUsers",
    "Viewer",
    "ViewerViewer",
]
