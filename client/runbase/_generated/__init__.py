import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .base_client import BaseClient
    from .base_model import BaseModel, Upload
    from .client import GraphQLClient
    from .create_user import CreateUser, CreateUserCreateUser, CreateUserCreateUserUser
    from .delete_api_key import DeleteApiKey, DeleteApiKeyDeleteApiKey
    from .delete_run import DeleteRun, DeleteRunDeleteRun
    from .exceptions import (
        GraphQLClientError,
        GraphQLClientGraphQLError,
        GraphQLClientGraphQLMultiError,
        GraphQLClientHttpError,
        GraphQLClientInvalidResponseError,
    )
    from .fragments import RunFields
    from .generate_api_key import (
        GenerateApiKey,
        GenerateApiKeyGenerateApiKey,
        GenerateApiKeyGenerateApiKeyApiKey,
    )
    from .input_types import (
        CreateUserInput,
        DeleteApiKeyInput,
        DeleteRunInput,
        GenerateApiKeyInput,
        LogHistoryInput,
        UpsertBucketInput,
        UpsertModelInput,
    )
    from .log_history import LogHistory, LogHistoryLogHistory
    from .run_history import RunHistory, RunHistoryProject, RunHistoryProjectRun
    from .run_resume_status import (
        RunResumeStatus,
        RunResumeStatusProject,
        RunResumeStatusProjectRun,
    )
    from .server_info import ServerInfo, ServerInfoServerInfo
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
    from .viewer import Viewer, ViewerViewer, ViewerViewerTeams
_LAZY_IMPORTS = {
    "BaseClient": ".base_client",
    "BaseModel": ".base_model",
    "CreateUser": ".create_user",
    "CreateUserCreateUser": ".create_user",
    "CreateUserCreateUserUser": ".create_user",
    "CreateUserInput": ".input_types",
    "DeleteApiKey": ".delete_api_key",
    "DeleteApiKeyDeleteApiKey": ".delete_api_key",
    "DeleteApiKeyInput": ".input_types",
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
    "LogHistory": ".log_history",
    "LogHistoryInput": ".input_types",
    "LogHistoryLogHistory": ".log_history",
    "RunFields": ".fragments",
    "RunHistory": ".run_history",
    "RunHistoryProject": ".run_history",
    "RunHistoryProjectRun": ".run_history",
    "RunResumeStatus": ".run_resume_status",
    "RunResumeStatusProject": ".run_resume_status",
    "RunResumeStatusProjectRun": ".run_resume_status",
    "ServerInfo": ".server_info",
    "ServerInfoServerInfo": ".server_info",
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
    "Viewer": ".viewer",
    "ViewerViewer": ".viewer",
    "ViewerViewerTeams": ".viewer",
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
    "CreateUser",
    "CreateUserCreateUser",
    "CreateUserCreateUserUser",
    "CreateUserInput",
    "DeleteApiKey",
    "DeleteApiKeyDeleteApiKey",
    "DeleteApiKeyInput",
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
    "LogHistory",
    "LogHistoryInput",
    "LogHistoryLogHistory",
    "RunFields",
    "RunHistory",
    "RunHistoryProject",
    "RunHistoryProjectRun",
    "RunResumeStatus",
    "RunResumeStatusProject",
    "RunResumeStatusProjectRun",
    "ServerInfo",
    "ServerInfoServerInfo",
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
    "Viewer",
    "ViewerViewer",
    "ViewerViewerTeams",
]
