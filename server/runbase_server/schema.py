"""The GraphQL layer: Strawberry types and thin resolvers over the services.

The served schema must equal schema.graphql; descriptions are taken from that
file so the documentation lives in one place."""

from __future__ import annotations

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
    row: strawberry.Private[ApiKeyRow]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.row.id))

    @strawberry.field
    def name(self) -> str:
        return self.row.prefix

    @strawberry.field
    def description(self) -> str | None:
        return self.row.description

    @strawberry.field
    def created_at(self) -> DateTime:
        return self.row.created_at


@strawberry.type
class User:
    row: strawberry.Private[UserRow]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.row.id))

    @strawberry.field
    def username(self) -> str:
        return self.row.username

    @strawberry.field
    def email(self) -> str | None:
        return self.row.email

    @strawberry.field
    def admin(self) -> bool:
        return self.row.admin

    @strawberry.field
    def entity(self) -> str:
        return self.row.username

    @strawberry.field
    def teams(self, info: Info) -> list[Entity]:
        return [Entity(row=row) for row in users.teams(info.context.session, self.row.id)]

    @strawberry.field
    def api_keys(self) -> list[ApiKey]:
        return [ApiKey(row=row) for row in self.row.api_keys]

    @strawberry.field
    def created_at(self) -> DateTime:
        return self.row.created_at


@strawberry.type
class Entity:
    row: strawberry.Private[EntityRow]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.row.id))

    @strawberry.field
    def name(self) -> str:
        return self.row.name

    @strawberry.field
    def is_team(self) -> bool:
        return self.row.is_team

    @strawberry.field
    def project(self, info: Info, name: str) -> Project | None:
        return _project(info, self.row.name, name)


@strawberry.type
class Project:
    row: strawberry.Private[ProjectRow]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.row.id))

    @strawberry.field
    def name(self) -> str:
        return self.row.name

    @strawberry.field
    def entity_name(self) -> str:
        return self.row.entity.name

    @strawberry.field
    def description(self) -> str | None:
        return self.row.description

    @strawberry.field
    def access(self) -> str:
        return self.row.access

    @strawberry.field
    def created_at(self) -> DateTime:
        return self.row.created_at

    @strawberry.field
    def run(self, info: Info, name: str) -> Run | None:
        row = runs.find(info.context.session, info.context.viewer, self.row.entity.name, self.row.name, name)
        return None if row is None else Run(row=row)

    @strawberry.field
    def run_count(self, info: Info) -> int:
        return projects.run_count(info.context.session, self.row)


@strawberry.type
class Run:
    row: strawberry.Private[RunRow]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.row.id))

    @strawberry.field
    def name(self) -> str:
        return self.row.name

    @strawberry.field
    def display_name(self) -> str | None:
        return self.row.display_name

    @strawberry.field
    def state(self) -> str:
        return self.row.state

    @strawberry.field
    def config(self) -> JSONString:
        return documents.dump(runs.wrap_config(self.row.config or {}))

    @strawberry.field
    def summary_metrics(self) -> JSONString:
        return documents.dump(self.row.summary or {})

    @strawberry.field
    def tags(self) -> list[str]:
        return list(self.row.tags or [])

    @strawberry.field
    def group(self) -> str | None:
        return self.row.group_name

    @strawberry.field
    def job_type(self) -> str | None:
        return self.row.job_type

    @strawberry.field
    def notes(self) -> str | None:
        return self.row.notes

    @strawberry.field
    def host(self) -> str | None:
        return self.row.host

    @strawberry.field
    def exit_code(self) -> int | None:
        return self.row.exit_code

    @strawberry.field
    def user(self) -> User | None:
        return None if self.row.user is None else User(row=self.row.user)

    @strawberry.field
    def project(self) -> Project | None:
        return Project(row=self.row.project)

    @strawberry.field
    def created_at(self) -> DateTime:
        return self.row.created_at

    @strawberry.field
    def heartbeat_at(self) -> DateTime | None:
        return self.row.heartbeat_at

    @strawberry.field
    def finished_at(self) -> DateTime | None:
        return self.row.finished_at

    @strawberry.field
    def history_keys(self) -> JSONString:
        return documents.dump({"lastStep": self.row.last_step, "keys": self.row.history_keys or {}})

    @strawberry.field
    def history_line_count(self) -> int:
        return self.row.history_line_count or 0

    @strawberry.field
    def last_history_step(self) -> Int64 | None:
        return self.row.last_step

    @strawberry.field
    def history(
        self, info: Info, samples: int | None = strawberry.UNSET, min_step: Int64 | None = strawberry.UNSET,
        max_step: Int64 | None = strawberry.UNSET
    ) -> list[JSONString]:
        return history.read(info.context.session, self.row, given(samples), given(min_step), given(max_step))


def given(value: Any) -> Any:
    """Strawberry marks omitted inputs UNSET; services only know None."""
    if isinstance(value, (UpsertBucketInput, LogHistoryInput, DeleteRunInput, UpsertModelInput, CreateUserInput,
                          GenerateApiKeyInput)):
        return type(value)(**{k: given(v) for k, v in vars(value).items()})
    return None if value is strawberry.UNSET else value


def _project(info: Info, entity_name: str | None, name: str) -> Project | None:
    ctx = info.context
    row = projects.readable(ctx.session, ctx.viewer, entity_name or ctx.viewer.username, name)
    return None if row is None else Project(row=row)


@strawberry.type
class Query:
    @strawberry.field
    def viewer(self, info: Info) -> User | None:
        return User(row=info.context.session.get(UserRow, info.context.viewer.user_id))

    @strawberry.field
    def user(self, info: Info, user_name: str) -> User | None:
        return User(row=users.visible_user(info.context.session, info.context.viewer, user_name))

    @strawberry.field
    def entity(self, info: Info, name: str) -> Entity | None:
        ctx = info.context
        try:
            row = get_entity(ctx.session, name)
        except NotFound:
            return None
        return Entity(row=row) if row.is_team is False or is_member(ctx.session, ctx.viewer, row.id) else None

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
        return UpsertBucketPayload(bucket=Run(row=row), inserted=inserted)

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
        return UpsertModelPayload(project=Project(row=row), inserted=inserted)

    @strawberry.mutation
    def create_user(self, info: Info, input: CreateUserInput) -> CreateUserPayload | None:
        input = given(input)
        row = users.create_user_as(info.context.session, info.context.viewer, input.username, input.email,
                                   bool(input.admin))
        return CreateUserPayload(user=User(row=row))

    @strawberry.mutation
    def generate_api_key(self, info: Info, input: GenerateApiKeyInput) -> GenerateApiKeyPayload | None:
        input = given(input)
        row, key = users.generate_api_key(info.context.session, info.context.viewer, input.description,
                                          input.user_name)
        return GenerateApiKeyPayload(api_key=ApiKey(row=row), key=key)

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
