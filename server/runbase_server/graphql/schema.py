"""The GraphQL schema: its root types, assembled from each domain's queries and mutations, and `build`.

The served schema must equal schema.graphql; descriptions are taken from that
file so the documentation lives in one place."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import strawberry
from graphql import (
    GraphQLField,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    build_schema,
)
from sqlalchemy.exc import DBAPIError, InvalidRequestError
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.utils.logging import StrawberryLogger

from .. import __version__
from ..errors import IN_FAILED_TRANSACTION, is_internal, is_race, is_unreachable
from .artifact_uploads import ArtifactUploadMutations
from .artifacts import ArtifactMutations, ArtifactPortfolio, ArtifactQueries
from .automations import AutomationMutations, AutomationQueries
from .base import JSON, SCALARS, Info, Int64
from .files import FileMutations
from .registries import RegistryMutations, RegistryQueries
from .runs import RunMutations, RunQueries
from .sweeps import SweepMutations
from .users import UserMutations, UserQueries

CONTRACT = Path(__file__).parent.parent / "schema.graphql"
MAX_TOKENS = 2000  # per document, so parsing a request stays cheap


# The features of W&B's server (by its names) that runbase has, as W&B's clients check them before using one:
# the file connection's totalCount, a project's artifact collection memberships by name, their files, and the
# membership in linkArtifact's answer (older clients read versions and their files another way without them).
# The newest official wandb release runbase is tested with (tests/wandb-client-requirements.txt): W&B's older clients
# read it as the newest client the server knows and send the shapes of their time only to servers older than theirs.
NEWEST_CLIENT = "0.31.0"
FEATURES = ("TOTAL_COUNT_IN_FILE_CONNECTION", "PROJECT_ARTIFACT_COLLECTION_MEMBERSHIP",
            "ARTIFACT_COLLECTION_MEMBERSHIP_FILES", "ARTIFACT_MEMBERSHIP_IN_LINK_ARTIFACT_RESPONSE")


@strawberry.type
class ServerFeature:
    name: str
    is_enabled: bool


@strawberry.type
class ServerInfo:
    version: str
    max_request_bytes: Int64
    heartbeat_timeout_seconds: int

    @strawberry.field
    def features(self) -> list[ServerFeature]:
        return [ServerFeature(name=name, is_enabled=True) for name in FEATURES]

    @strawberry.field
    def cli_version_info(self) -> JSON:
        return JSON({"max_cli_version": NEWEST_CLIENT})

    @strawberry.field
    def latest_local_version_info(self) -> LocalVersionInfo | None:
        return None


@strawberry.type
class LocalVersionInfo:
    """Declared for W&B's shape; never made, since runbase is no W&B Local install."""

    out_of_date: bool
    latest_version_string: str
    version_on_this_instance_string: str


@strawberry.type
class Query(UserQueries, RunQueries, AutomationQueries, ArtifactQueries, RegistryQueries):
    @strawberry.field
    def server_info(self, info: Info) -> ServerInfo:
        limits = info.context.limits
        return ServerInfo(
            version=__version__,
            max_request_bytes=Int64(limits["max_request_bytes"]),
            heartbeat_timeout_seconds=limits["heartbeat_timeout_seconds"],
        )


@strawberry.type
class Mutation(UserMutations, RunMutations, AutomationMutations, FileMutations, ArtifactMutations,
               ArtifactUploadMutations, RegistryMutations, SweepMutations):
    """Every mutation comes from a domain's mixin."""


def _describe(schema: GraphQLSchema, contract: GraphQLSchema) -> None:
    """Copy the contract's descriptions onto the served schema."""
    schema.description = contract.description
    for name, typ in contract.type_map.items():
        served = schema.type_map.get(name)
        if served is None or name.startswith("__"):
            continue
        served.description = typ.description
        if isinstance(typ, _WITH_FIELDS) and isinstance(served, _WITH_FIELDS):
            _describe_fields(served.fields, typ.fields)


_WITH_FIELDS = (GraphQLObjectType, GraphQLInterfaceType, GraphQLInputObjectType)


def _describe_fields(served: Mapping[str, GraphQLField | GraphQLInputField],
                     contract: Mapping[str, GraphQLField | GraphQLInputField]) -> None:
    """Copy the contract's field and argument descriptions onto one served type's fields."""
    for field_name, field in contract.items():
        served_field = served.get(field_name)
        if served_field is None:
            continue
        served_field.description = field.description
        if isinstance(field, GraphQLField) and isinstance(served_field, GraphQLField):
            for arg_name, arg in field.args.items():
                if arg_name in served_field.args:
                    served_field.args[arg_name].description = arg.description


class RunbaseSchema(strawberry.Schema):
    def process_errors(self, errors: list[Any], execution_context: Any = None) -> None:
        """User mistakes are answered, not logged; only internal errors reach the log, by path and message:
        never the query text or variables (a GraphQLError prints its source), which may hold inline secrets
        such as a bot token."""
        # After a lost race (or a dropped connection) the transaction is closed, so the fields that run after it
        # fail too: the request is run again (Database.attempt), and those failures are no more news than the
        # race; a request that meets an unreachable database every time is logged once, by its endpoint.
        raced = any(_runs_again(error) for error in errors)
        for error in errors:
            if is_internal(error) and not _runs_again(error) and not (raced and _after_race(error)):
                where = ".".join(str(part) for part in error.path or ()) or "the request"
                StrawberryLogger.logger.error("internal error in %s: %s", where, error.message,
                                              exc_info=error.original_error)


def _runs_again(error: Any) -> bool:
    return is_race(error) or is_unreachable(error)


def _after_race(error: Any) -> bool:
    """A field that failed because an earlier one's race, or a standby's refusal, ended the transaction:
    SQLAlchemy closed it, or PostgreSQL aborted it (SQLSTATE 25P02)."""
    original = getattr(error, "original_error", None)
    return isinstance(original, InvalidRequestError) or (
        isinstance(original, DBAPIError) and getattr(original.orig, "sqlstate", None) == IN_FAILED_TRANSACTION)


def build(max_depth: int = 12, max_tokens: int = MAX_TOKENS, max_aliases: int = 30) -> strawberry.Schema:
    # The limiters' rule classes are made once: the validation cache is keyed on them, and rules made afresh
    # for every request (each limiter makes its own) would never let it hit.
    rules = [*QueryDepthLimiter(max_depth=max_depth).validation_rules,
             *MaxAliasesLimiter(max_alias_count=max_aliases).validation_rules]
    schema = RunbaseSchema(
        query=Query,
        mutation=Mutation,
        types=[ArtifactPortfolio],  # reached only through the ArtifactCollection interface
        config=StrawberryConfig(scalar_map=dict(SCALARS.items())),  # typed with object keys (dict keys are invariant)
        extensions=[
            lambda: ParserCache(maxsize=512),
            lambda: ValidationCache(maxsize=512),
            lambda: AddValidationRules(rules),
            lambda: MaxTokensLimiter(max_token_count=max_tokens),
        ],
    )
    _describe(schema._schema, build_schema(CONTRACT.read_text()))
    return schema
