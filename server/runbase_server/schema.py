"""The GraphQL layer: Strawberry types and thin resolvers over the services.

The served schema must equal schema.graphql; descriptions are taken from that
file so the documentation lives in one place."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import strawberry
from graphql import GraphQLError, GraphQLSchema, build_schema
from sqlalchemy.exc import IntegrityError, OperationalError
from strawberry.extensions import (
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig

from . import __version__, console, documents, history, pagination, projects, runs, teams, users
from .entities import get_entity, is_member
from .errors import NotFound, UserError
from .schema_automations import (
    AutomationMutations,
    AutomationQueries,
    Integration,
    TriggerConnection,
    entity_integrations,
    project_triggers,
)
from .schema_base import (
    SCALARS,
    DateTime,
    Info,
    Int64,
    JSONString,
    PageInfo,
    given,
)
from .schema_artifacts import ArtifactMutations, ArtifactQueries, ProjectArtifacts, RunArtifacts
from .schema_files import FileMutations, RunFiles
from .schema_registries import RegistryMutations, RegistryQueries
from .tables import ApiKey as ApiKeyRow
from .tables import Entity as EntityRow
from .tables import Membership as MembershipRow
from .tables import Project as ProjectRow
from .tables import Run as RunRow
from .tables import User as UserRow

CONTRACT = Path(__file__).with_name("schema.graphql")
MAX_TOKENS = 2000  # per document, so parsing a request stays cheap


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
class Member:
    id: strawberry.ID
    username: str
    email: str | None
    role: str

    @classmethod
    def of(cls, membership: MembershipRow, user: UserRow) -> Member:
        return cls(id=strawberry.ID(str(user.id)), username=user.username, email=user.email, role=membership.role)


@strawberry.type
class Entity:
    row: strawberry.Private[EntityRow]
    id: strawberry.ID
    name: str
    is_team: bool

    @classmethod
    def of(cls, row: EntityRow) -> Entity:
        return cls(row=row, id=strawberry.ID(str(row.id)), name=row.name, is_team=row.is_team)

    @strawberry.field
    def members(self, info: Info) -> list[Member]:
        return [Member.of(m, u) for m, u in teams.members(info.context.session, info.context.viewer, self.row)]

    @strawberry.field
    def project(self, info: Info, name: str) -> Project | None:
        return _project(info, self.name, name)

    @strawberry.field
    def integrations(self, info: Info) -> list[Integration]:
        return entity_integrations(info, self.row)


@strawberry.type
class Project(ProjectArtifacts):
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
    def runs(self, info: Info, filters: JSONString | None = strawberry.UNSET, order: str | None = strawberry.UNSET,
             first: int | None = strawberry.UNSET, after: str | None = strawberry.UNSET) -> RunConnection:
        session = info.context.session
        page = runs.search(session, self.row, given(filters), given(order), given(first), given(after))
        return RunConnection.of(page, lambda: runs.count(session, self.row, given(filters)))

    @strawberry.field
    def run_count(self, info: Info, filters: JSONString | None = strawberry.UNSET) -> int:
        return runs.count(info.context.session, self.row, given(filters))

    @strawberry.field
    def triggers(self, info: Info, first: int | None = strawberry.UNSET,
                 after: str | None = strawberry.UNSET) -> TriggerConnection:
        return project_triggers(info, self.row, given(first), given(after))


@strawberry.type
class RunEdge:
    node: Run
    cursor: str


@strawberry.type
class RunConnection:
    edges: list[RunEdge]
    page_info: PageInfo
    counted: strawberry.Private[Callable[[], int]]  # a project's matching runs, an artifact's users, ...

    @classmethod
    def of(cls, page: pagination.Page[RunRow], counted: Callable[[], int]) -> RunConnection:
        return cls(edges=[RunEdge(node=Run.of(row), cursor=c) for row, c in zip(page.items, page.cursors())],
                   page_info=PageInfo.of(page), counted=counted)

    @strawberry.field
    def total_count(self) -> int:
        """Counted only when asked for."""
        return self.counted()


@strawberry.type
class ProjectEdge:
    node: Project
    cursor: str


@strawberry.type
class ProjectConnection:
    edges: list[ProjectEdge]
    page_info: PageInfo
    total_count: int


@strawberry.type
class HistoryPage:
    rows: JSONString
    next_step: Int64 | None


@strawberry.type
class Run(RunFiles, RunArtifacts):
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

    @strawberry.field
    def sampled_history(self, info: Info, specs: list[JSONString]) -> list[JSONString]:
        return [history.sampled(info.context.session, self.row, **_history_spec(spec)) for spec in specs]

    @strawberry.field
    def history_page(
        self, info: Info, keys: list[str] | None = strawberry.UNSET, min_step: Int64 | None = strawberry.UNSET,
        max_step: Int64 | None = strawberry.UNSET, limit: int | None = strawberry.UNSET
    ) -> HistoryPage:
        rows, next_step = history.scan(info.context.session, self.row, given(keys), given(min_step), given(max_step),
                                       _page_limit(given(limit)))
        return HistoryPage(rows=rows, next_step=next_step)

    @strawberry.field
    def read_only(self, info: Info) -> bool:
        return not info.context.can_write(self.row.project.entity_id)

    @strawberry.field
    def system_metrics(self) -> JSONString:
        return "{}"

    @strawberry.field
    def console_tail(self, info: Info, lines: int | None = strawberry.UNSET) -> list[str]:
        return console.tail(info.context.session, self.row, given(lines))

    @strawberry.field
    def console_line_count(self) -> Int64:
        return Int64(self.row.console_line_count or 0)


MAX_HISTORY_PAGE = 100_000
MAX_SAMPLES = 100_000


def _history_spec(text: str) -> dict[str, Any]:
    """A sampledHistory spec as W&B's clients send it: {"keys": [...], "samples": N, "xAxis": "_step"}."""
    spec = documents.parse(text, "sampledHistory spec")
    keys = spec.get("keys")
    if keys is not None and (not isinstance(keys, list) or not all(isinstance(k, str) for k in keys)):
        raise UserError("sampledHistory spec: keys must be a list of strings")
    samples = spec.get("samples", 500)
    if type(samples) is not int or not 1 <= samples <= MAX_SAMPLES:
        raise UserError(f"sampledHistory spec: samples must be an integer from 1 to {MAX_SAMPLES}")
    x_axis = spec.get("xAxis", "_step")
    if not isinstance(x_axis, str):
        raise UserError("sampledHistory spec: xAxis must be a string")
    return {"keys": keys, "samples": samples, "x_axis": x_axis}


def _page_limit(limit: int | None) -> int:
    if limit is None:
        return 1000
    if not 1 <= limit <= MAX_HISTORY_PAGE:
        raise UserError(f"limit must be between 1 and {MAX_HISTORY_PAGE}")
    return limit


def _project(info: Info, entity_name: str | None, name: str) -> Project | None:
    ctx = info.context
    row = projects.readable(ctx.session, ctx.viewer, entity_name or ctx.viewer.username, name)
    return None if row is None else Project.of(row)


@strawberry.type
class Query(AutomationQueries, ArtifactQueries, RegistryQueries):
    @strawberry.field
    def viewer(self, info: Info) -> User | None:
        return User.of(info.context.session.get(UserRow, info.context.viewer.user_id))

    @strawberry.field
    def user(self, info: Info, user_name: str) -> User | None:
        return User.of(users.visible_user(info.context.session, info.context.viewer, user_name))

    @strawberry.field
    def users(self, info: Info, query: str, first: int | None = strawberry.UNSET) -> list[User]:
        size = pagination.page_size(given(first))
        return [User.of(row) for row in teams.search_users(info.context.session, info.context.viewer, query, size)]

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
    def projects(self, info: Info, entity_name: str | None = strawberry.UNSET, first: int | None = strawberry.UNSET,
                 after: str | None = strawberry.UNSET) -> ProjectConnection:
        ctx = info.context
        page, total = projects.visible(ctx.session, ctx.viewer, given(entity_name) or ctx.viewer.username,
                                       given(first), given(after))
        return ProjectConnection(
            edges=[ProjectEdge(node=Project.of(row), cursor=c) for row, c in zip(page.items, page.cursors())],
            page_info=PageInfo.of(page),
            total_count=total,
        )

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
    remove_summary_keys: list[str] | None = strawberry.UNSET
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
    remove_summary_keys: list[str] | None = strawberry.UNSET
    console_lines: JSONString | None = strawberry.UNSET
    console_start: Int64 | None = strawberry.UNSET


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


@strawberry.input
class CreateTeamInput:
    team_name: str
    admin_user_name: str | None = strawberry.UNSET


@strawberry.type
class CreateTeamPayload:
    entity: Entity


@strawberry.input
class CreateInviteInput:
    entity_name: str
    username: str
    role: str | None = strawberry.UNSET
    admin: bool | None = strawberry.UNSET


@strawberry.type
class CreateInvitePayload:
    member: Member


@strawberry.input
class DeleteInviteInput:
    entity_name: str
    id: strawberry.ID


@strawberry.type
class DeleteInvitePayload:
    success: bool


@strawberry.type
class Mutation(AutomationMutations, FileMutations, ArtifactMutations, RegistryMutations):
    @strawberry.mutation
    def upsert_bucket(self, info: Info, input: UpsertBucketInput) -> UpsertBucketPayload | None:
        input = given(input)
        row, inserted = runs.upsert(info.context.session, info.context.viewer, vars(input))
        return UpsertBucketPayload(bucket=Run.of(row), inserted=inserted)

    @strawberry.mutation
    def log_history(self, info: Info, input: LogHistoryInput) -> LogHistoryPayload | None:
        input = given(input)
        row, accepted = history.append(info.context.session, info.context.viewer, input.entity_name,
                                       input.project_name, input.run_name, input.rows, input.summary_metrics,
                                       input.console_start, input.console_lines,
                                       removed_summary_keys=input.remove_summary_keys)
        return LogHistoryPayload(accepted=accepted, history_line_count=row.history_line_count,
                                 last_history_step=row.last_step, state=row.state)

    @strawberry.mutation
    def delete_run(self, info: Info, input: DeleteRunInput) -> DeleteRunPayload | None:
        input = given(input)
        runs.delete(info.context.session, info.context.viewer, input.entity_name, input.project_name, input.run_name,
                    delete_artifacts=bool(input.delete_artifacts))
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


    @strawberry.mutation
    def create_team(self, info: Info, input: CreateTeamInput) -> CreateTeamPayload | None:
        input = given(input)
        row = teams.create(info.context.session, info.context.viewer, input.team_name, input.admin_user_name)
        return CreateTeamPayload(entity=Entity.of(row))

    @strawberry.mutation
    def create_invite(self, info: Info, input: CreateInviteInput) -> CreateInvitePayload | None:
        input = given(input)
        member_role = input.role or ("admin" if input.admin else "member")
        membership, user = teams.invite(info.context.session, info.context.viewer, input.entity_name,
                                        input.username, member_role)
        return CreateInvitePayload(member=Member.of(membership, user))

    @strawberry.mutation
    def delete_invite(self, info: Info, input: DeleteInviteInput) -> DeleteInvitePayload | None:
        teams.remove(info.context.session, info.context.viewer, input.entity_name, str(input.id))
        return DeleteInvitePayload(success=True)


def is_internal(error: Any) -> bool:
    """Errors that are not the user's doing: masked in answers, logged on the server. A GraphQLError
    underneath is graphql-core's own account of a bad request (a variable of the wrong type, a missing
    required one), so it is the user's doing."""
    original = getattr(error, "original_error", None)
    return original is not None and not isinstance(original, (UserError, GraphQLError))


def is_race(error: Any) -> bool:
    """Two writers met on a unique key, or SQLite refused a stale snapshot: the request may simply be retried."""
    return isinstance(getattr(error, "original_error", None), (IntegrityError, OperationalError))


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
        internal = [error for error in errors if is_internal(error) and not is_race(error)]
        if internal:
            super().process_errors(internal, execution_context)


def build(max_depth: int = 12, max_tokens: int = MAX_TOKENS, max_aliases: int = 30) -> strawberry.Schema:
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
        ],
    )
    _describe(schema._schema, build_schema(CONTRACT.read_text()))
    return schema
