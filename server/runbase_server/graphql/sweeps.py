"""GraphQL types for sweeps and their agents: ProjectSweeps into Project, RunSweep into Run, SweepMutations
into Mutation. Thin: the rules are the sweeps services'."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated

import strawberry

from .. import documents
from ..runs import runs
from ..sweeps import agents, sweeps
from ..tables import Project as ProjectRow
from ..tables import Run as RunRow
from ..tables import Sweep as SweepRow
from ..tables import SweepAgent as AgentRow
from .base import DateTime, Info, Int64, JSONString, PageInfo, given, int64

if TYPE_CHECKING:
    from .runs import Project, RunConnection

RUNS = "runbase_server.graphql.runs"


@strawberry.type
class Sweep:
    row: strawberry.Private[SweepRow]
    id: strawberry.ID
    name: str
    display_name: str | None
    description: str | None
    state: str
    method: str
    run_count_expected: Int64 | None
    created_at: DateTime
    updated_at: DateTime

    @classmethod
    def of(cls, row: SweepRow) -> Sweep:
        return cls(row=row, id=strawberry.ID(str(row.id)), name=row.name, display_name=row.display_name,
                   description=row.description, state=row.state, method=row.method,
                   run_count_expected=int64(row.run_count_expected), created_at=DateTime(row.created_at),
                   updated_at=DateTime(row.updated_at))

    @strawberry.field
    def config(self, info: Info) -> str:
        """W&B's YAML text (here JSON, which YAML reads), its bytes counted toward the answer as Run.config's are."""
        text = sweeps.config_text(self.row)
        info.context.budget.charge(0, "config", size=len(text))  # json.dumps escapes: characters are bytes
        return text

    @strawberry.field
    def run_count(self, info: Info) -> int:
        return sweeps.run_count(info.context.session, self.row)

    @strawberry.field
    def project(self) -> Annotated[Project, strawberry.lazy(RUNS)] | None:
        from .runs import Project

        return Project.of(self.row.project)

    @strawberry.field
    def runs(self, info: Info, filters: JSONString | None = strawberry.UNSET, order: str | None = strawberry.UNSET,
             *, first: int | None = strawberry.UNSET, after: str | None = strawberry.UNSET
             ) -> Annotated[RunConnection, strawberry.lazy(RUNS)]:
        from .runs import RunConnection

        asked = documents.parse(given(filters), "filters")
        within = json.dumps({"$and": [{"sweep": self.row.name}, asked]} if asked else {"sweep": self.row.name})
        session, project = info.context.session, self.row.project
        page = info.context.charged(runs.search(session, project, within, given(order), first=given(first),
                                                after=given(after)), "runs")
        return RunConnection.of(page, lambda: runs.count(session, project, within))


@strawberry.type
class SweepEdge:
    node: Sweep
    cursor: str


@strawberry.type
class SweepConnection:
    edges: list[SweepEdge]
    page_info: PageInfo


@strawberry.type
class ProjectSweeps:
    """Project's sweep fields; Project carries the row they read."""

    row: strawberry.Private[ProjectRow]

    @strawberry.field
    def sweep(self, info: Info, sweep_name: str) -> Sweep | None:
        row = sweeps.find(info.context.session, self.row, sweep_name)
        return None if row is None else Sweep.of(row)

    @strawberry.field
    def sweeps(self, info: Info, first: int | None = strawberry.UNSET,
               after: str | None = strawberry.UNSET) -> SweepConnection:
        page = info.context.charged(sweeps.search(info.context.session, self.row, given(first), given(after)),
                                    "sweeps")
        return SweepConnection(edges=[SweepEdge(node=Sweep.of(row), cursor=c)
                                      for row, c in zip(page.items, page.cursors())], page_info=PageInfo.of(page))

    @strawberry.field
    def total_sweeps(self, info: Info) -> int:
        return sweeps.count(info.context.session, self.row)


@strawberry.type
class RunSweep:
    """Run's sweep fields; Run carries the row they read (its project's readers read its sweep)."""

    row: strawberry.Private[RunRow]

    @strawberry.field
    def sweep(self) -> Sweep | None:
        return None if self.row.sweep is None else Sweep.of(self.row.sweep)

    @strawberry.field
    def sweep_name(self) -> str | None:
        return None if self.row.sweep is None else self.row.sweep.name


@strawberry.type
class SweepAgent:
    row: strawberry.Private[AgentRow]
    id: strawberry.ID
    state: str
    host: str | None
    sweep_name: str

    @classmethod
    def of(cls, row: AgentRow) -> SweepAgent:
        return cls(row=row, id=strawberry.ID(str(row.id)), state=row.state, host=row.host, sweep_name=row.sweep.name)


@strawberry.input
class UpsertSweepInput:
    id: strawberry.ID | None = strawberry.UNSET
    config: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    display_name: str | None = strawberry.UNSET
    entity_name: str | None = strawberry.UNSET
    project_name: str | None = strawberry.UNSET
    state: str | None = strawberry.UNSET
    prior_runs_filters: JSONString | None = strawberry.UNSET


@strawberry.type
class UpsertSweepPayload:
    sweep: Sweep
    inserted: bool
    config_validation_warnings: list[str]


@strawberry.input
class CreateAgentInput:
    sweep: str
    project_name: str
    entity_name: str | None = strawberry.UNSET
    host: str | None = strawberry.UNSET


@strawberry.type
class CreateAgentPayload:
    agent: SweepAgent


@strawberry.input
class AgentHeartbeatInput:
    id: strawberry.ID
    run_state: JSONString | None = strawberry.UNSET
    metrics: JSONString | None = strawberry.UNSET


@strawberry.type
class AgentHeartbeatPayload:
    agent: SweepAgent
    commands: JSONString


@strawberry.type
class SweepMutations:
    @strawberry.mutation
    def upsert_sweep(self, info: Info, input: UpsertSweepInput) -> UpsertSweepPayload | None:
        input = given(input)
        ctx = info.context
        changes = sweeps.Changes(entity=input.entity_name, project=input.project_name, config=input.config,
                                 description=input.description, display_name=input.display_name, state=input.state,
                                 prior_runs_filters=input.prior_runs_filters)
        if input.id is None:
            row = sweeps.create(ctx.session, ctx.viewer, changes)
        else:
            row = sweeps.change(ctx.session, sweeps.by_id(ctx.session, ctx.viewer, str(input.id)), changes)
        return UpsertSweepPayload(sweep=Sweep.of(row), inserted=input.id is None, config_validation_warnings=[])

    @strawberry.mutation
    def create_agent(self, info: Info, input: CreateAgentInput) -> CreateAgentPayload | None:
        input = given(input)
        ctx = info.context
        row = agents.create(ctx.session, ctx.viewer, entity=input.entity_name or ctx.viewer.username,
                            project=input.project_name, sweep=input.sweep, host=input.host)
        return CreateAgentPayload(agent=SweepAgent.of(row))

    @strawberry.mutation
    def agent_heartbeat(self, info: Info, input: AgentHeartbeatInput) -> AgentHeartbeatPayload | None:
        input = given(input)
        ctx = info.context
        agent = agents.writable(ctx.session, ctx.viewer, str(input.id))
        commands = agents.heartbeat(ctx.session, agent, documents.parse(input.run_state, "runState") or {},
                                    silent_for=timedelta(seconds=ctx.limits["heartbeat_timeout_seconds"]))
        return AgentHeartbeatPayload(agent=SweepAgent.of(agent), commands=ctx.document(commands, "commands"))
