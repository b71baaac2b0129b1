"""The GraphQL layer of registries: Registry and its mutations, as thin resolvers over registries.py.
schema.py mixes RegistryQueries into Query and RegistryMutations into Mutation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry
from sqlalchemy import ColumnElement

from ..artifacts import registries, versions
from ..tables import Registry as RegistryRow
from .artifacts import (
    ArtifactCollectionConnection,
    ArtifactConnection,
    collections_connection,
)
from .base import DateTime, Info, JSONString, PageInfo, given, timestamp

if TYPE_CHECKING:
    from .users import Member

LazyMember = Annotated["Member", strawberry.lazy(".users")]


@strawberry.type
class Registry:
    row: strawberry.Private[RegistryRow]
    id: strawberry.ID
    name: str
    full_name: str
    organization: str
    description: str | None
    visibility: str
    allow_all_artifact_types: bool
    created_at: DateTime
    updated_at: DateTime | None

    @classmethod
    def of(cls, row: RegistryRow) -> Registry:
        project = row.project
        return cls(row=row, id=strawberry.ID(str(row.project_id)), name=registries.name_of(row),
                   full_name=project.name, organization=project.entity.name, description=project.description,
                   visibility=row.visibility, allow_all_artifact_types=row.allow_all_types,
                   created_at=DateTime(project.created_at), updated_at=timestamp(row.updated_at))

    @strawberry.field
    def artifact_types(self, info: Info) -> list[str]:
        return info.context.listed(list(self.row.artifact_types or []), "artifactTypes")

    @strawberry.field
    def members(self, info: Info) -> list[LazyMember]:
        from .users import Member

        ctx = info.context
        found = registries.members(ctx.session, self.row)
        ctx.budget.charge(len(found), "members")
        return [Member.of(member.role, user, ctx.viewer) for member, user in found]

    @strawberry.field
    def collections(self, info: Info, filters: JSONString | None = strawberry.UNSET,
                    first: int | None = strawberry.UNSET,
                    after: str | None = strawberry.UNSET) -> ArtifactCollectionConnection:
        return collections_connection(info, registries.in_registry(self.row), given(filters), given(first),
                                      after=given(after))

    @strawberry.field
    def versions(self, info: Info, collection_filters: JSONString | None = strawberry.UNSET,
                 filters: JSONString | None = strawberry.UNSET, first: int | None = strawberry.UNSET,
                 *, after: str | None = strawberry.UNSET) -> ArtifactConnection:
        return _versions(info, registries.in_registry(self.row), given(collection_filters), given(filters),
                         first=given(first), after=given(after))


def _versions(info: Info, scope: ColumnElement[bool], collection_filters: str | None, filters: str | None,
              *, first: int | None, after: str | None) -> ArtifactConnection:
    session = info.context.session
    page = info.context.charged(versions.in_scope(session, scope, collection_filters, filters, first=first,
                                                  after=after), "artifacts")
    return ArtifactConnection.of(page, lambda: versions.count_in_scope(session, scope, collection_filters, filters))


@strawberry.type
class RegistryEdge:
    node: Registry
    cursor: str


@strawberry.type
class RegistryConnection:
    edges: list[RegistryEdge]
    page_info: PageInfo


@strawberry.input
class CreateRegistryInput:
    name: str
    visibility: str
    organization: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    artifact_types: list[str] | None = strawberry.UNSET


@strawberry.type
class CreateRegistryPayload:
    registry: Registry


@strawberry.input
class UpdateRegistryInput:
    id: strawberry.ID
    name: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    visibility: str | None = strawberry.UNSET
    artifact_types: list[str] | None = strawberry.UNSET
    allow_all_artifact_types: bool | None = strawberry.UNSET


@strawberry.type
class UpdateRegistryPayload:
    registry: Registry


@strawberry.input
class DeleteRegistryInput:
    id: strawberry.ID


@strawberry.type
class DeleteRegistryPayload:
    success: bool


@strawberry.input
class RegistryMembersInput:
    registry_id: strawberry.ID
    usernames: list[str]
    role: str | None = strawberry.UNSET


@strawberry.type
class RegistryMembersPayload:
    registry: Registry


@strawberry.type
class RegistryQueries:
    @strawberry.field
    def registries(self, info: Info, organization: str | None = strawberry.UNSET,
                   filters: JSONString | None = strawberry.UNSET, first: int | None = strawberry.UNSET,
                   *, after: str | None = strawberry.UNSET) -> RegistryConnection:
        ctx = info.context
        page = ctx.charged(registries.search(ctx.session, ctx.viewer, given(organization), given(filters),
                                             first=given(first), after=given(after)), "registries")
        return RegistryConnection(
            edges=[RegistryEdge(node=Registry.of(row), cursor=c) for row, c in zip(page.items, page.cursors())],
            page_info=PageInfo.of(page))

    @strawberry.field
    def registry(self, info: Info, name: str, organization: str | None = strawberry.UNSET) -> Registry | None:
        row = registries.find(info.context.session, info.context.viewer, name, given(organization))
        return None if row is None else Registry.of(row)

    @strawberry.field
    def registry_collections(self, info: Info, organization: str | None = strawberry.UNSET,
                             registry_filters: JSONString | None = strawberry.UNSET,
                             filters: JSONString | None = strawberry.UNSET, *, first: int | None = strawberry.UNSET,
                             after: str | None = strawberry.UNSET) -> ArtifactCollectionConnection:
        scope = registries.in_registries(info.context.session, info.context.viewer, given(organization),
                                         given(registry_filters))
        return collections_connection(info, scope, given(filters), given(first), after=given(after))

    @strawberry.field
    def registry_versions(self, info: Info, organization: str | None = strawberry.UNSET,
                          registry_filters: JSONString | None = strawberry.UNSET,
                          collection_filters: JSONString | None = strawberry.UNSET,
                          *, filters: JSONString | None = strawberry.UNSET, first: int | None = strawberry.UNSET,
                          after: str | None = strawberry.UNSET) -> ArtifactConnection:
        scope = registries.in_registries(info.context.session, info.context.viewer, given(organization),
                                         given(registry_filters))
        return _versions(info, scope, given(collection_filters), given(filters), first=given(first), after=given(after))


@strawberry.type
class RegistryMutations:
    @strawberry.mutation
    def create_registry(self, info: Info, input: CreateRegistryInput) -> CreateRegistryPayload | None:
        input = given(input)
        row = registries.create(info.context.session, info.context.viewer, input.organization, input.name,
                                visibility=input.visibility, description=input.description,
                                artifact_types=input.artifact_types)
        return CreateRegistryPayload(registry=Registry.of(row))

    @strawberry.mutation
    def update_registry(self, info: Info, input: UpdateRegistryInput) -> UpdateRegistryPayload | None:
        input = given(input)
        row = registries.update(info.context.session, info.context.viewer, input.id, input.name,
                                description=input.description, visibility=input.visibility,
                                artifact_types=input.artifact_types, allow_all_types=input.allow_all_artifact_types)
        return UpdateRegistryPayload(registry=Registry.of(row))

    @strawberry.mutation
    def delete_registry(self, info: Info, input: DeleteRegistryInput) -> DeleteRegistryPayload | None:
        registries.delete(info.context.session, info.context.viewer, input.id)
        return DeleteRegistryPayload(success=True)

    @strawberry.mutation
    def add_registry_members(self, info: Info, input: RegistryMembersInput) -> RegistryMembersPayload | None:
        input = given(input)
        row = registries.add_members(info.context.session, info.context.viewer, input.registry_id, input.usernames,
                                     member_role=input.role)
        return RegistryMembersPayload(registry=Registry.of(row))

    @strawberry.mutation
    def remove_registry_members(self, info: Info, input: RegistryMembersInput) -> RegistryMembersPayload | None:
        input = given(input)
        row = registries.remove_members(info.context.session, info.context.viewer, input.registry_id,
                                        input.usernames)
        return RegistryMembersPayload(registry=Registry.of(row))
