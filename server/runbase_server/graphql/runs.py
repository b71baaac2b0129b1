"""GraphQL types for projects, runs and their history, and the queries and mutations on them."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar

import strawberry

from .. import access, documents, pagination, projects
from ..artifacts import versions
from ..errors import UserError
from ..runs import branching, console, history, runs
from ..sweeps import sweeps
from ..tables import Project as ProjectRow
from ..tables import Run as RunRow
from .artifacts import ProjectArtifacts, RunArtifacts
from .automations import TriggerConnection, project_triggers
from .base import JSON, DateTime, Info, Int64, JSONString, PageInfo, given, int64, timestamp
from .files import RunFiles
from .sweeps import ProjectSweeps, RunSweep
from .users import Entity, User


@strawberry.type
class Project(ProjectArtifacts, ProjectSweeps):
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
                   description=row.description, access=row.access, created_at=DateTime(row.created_at))

    @strawberry.field
    def internal_id(self) -> strawberry.ID:
        return self.id

    @strawberry.field
    def read_only(self, info: Info) -> bool:
        return not access.can_write_project(info.context.session, info.context.viewer, self.row)

    @strawberry.field
    def entity(self) -> Entity:
        return Entity.of(self.row.entity)

    @strawberry.field
    def user(self, info: Info) -> User | None:
        return None if self.row.user is None else User.of(self.row.user, info.context.viewer)

    @strawberry.field
    def is_benchmark(self) -> bool:
        return False

    @strawberry.field
    def views(self) -> JSONString | None:
        """W&B's saved views of the project: runbase keeps none."""
        return None

    @strawberry.field
    def run(self, info: Info, name: str) -> Run | None:
        row = runs.find(info.context.session, info.context.viewer, self.entity_name, self.name, name=name)
        return None if row is None else Run.of(row)

    @strawberry.field
    def bucket(self, info: Info, name: str, missing_ok: bool | None = strawberry.UNSET) -> Run | None:
        row = runs.find(info.context.session, info.context.viewer, self.entity_name, self.name, name=name)
        return None if row is None else Run.of(row)

    @strawberry.field
    def runs(self, info: Info, filters: JSONString | None = strawberry.UNSET, order: str | None = strawberry.UNSET,
             *, first: int | None = strawberry.UNSET, after: str | None = strawberry.UNSET) -> RunConnection:
        session = info.context.session
        page = info.context.charged(runs.search(session, self.row, given(filters), given(order), first=given(first),
                                                after=given(after)), "runs")
        return RunConnection.of(page, lambda: runs.count(session, self.row, given(filters)),
                                shared={("project", self.row.id): self})

    @strawberry.field
    def run_count(self, info: Info, filters: JSONString | None = strawberry.UNSET) -> int:
        return runs.count(info.context.session, self.row, given(filters))

    @strawberry.field
    def triggers(self, info: Info, first: int | None = strawberry.UNSET,
                 after: str | None = strawberry.UNSET) -> TriggerConnection:
        return project_triggers(info, self.row, given(first), given(after))

    @strawberry.field
    def run_groups(self, info: Info, key: str | None = strawberry.UNSET, filters: JSONString | None = strawberry.UNSET,
                   first: int | None = strawberry.UNSET, by: str | None = strawberry.UNSET) -> RunGroups:
        page = info.context.charged(runs.groups(info.context.session, self.row, given(filters), given(key),
                                                first=given(first), by=given(by)), "run groups")
        return RunGroups(groups=[RunGroup(value=info.context.document(group.value, "run group"), count=group.count)
                                 for group in page.items], has_more=page.has_next)

    @strawberry.field
    def run_keys(self, info: Info, first: int | None = strawberry.UNSET) -> RunKeys:
        found = runs.keys(info.context.session, self.row, first=given(first))
        return RunKeys(config=found.config, summary=found.summary, has_more=found.has_more)


@strawberry.type
class RunGroup:
    value: JSONString
    count: int


@strawberry.type
class RunKeys:
    config: list[str]
    summary: list[str]
    has_more: bool


@strawberry.type
class RunGroups:
    groups: list[RunGroup]
    has_more: bool


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
    def of(cls, page: pagination.Page[RunRow], counted: Callable[[], int],
           shared: dict[tuple[str, int | None], Any] | None = None) -> RunConnection:
        """`shared` starts the page's shared objects (see Run.shared), such as the project the page lists."""
        shared = {} if shared is None else shared
        return cls(edges=[RunEdge(node=Run.of(row, shared), cursor=c) for row, c in zip(page.items, page.cursors())],
                   page_info=PageInfo.of(page), counted=counted)

    @strawberry.field
    def total_count(self) -> int:
        """Counted only when asked for."""
        return self.counted()

    @strawberry.field
    def nodes_text(self, info: Info) -> JSONString:
        """The page's runs as one JSON list, each what PublicRunFields selects (Run.listed): a page of 50 runs
        asked for field by field costs some 1,300 field resolutions, most of the time of a run search."""
        return JSONString(documents.dump([edge.node.listed(info) for edge in self.edges]))


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
class ParquetHistory:
    """W&B's history as exported parquet files and the live rows not yet in them: runbase exports none."""

    parquet_urls: list[str]
    live_data: list[JSON]


@strawberry.type
class HistoryPage:
    rows: JSONString
    next_step: Int64 | None


SharedT = TypeVar("SharedT")


@strawberry.type
class Run(RunFiles, RunArtifacts, RunSweep):
    row: strawberry.Private[RunRow]
    # The GraphQL objects that the runs of one page share (their project, their users), made once per page rather
    # than once per run. A page is answered within one field, so no mutation can change them meanwhile.
    shared: strawberry.Private[dict[tuple[str, int | None], Any]]
    id: strawberry.ID
    name: str
    display_name: str | None
    state: str
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
    def of(cls, row: RunRow, shared: dict[tuple[str, int | None], Any] | None = None) -> Run:
        return cls(row=row, shared={} if shared is None else shared, id=strawberry.ID(str(row.id)), name=row.name,
                   display_name=row.display_name, state=row.state, group=row.group_name, job_type=row.job_type,
                   notes=row.notes, host=row.host, exit_code=row.exit_code, created_at=DateTime(row.created_at),
                   heartbeat_at=timestamp(row.heartbeat_at), finished_at=timestamp(row.finished_at),
                   history_line_count=row.history_line_count or 0, last_history_step=int64(row.last_step))

    @strawberry.field
    def tags(self, info: Info) -> list[str]:
        return info.context.listed(list(self.row.tags or []), "tags")

    @strawberry.field
    def config(self, info: Info) -> JSONString:
        return info.context.document(runs.wrap_config(self.row.config or {}), "config")

    @strawberry.field
    def summary_metrics(self, info: Info) -> JSONString:
        return info.context.document(self.row.summary or {}, "summaryMetrics")

    def listed(self, info: Info) -> dict[str, Any]:
        """The fields of PublicRunFields (client/queries) by their GraphQL names, with the values those fields
        give (JSONString fields as their text, JSON fields as the value, times in ISO 8601), for nodesText; charged
        to the answer's budget as those fields are (tests/test_public_api.py compares the two)."""
        row, context = self.row, info.context
        project = self._project()
        return {
            "id": self.id, "name": self.name, "displayName": self.display_name, "state": self.state,
            "config": str(context.document(runs.wrap_config(row.config or {}), "config")),
            "summaryMetrics": str(context.document(row.summary or {}, "summaryMetrics")),
            "tags": context.listed(list(row.tags or []), "tags"), "group": self.group, "jobType": self.job_type,
            "notes": self.notes, "host": self.host, "exitCode": self.exit_code,
            "createdAt": self.created_at.isoformat(),
            "heartbeatAt": None if self.heartbeat_at is None else self.heartbeat_at.isoformat(),
            "finishedAt": None if self.finished_at is None else self.finished_at.isoformat(),
            "historyLineCount": self.history_line_count, "lastHistoryStep": self.last_history_step,
            "historyKeys": context.json({"lastStep": row.last_step, "keys": row.history_keys or {}}, "historyKeys"),
            "readOnly": not context.can_write(project.row.entity_id),
            "systemMetrics": str(context.document(row.system_metrics or {}, "systemMetrics")),
            "sweepName": None if row.sweep is None else row.sweep.name,
            "user": None if row.user is None else {"username": row.user.username},
            "project": {"name": project.name, "entityName": project.entity_name},
        }

    def _shared(self, kind: str, row_id: int | None, make: Callable[[], SharedT]) -> SharedT:
        key = (kind, row_id)
        if key not in self.shared:
            self.shared[key] = make()
        made: SharedT = self.shared[key]
        return made

    def _project(self) -> Project:
        return self._shared("project", self.row.project_id, lambda: Project.of(self.row.project))

    @strawberry.field
    def user(self, info: Info) -> User | None:
        row = self.row
        return self._shared("user", row.user_id,
                            lambda: None if row.user is None else User.of(row.user, info.context.viewer))

    @strawberry.field
    def project(self) -> Project | None:
        return self._project()

    @strawberry.field
    def description(self) -> str | None:
        return self.row.notes

    @strawberry.field
    def history_keys(self, info: Info) -> JSON:
        return info.context.json({"lastStep": self.row.last_step, "keys": self.row.history_keys or {}},
                                 "historyKeys")

    @strawberry.field
    def history(
        self, info: Info, samples: int | None = strawberry.UNSET, min_step: Int64 | None = strawberry.UNSET,
        max_step: Int64 | None = strawberry.UNSET
    ) -> list[JSONString]:
        rows = history.read(info.context.session, self.row, samples=given(samples), min_step=given(min_step),
                            max_step=given(max_step), budget=info.context.budget)
        return [JSONString(row) for row in rows]

    def _sampled(self, info: Info, specs: list[JSONString]) -> list[str]:
        """Each spec's rows as one JSON list, in runbase's exact text (see documents.py)."""
        parsed = [_history_spec(spec) for spec in specs]
        # What the specs may return in all, refused before any is loaded (each is charged as it runs).
        most = sum(min(spec.samples, self.row.history_line_count or 0) for spec in parsed)
        info.context.budget.afford(most, f"sampledHistory ({len(specs)} specs)")
        if len(specs) > MAX_SPECS:  # each reads the run's history: the count, not only the rows, costs
            raise UserError(f"sampledHistory takes at most {MAX_SPECS} specs, not {len(specs)}; ask for several "
                            "keys in one spec")
        return [history.sampled(info.context.session, self.row, spec.keys, spec.samples, x_axis=spec.x_axis,
                                min_step=spec.min_step, max_step=spec.max_step, budget=info.context.budget)
                for spec in parsed]

    @strawberry.field
    def sampled_history(self, info: Info, specs: list[JSONString]) -> list[JSON]:
        return [JSON(documents.wandb_values(text)) for text in self._sampled(info, specs)]

    @strawberry.field
    def sampled_history_text(self, info: Info, specs: list[JSONString]) -> list[JSONString]:
        return [JSONString(text) for text in self._sampled(info, specs)]

    @strawberry.field
    def parquet_history(self, info: Info, live_keys: list[str]) -> ParquetHistory:
        text = history.sampled(info.context.session, self.row, live_keys, LIVE_SAMPLES, budget=info.context.budget)
        return ParquetHistory(parquet_urls=[], live_data=[JSON(row) for row in documents.wandb_values(text)])

    @strawberry.field
    def history_page(
        self, info: Info, keys: list[str] | None = strawberry.UNSET, min_step: Int64 | None = strawberry.UNSET,
        *, max_step: Int64 | None = strawberry.UNSET, limit: int | None = strawberry.UNSET
    ) -> HistoryPage:
        rows, next_step = history.scan(info.context.session, self.row, given(keys), min_step=given(min_step),
                                       max_step=given(max_step), limit=_page_limit(given(limit)),
                                       budget=info.context.budget)
        return HistoryPage(rows=JSONString(rows), next_step=int64(next_step))

    @strawberry.field
    def read_only(self, info: Info) -> bool:
        return not info.context.can_write(self._project().row.entity_id)

    @strawberry.field
    def system_metrics(self, info: Info) -> JSONString:
        return info.context.document(self.row.system_metrics or {}, "systemMetrics")

    @strawberry.field
    def events(self, info: Info, samples: int | None = strawberry.UNSET) -> list[JSONString]:
        rows = history.events(info.context.session, self.row, _samples(given(samples)), budget=info.context.budget)
        return [JSONString(row) for row in rows]

    @strawberry.field
    def events_line_count(self) -> Int64:
        return Int64(self.row.system_line_count or 0)

    @strawberry.field
    def console_tail(self, info: Info, lines: int | None = strawberry.UNSET) -> list[str]:
        return console.tail(info.context.session, self.row, given(lines), budget=info.context.budget)

    @strawberry.field
    def console_lines(self, info: Info, offset: int, limit: int | None = strawberry.UNSET) -> list[str]:
        return console.page(info.context.session, self.row, offset, given(limit), budget=info.context.budget)

    @strawberry.field
    def console_line_count(self) -> Int64:
        return Int64(self.row.console_line_count or 0)

    @strawberry.field
    def project_id(self) -> int:
        return self.row.project_id

    @strawberry.field
    def commit(self) -> str | None:
        return self.row.commit

    @strawberry.field
    def stopped(self) -> bool:
        return self.row.stop_requested

    @strawberry.field
    def log_line_count(self) -> int:
        return self.row.console_line_count or 0

    @strawberry.field
    def history_tail(self, info: Info) -> str:
        return _tail(history.last_row(info.context.session, self.row))

    @strawberry.field
    def events_tail(self, info: Info) -> str:
        return _tail(history.last_row(info.context.session, self.row, system=True))

    @strawberry.field
    def wandb_config(self, info: Info, keys: list[str] | None = strawberry.UNSET) -> JSONString:
        internal = (self.row.config or {}).get("_wandb")
        internal = {"t": {}, **(internal if isinstance(internal, dict) else {})}
        wanted = given(keys)
        chosen = internal if wanted is None else {key: internal[key] for key in wanted if key in internal}
        return info.context.document(chosen, "wandbConfig")


def _tail(row: str | None) -> str:
    return json.dumps([] if row is None else [row])


MAX_HISTORY_PAGE = 100_000
MAX_SAMPLES = 100_000
MAX_SPECS = 100
LIVE_SAMPLES = 500  # parquetHistory's liveData: W&B's client reads only where the live rows start


class _Spec(NamedTuple):
    keys: list[str] | None
    samples: int
    x_axis: str
    min_step: int | None
    max_step: int | None  # exclusive, as history.sampled takes it


def _history_spec(text: str) -> _Spec:
    """A sampledHistory spec as W&B's clients send it: {"keys": [...], "samples": N, "xAxis": "_step"}, and a
    range of steps a zoomed chart shows, "minStep" <= _step <= "maxStep" (either optional; both inclusive, as
    W&B's client pages its scans by them, unlike history's maxStep)."""
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
    steps = {name: spec.get(name) for name in ("minStep", "maxStep")}
    for name, step in steps.items():
        if step is not None and type(step) is not int:
            raise UserError(f"sampledHistory spec: {name} must be an integer or null")
    last = steps["maxStep"]
    return _Spec(keys, samples, x_axis, steps["minStep"], None if last is None else last + 1)


def _samples(samples: int | None) -> int:
    """W&B's clients ask events for 500 rows; runbase's default is the same."""
    return 500 if samples is None else samples


def _page_limit(limit: int | None) -> int:
    if limit is None:
        return 1000
    if not 1 <= limit <= MAX_HISTORY_PAGE:
        raise UserError(f"limit must be between 1 and {MAX_HISTORY_PAGE}")
    return limit


def readable_project(info: Info, entity_name: str | None, name: str) -> Project | None:
    ctx = info.context
    row = projects.readable(ctx.session, ctx.viewer, entity_name or ctx.viewer.username, name)
    return None if row is None else Project.of(row)


@strawberry.input
class UpsertBucketInput:
    id: str | None = strawberry.UNSET
    model_name: str | None = strawberry.UNSET
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
    sweep: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    commit: str | None = strawberry.UNSET
    job_program: str | None = strawberry.UNSET
    job_repo: str | None = strawberry.UNSET
    debug: bool | None = strawberry.UNSET


@strawberry.type
class ServerMessage:
    utf_text: str
    plain_text: str
    html_text: str
    message_type: str
    message_level: str


@strawberry.type
class ServerSettings:
    """W&B's notices to a run's client. wandb 0.22 looks this type up before every upsertBucket and, where it is
    missing, fails: its `wandb sync` then uploads nothing yet says it succeeded."""

    server_messages: list[ServerMessage]


@strawberry.type
class UpsertBucketPayload:
    bucket: Run
    inserted: bool

    @strawberry.field
    def server_settings(self) -> ServerSettings:
        return ServerSettings(server_messages=[])


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
    system_rows: JSONString | None = strawberry.UNSET
    system_start: Int64 | None = strawberry.UNSET


@strawberry.type
class RefusedHistoryRow:
    index: int
    step: Int64
    reason: str


@strawberry.type
class LogHistoryPayload:
    accepted: int
    refused: list[RefusedHistoryRow]
    refused_system_rows: list[RefusedHistoryRow]
    history_line_count: int
    last_history_step: Int64 | None
    events_line_count: Int64
    state: str


def _refused(refused: list[history.Refused]) -> list[RefusedHistoryRow]:
    return [RefusedHistoryRow(index=r.position, step=Int64(r.step), reason=r.reason) for r in refused]


@strawberry.input
class DeleteRunInput:
    id: strawberry.ID
    delete_artifacts: bool | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.type
class DeleteRunPayload:
    success: bool
    client_mutation_id: str | None


@strawberry.input
class StopRunInput:
    id: strawberry.ID
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.type
class StopRunPayload:
    success: bool
    client_mutation_id: str | None


@strawberry.input
class UpdateRunInput:
    project_name: str
    run_name: str
    entity_name: str | None = strawberry.UNSET
    display_name: str | None = strawberry.UNSET
    notes: str | None = strawberry.UNSET
    tags: list[str] | None = strawberry.UNSET


@strawberry.type
class UpdateRunPayload:
    run: Run


@strawberry.input
class RewindRunInput:
    run_name: str
    metric_name: str
    metric_value: float
    entity_name: str | None = strawberry.UNSET
    project_name: str | None = strawberry.UNSET


@strawberry.type
class RewindRunPayload:
    rewound_run: Run | None


@strawberry.input
class UpsertModelInput:
    name: str | None = strawberry.UNSET
    entity_name: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    access: str | None = strawberry.UNSET
    id: str | None = strawberry.UNSET
    framework: str | None = strawberry.UNSET
    views: JSONString | None = strawberry.UNSET
    repo: str | None = strawberry.UNSET


@strawberry.type
class UpsertModelPayload:
    project: Project
    inserted: bool

    @strawberry.field
    def model(self) -> Project:
        """W&B's name of project."""
        return self.project


@strawberry.type
class RunQueries:
    @strawberry.field
    def project(self, info: Info, name: str | None, entity_name: str | None = strawberry.UNSET) -> Project | None:
        """None for a name that is null, as W&B's client may send one."""
        return None if name is None else readable_project(info, given(entity_name), name)

    @strawberry.field
    def model(self, info: Info, name: str | None, entity_name: str | None = strawberry.UNSET) -> Project | None:
        return None if name is None else readable_project(info, given(entity_name), name)

    @strawberry.field
    def projects(self, info: Info, entity_name: str | None = strawberry.UNSET, first: int | None = strawberry.UNSET,
                 after: str | None = strawberry.UNSET) -> ProjectConnection:
        return _projects(info, given(entity_name), given(first), given(after))

    @strawberry.field
    def models(self, info: Info, entity_name: str | None = strawberry.UNSET, first: int | None = strawberry.UNSET,
               after: str | None = strawberry.UNSET) -> ProjectConnection:
        return _projects(info, given(entity_name), given(first), given(after))


def _projects(info: Info, entity_name: str | None, first: int | None, after: str | None) -> ProjectConnection:
    ctx = info.context
    page, total = projects.visible(ctx.session, ctx.viewer, entity_name or ctx.viewer.username, first, after=after)
    ctx.charged(page, "projects")
    return ProjectConnection(
        edges=[ProjectEdge(node=Project.of(row), cursor=c) for row, c in zip(page.items, page.cursors())],
        page_info=PageInfo.of(page),
        total_count=total,
    )


@strawberry.type
class RunMutations:
    @strawberry.mutation
    def upsert_bucket(self, info: Info, input: UpsertBucketInput) -> UpsertBucketPayload | None:
        input = given(input)
        row, inserted = runs.upsert(info.context.session, info.context.viewer, vars(input),
                                    check_config=branching.check_config)
        if input.sweep is not None:
            sweeps.link_run(info.context.session, row, input.sweep)
        # A run just made holds no history unless it was forked: only then is there a tail to compact.
        has_history = branching.fork(info.context.session, info.context.viewer, row) if inserted else True
        if has_history and row.state in runs.FINAL_STATES:
            history.compact(info.context.session, row)  # a finished run's reads are then columnar only
        return UpsertBucketPayload(bucket=Run.of(row), inserted=inserted)

    @strawberry.mutation
    def log_history(self, info: Info, input: LogHistoryInput) -> LogHistoryPayload | None:
        input = given(input)
        stored = history.append(
            info.context.session, info.context.viewer, input.entity_name, input.project_name, run_name=input.run_name,
            rows_text=input.rows, summary_text=input.summary_metrics, console_start=input.console_start,
            console_text=input.console_lines, removed_summary_keys=input.remove_summary_keys,
            system_start=input.system_start, system_text=input.system_rows)
        row = stored.run
        return LogHistoryPayload(accepted=stored.accepted, refused=_refused(stored.refused),
                                 refused_system_rows=_refused(stored.refused_system),
                                 history_line_count=row.history_line_count, last_history_step=int64(row.last_step),
                                 events_line_count=Int64(row.system_line_count or 0), state=row.state)

    @strawberry.mutation
    def rewind_run(self, info: Info, input: RewindRunInput) -> RewindRunPayload | None:
        input = given(input)
        row = branching.rewind(info.context.session, info.context.viewer, input.entity_name,
                               input.project_name, name=input.run_name,
                               metric_name=input.metric_name, metric_value=input.metric_value)
        return RewindRunPayload(rewound_run=Run.of(row))

    @strawberry.mutation
    def delete_run(self, info: Info, input: DeleteRunInput) -> DeleteRunPayload | None:
        input = given(input)
        ctx = info.context
        run = runs.writable_by_id(ctx.session, ctx.viewer, input.id)
        if input.delete_artifacts:  # the versions it logged go first, in the same transaction
            versions.delete_logged_by(ctx.session, ctx.viewer, run)
        runs.delete(ctx.session, run)
        return DeleteRunPayload(success=True, client_mutation_id=input.client_mutation_id)

    @strawberry.mutation
    def stop_run(self, info: Info, input: StopRunInput) -> StopRunPayload | None:
        input = given(input)
        runs.stop(info.context.session, info.context.viewer, input.id)
        return StopRunPayload(success=True, client_mutation_id=input.client_mutation_id)

    @strawberry.mutation
    def update_run(self, info: Info, input: UpdateRunInput) -> UpdateRunPayload | None:
        input = given(input)
        ctx = info.context
        run = runs.writable(ctx.session, ctx.viewer, input.entity_name, input.project_name, name=input.run_name)
        runs.edit(ctx.session, run, vars(input))
        return UpdateRunPayload(run=Run.of(run))

    @strawberry.mutation
    def upsert_model(self, info: Info, input: UpsertModelInput) -> UpsertModelPayload | None:
        input = given(input)
        if input.name is None:
            raise UserError("upsertModel needs the project's name")
        unkept = [field for field, value in (("id", input.id), ("framework", input.framework),
                                             ("views", input.views), ("repo", input.repo)) if value is not None]
        if unkept:  # W&B's clients send them null; runbase keeps no such thing, and names projects by name
            raise UserError(f"upsertModel does not take {', '.join(unkept)}: name the project by name and entity")
        ctx = info.context
        row, inserted = projects.upsert(ctx.session, ctx.viewer, input.entity_name or ctx.viewer.username,
                                        input.name, description=input.description, access_level=input.access)
        return UpsertModelPayload(project=Project.of(row), inserted=inserted)
