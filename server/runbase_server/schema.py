"""The GraphQL layer: Strawberry types and thin resolvers over the services.

The served schema must equal schema.graphql; descriptions are taken from that
file so the documentation lives in one place."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, NewType

import strawberry
from strawberry.schema.config import StrawberryConfig
from graphql import GraphQLSchema, build_schema
from sqlalchemy.orm import Session
from strawberry.extensions import (
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)

from . import __version__, documents, history, projects, runs, users
from .auth import Viewer
from .entities import get_entity, is_member
from .errors import NotFound, UserError
from .tables import ApiKey as ApiKeyRow
from .tables import Entity as EntityRow
from .tables import Project as ProjectRow
from .tables import Run as RunRow
from .tables import User as UserRow

CONTRACT = Path(__file__).with_name("schema.graphql")

JSONString = NewType("JSONString", str)
DateTime = NewType("DateTime", str)
Int64 = NewType("Int64", int)
SCALARS = {
    JSONString: strawberry.scalar(name="JSONString", serialize=str, parse_value=str),
    DateTime: strawberry.scalar(
        name="DateTime",
        serialize=lambda value: value.isoformat() if isinstance(value, datetime) else str(value),
        parse_value=str,
    ),
    Int64: strawberry.scalar(name="Int64", serialize=int, parse_value=int),
}


@dataclass
class Context:
    session: Session
    viewer: Viewer
    limits: dict[str, int]


Info = strawberry.Info[Context, None]


@strawberry.type
class ServerInfo:
    version: str
    max_request_bytes: Int64
    heartbeat_timeout_seconds: int


@strawberry.type
class ApiKey:
    id: strawberry.ID
    name: str
    description: str | None
    created_at: DateTime

    @classmethod
    def of(cls, row: ApiKeyRow) -> ApiKey:
        return cls(id=strawberry.ID(str(row.id)), name=row.prefix, description=row.description,
                   created_at=row.created_at)


@strawberry.type
class User:
    row: strawberry.Private[UserRow]
    id: strawberry.ID
    username: str
    email: str | None
    admin: bool
    entity: str
    created_at: DateTime

    @classmethod
    def of(cls, row: UserRow) -> User:
        return cls(row=row, id=strawberry.ID(str(row.id)), username=row.username, email=row.email,
                   admin=row.admin, entity=row.username, created_at=row.created_at)

    @strawberry.field
    def teams(self, info: Info) -> list[Entity]:
        return [Entity.of(row) for row in users.teams(info.context.session, self.row.id)]

    @strawberry.field
    def api_keys(self) -> list[ApiKey]:
        return [ApiKey.of(row) for row in self.row.api_keys]


@strawberry.type
class Entity:
    id: strawberry.ID
    name: str
    is_team: bool

    @classmethod
    def of(cls, row: EntityRow) -> Entity:
        return cls(id=strawberry.ID(str(row.id)), name=row.name, is_team=row.is_team)

    @strawberry.field
    def project(self, info: Info, name: str) -> Project | None:
        return _project(info, self.name, name)


@strawberry.type
class Project:
    row: strawberry.Private[ProjectRow]
    id: strawberry.ID
    name: str
    entity_name: str
    description: str | None
    access: str
    created_at: DateTime

    @classmethod
    def of(cls, row: ProjectRow) -> Project:
        return cls(row=row, id=strawberry.ID(str(row.id)), name=row.name, entity_name=row.entity.name,
                   description=row.description, access=row.access, created_at=row.created_at)

    @strawberry.field
    def run(self, info: Info, name: str) -> Run | None:
        row = runs.find(info.context.session, info.context.viewer, self.entity_name, self.name, name)
        return None if row is None else Run.of(row)

    @strawberry.field
    def run_count(self, info: Info) -> int:
        return projects.run_count(info.context.session, self.row)


@strawberry.type
class Run:
    row: strawberry.Private[RunRow]
    id: strawberry.ID
    name: str
    display_name: str | None
    state: str
    tags: list[str]
    group: str | None
    job_type: str | None
    notes: str | None
    host: str | None
    exit_code: int | None
    created_at: DateTime
    heartbeat_at: DateTime | None
    finished_at: DateTime | None
    history_line_count: int
    last_history_step: Int64 | None

    @classmethod
    def of(cls, row: RunRow) -> Run:
        return cls(row=row, id=strawberry.ID(str(row.id)), name=row.name, display_name=row.display_name,
                   state=row.state, tags=list(row.tags or []), group=row.group_name, job_type=row.job_type,
                   notes=row.notes, host=row.host, exit_code=row.exit_code, created_at=row.created_at,
                   heartbeat_at=row.heartbeat_at, finished_at=row.finished_at,
                   history_line_count=row.history_line_count or 0, last_history_step=row.last_step)

    @strawberry.field
    def config(self) -> JSONString:
        return documents.dump(runs.wrap_config(self.row.config or {}))

    @strawberry.field
    def summary_metrics(self) -> JSONString:
        return documents.dump(self.row.summary or {})

    @strawberry.field
    def user(self) -> User | None:
        return None if self.row.user is None else User.of(self.row.user)

    @strawberry.field
    def project(self) -> Project | None:
        return Project.of(self.row.project)

    @strawberry.field
    def history_keys(self) -> JSONString:
        return documents.dump({"lastStep": self.row.last_step, "keys": self.row.history_keys or {}})

    @strawberry.field
    def history(
        self, info: Info, samples: int | None = strawberry.UNSET, min_step: Int64 | None = strawberry.UNSET,
        max_step: Int64 | None = strawberry.UNSET
    ) -> list[JSONString]:
        return history.read(info.context.session, self.row, given(samples), given(min_step), given(max_step))


def given(value: Any) -> Any:
    """Strawberry marks omitted inputs UNSET; services only know None."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):  # an input object
        return type(value)(**{k: given(v) for k, v in vars(value).items()})
    return None if value is strawberry.UNSET else value


def _project(info: Info, entity_name: str | None, name: str) -> Project | None:
    ctx = info.context
    row = projects.readable(ctx.session, ctx.viewer, entity_name or ctx.viewer.username, name)
    return None if row is None else Project.of(row)


@strawberry.type
class Query:
    @strawberry.field
    def viewer(self, info: Info) -> User | None:
        return User.of(info.context.session.get(UserRow, info.context.viewer.user_id))

    @strawberry.field
    def user(self, info: Info, user_name: str) -> User | None:
        return User.of(users.visible_user(info.context.session, info.context.viewer, user_name))

    @strawberry.field
    def entity(self, info: Info, name: str) -> Entity | None:
        ctx = info.context
        try:
            row = get_entity(ctx.session, name)
        except NotFound:
            return None
        return Entity.of(row) if row.is_team is False or is_member(ctx.session, ctx.viewer, row.id) else None

    @strawberry.field
    def project(self, info: Info, name: str, entity_name: str | None = strawberry.UNSET) -> Project | None:
        return _project(info, given(entity_name), name)

    @strawberry.field
    def server_info(self, info: Info) -> ServerInfo:
        limits = info.context.limits
        return ServerInfo(
            version=__version__,
            max_request_bytes=limits["max_request_bytes"],
            heartbeat_timeout_seconds=limits["heartbeat_timeout_seconds"],
        )


@strawberry.input
class UpsertBucketInput:
    model_name: str
    name: str | None = strawberry.UNSET
    entity_name: str | None = strawberry.UNSET
    display_name: str | None = strawberry.UNSET
    notes: str | None = strawberry.UNSET
    group_name: str | None = strawberry.UNSET
    job_type: str | None = strawberry.UNSET
    host: str | None = strawberry.UNSET
    config: JSONString | None = strawberry.UNSET
    summary_metrics: JSONString | None = strawberry.UNSET
    tags: list[str] | None = strawberry.UNSET
    state: str | None = strawberry.UNSET
    exit_code: int | None = strawberry.UNSET


@strawberry.type
class UpsertBucketPayload:
    bucket: Run
    inserted: bool


@strawberry.input
class LogHistoryInput:
    project_name: str
    run_name: str
    rows: JSONString
    entity_name: str | None = strawberry.UNSET
    summary_metrics: JSONString | None = strawberry.UNSET


@strawberry.type
class LogHistoryPayload:
    accepted: int
    history_line_count: int
    last_history_step: Int64 | None
    state: str


@strawberry.input
class DeleteRunInput:
    project_name: str
    run_name: str
    entity_name: str | None = strawberry.UNSET
    delete_artifacts: bool | None = strawberry.UNSET


@strawberry.type
class DeleteRunPayload:
    success: bool


@strawberry.input
class UpsertModelInput:
    name: str
    entity_name: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    access: str | None = strawberry.UNSET


@strawberry.type
class UpsertModelPayload:
    project: Project
    inserted: bool


@strawberry.input
class CreateUserInput:
    username: str
    email: str | None = strawberry.UNSET
    admin: bool | None = strawberry.UNSET


@strawberry.type
class CreateUserPayload:
    user: User


@strawberry.input
class GenerateApiKeyInput:
    description: str | None = strawberry.UNSET
    user_name: str | None = strawberry.UNSET


@strawberry.type
class GenerateApiKeyPayload:
    api_key: ApiKey
    key: str


@strawberry.input
class DeleteApiKeyInput:
    id: strawberry.ID


@strawberry.type
class DeleteApiKeyPayload:
    success: bool


@strawberry.type
class Mutation:
    @strawberry.mutation
    def upsert_bucket(self, info: Info, input: UpsertBucketInput) -> UpsertBucketPayload | None:
        input = given(input)
        row, inserted = runs.upsert(info.context.session, info.context.viewer, vars(input))
        return UpsertBucketPayload(bucket=Run.of(row), inserted=inserted)

    @strawberry.mutation
    def log_history(self, info: Info, input: LogHistoryInput) -> LogHistoryPayload | None:
        input = given(input)
        row, accepted = history.append(info.context.session, info.context.viewer, input.entity_name,
                                       input.project_name, input.run_name, input.rows, input.summary_metrics)
        return LogHistoryPayload(accepted=accepted, history_line_count=row.history_line_count,
                                 last_history_step=row.last_step, state=row.state)

    @strawberry.mutation
    def delete_run(self, info: Info, input: DeleteRunInput) -> DeleteRunPayload | None:
        input = given(input)
        runs.delete(info.context.session, info.context.viewer, input.entity_name, input.project_name, input.run_name)
        return DeleteRunPayload(success=True)

    @strawberry.mutation
    def upsert_model(self, info: Info, input: UpsertModelInput) -> UpsertModelPayload | None:
        input = given(input)
        ctx = info.context
        row, inserted = projects.upsert(ctx.session, ctx.viewer, input.entity_name or ctx.viewer.username,
                                        input.name, input.description, input.access)
        return UpsertModelPayload(project=Project.of(row), inserted=inserted)

    @strawberry.mutation
    def create_user(self, info: Info, input: CreateUserInput) -> CreateUserPayload | None:
        input = given(input)
        row = users.create_user_as(info.context.session, info.context.viewer, input.username, input.email,
                                   bool(input.admin))
        return CreateUserPayload(user=User.of(row))

    @strawberry.mutation
    def generate_api_key(self, info: Info, input: GenerateApiKeyInput) -> GenerateApiKeyPayload | None:
        input = given(input)
        row, key = users.generate_api_key(info.context.session, info.context.viewer, input.description,
                                          input.user_name)
        return GenerateApiKeyPayload(api_key=ApiKey.of(row), key=key)

    @strawberry.mutation
    def delete_api_key(self, info: Info, input: DeleteApiKeyInput) -> DeleteApiKeyPayload | None:
        try:
            key_id = int(input.id)
        except ValueError:
            raise UserError(f"no API key with id {input.id!r}") from None
        users.delete_api_key(info.context.session, info.context.viewer, key_id)
        return DeleteApiKeyPayload(success=True)


def _should_mask(error: Any) -> bool:
    original = getattr(error, "original_error", None)
    return original is not None and not isinstance(original, UserError)


def _describe(schema: GraphQLSchema, contract: GraphQLSchema) -> None:
    """Copy the contract's descriptions onto the served schema."""
    schema.description = contract.description
    for name, typ in contract.type_map.items():
        served = schema.type_map.get(name)
        if served is None or name.startswith("__"):
            continue
        served.description = typ.description
        for field_name, field in getattr(typ, "fields", {}).items():
            served_field = served.fields.get(field_name)
            if served_field is None:
                continue
            served_field.description = field.description
            for arg_name, arg in getattr(field, "args", {}).items():
                if arg_name in served_field.args:
                    served_field.args[arg_name].description = arg.description


class RunbaseSchema(strawberry.Schema):
    def process_errors(self, errors: list[Any], execution_context: Any = None) -> None:
        """User mistakes are answered, not logged; only internal errors reach the log."""
        internal = [error for error in errors if _should_mask(error)]
        if internal:
            super().process_errors(internal, execution_context)


def build(max_depth: int = 12, max_tokens: int = 2000, max_aliases: int = 30) -> strawberry.Schema:
    schema = RunbaseSchema(
        query=Query,
        mutation=Mutation,
        config=StrawberryConfig(scalar_map=SCALARS),
        extensions=[
            lambda: ParserCache(maxsize=512),
            lambda: ValidationCache(maxsize=512),
            lambda: QueryDepthLimiter(max_depth=max_depth),
            lambda: MaxTokensLimiter(max_token_count=max_tokens),
            lambda: MaxAliasesLimiter(max_alias_count=max_aliases),
            lambda: MaskErrors(should_mask_error=_should_mask, error_message="Internal server error"),
        ],
    )
    _describe(schema._schema, build_schema(CONTRACT.read_text()))
    return schema
