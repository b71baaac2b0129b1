"""The GraphQL layer of artifacts: Artifact, ArtifactFile, ArtifactCollection, ArtifactType and their
mutations, as thin resolvers over versions.py and collections.py. schema.py mixes
ProjectArtifacts into Project, RunArtifacts into Run, ArtifactQueries into Query and ArtifactMutations
into Mutation; registries build their connections with ArtifactConnection.of and
collections_connection."""

from __future__ import annotations

import functools
from collections.abc import Callable
from enum import Enum
from typing import TYPE_CHECKING, Annotated, ClassVar, Self, cast

import strawberry

from .. import pagination
from ..artifacts import collections, versions
from ..errors import UserError
from ..tables import ArtifactCollection as CollectionRow
from ..tables import ArtifactEntry as EntryRow
from ..tables import ArtifactType as TypeRow
from ..tables import Project as ProjectRow
from ..tables import Run as RunRow
from .base import DateTime, Info, Int64, JSONString, PageInfo, given, int64, timestamp

TTL_DISABLED = -2  # W&B's ttlDurationSeconds of a version kept until deleted

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement

    from sqlalchemy.orm import Session

    from .artifact_uploads import ArtifactManifest
    from .files import FileConnection
    from .runs import Project, Run, RunConnection
    from .users import User


@strawberry.type
class ArtifactFile:
    row: strawberry.Private[EntryRow]
    path: str
    digest: str | None
    size: Int64 | None
    ref: str | None
    url: str | None

    @classmethod
    def of(cls, version: versions.Version, row: EntryRow) -> ArtifactFile:
        return cls(row=row, path=row.path, digest=row.sha256 or row.digest, size=int64(row.size), ref=row.ref,
                   url=versions.url_of(version.artifact, row))

    @strawberry.field
    def extra(self, info: Info) -> JSONString:
        return info.context.document(self.row.extra or {}, "extra")


@strawberry.type
class ArtifactFileEdge:
    node: ArtifactFile
    cursor: str


@strawberry.type
class ArtifactFileConnection:
    edges: list[ArtifactFileEdge]
    page_info: PageInfo
    counted: strawberry.Private[Callable[[], int]]

    @strawberry.field
    def total_count(self) -> int:
        return self.counted()


@strawberry.type
class Artifact:
    version: strawberry.Private[versions.Version]
    id: strawberry.ID
    version_index: int | None
    is_link: bool
    digest: str
    state: str
    description: str | None
    ttl_duration_seconds: Int64
    ttl_is_inherited: bool
    size: Int64
    file_count: int
    created_at: DateTime
    updated_at: DateTime | None
    history_step: Int64 | None

    @classmethod
    def of(cls, version: versions.Version) -> Artifact:
        row = version.artifact
        return cls(version=version, id=strawberry.ID(str(row.id)), version_index=version.index,
                   is_link=version.is_link, digest=row.digest, state=row.state, description=row.description,
                   ttl_duration_seconds=Int64(TTL_DISABLED if row.ttl_seconds is None else row.ttl_seconds),
                   ttl_is_inherited=False, size=Int64(row.size), file_count=row.file_count,
                   created_at=DateTime(row.created_at), updated_at=timestamp(row.updated_at),
                   history_step=int64(row.history_step))

    @strawberry.field
    def tags(self, info: Info) -> list[Tag]:
        return [Tag.of(name) for name in info.context.listed(list(self.version.artifact.tags or []), "tags")]

    @strawberry.field
    def commit_hash(self) -> str | None:
        return self.digest if self.state == versions.COMMITTED else None

    @strawberry.field
    def digest_algorithm(self) -> ArtifactDigestAlgorithm | None:
        return None

    @strawberry.field
    def collection(self, info: Info) -> ArtifactCollection:
        return _collection(info, self.version)

    @strawberry.field
    def source_collection(self, info: Info) -> ArtifactCollection:
        shown = versions.source_readable(info.context.session, info.context.viewer, self.version)
        return ArtifactCollection.of(self.version.artifact.collection, hidden=not shown)

    @strawberry.field
    def artifact_sequence(self, info: Info) -> ArtifactSequence:
        """The sequence it was logged to (W&B's name for its source collection)."""
        shown = versions.source_readable(info.context.session, info.context.viewer, self.version)
        return cast(ArtifactSequence, ArtifactCollection.of(self.version.artifact.collection, hidden=not shown))

    @strawberry.field
    def current_manifest(self, info: Info) -> Annotated[
            ArtifactManifest, strawberry.lazy("runbase_server.graphql.artifact_uploads")] | None:
        """Its W&B manifest, behind a signed download URL; None while PENDING."""
        from .artifact_uploads import ArtifactManifest

        if self.version.artifact.state != versions.COMMITTED:
            return None
        return ArtifactManifest.download(info, self.version)

    @strawberry.field
    def artifact_type(self) -> ArtifactType:
        return ArtifactType.of(self.version.artifact.type)

    @strawberry.field
    def source_version_index(self, info: Info) -> int | None:
        return versions.source_index(info.context.session, self.version)

    @strawberry.field
    def type_name(self) -> str:
        return self.version.artifact.type.name

    @strawberry.field
    def metadata(self, info: Info) -> JSONString:
        return info.context.document(self.version.artifact.meta or {}, "metadata")

    @strawberry.field
    def aliases(self, info: Info) -> list[ArtifactAlias]:
        return _aliases(info, self.version)

    @strawberry.field
    def logged_by(self, info: Info) -> Annotated[Run, strawberry.lazy("runbase_server.graphql.runs")] | None:
        from .runs import Run

        row = versions.logged_by(info.context.session, info.context.viewer, self.version.artifact)
        return None if row is None else Run.of(row)

    @strawberry.field
    def created_by(self, info: Info) -> Annotated[
            Annotated[Run, strawberry.lazy("runbase_server.graphql.runs")]
            | Annotated[User, strawberry.lazy("runbase_server.graphql.users")],
            strawberry.union("Creator")] | None:
        from .runs import Run
        from .users import User

        ctx = info.context
        row = versions.created_by(ctx.session, ctx.viewer, self.version.artifact)
        if row is None:
            return None
        return Run.of(row) if isinstance(row, RunRow) else User.of(row, ctx.viewer)

    @strawberry.field
    def used_by(self, info: Info, first: int | None = strawberry.UNSET, after: str | None = strawberry.UNSET
                ) -> Annotated[RunConnection, strawberry.lazy("runbase_server.graphql.runs")]:
        from .runs import RunConnection

        page, total = versions.used_by(info.context.session, info.context.viewer, self.version.artifact,
                                        given(first), after=given(after))
        return RunConnection.of(info.context.charged(page, "usedBy"), lambda: total)

    @strawberry.field
    def linked_artifacts(self, info: Info) -> list[Artifact]:
        found = versions.linked(info.context.session, info.context.viewer, self.version)
        info.context.budget.charge(len(found), "linkedArtifacts")
        return [Artifact.of(v) for v in found]

    @strawberry.field
    def files(self, info: Info, names: list[str] | None = strawberry.UNSET, first: int | None = strawberry.UNSET,
              after: str | None = strawberry.UNSET) -> ArtifactFileConnection:
        session, row, names = info.context.session, self.version.artifact, given(names)
        page = info.context.charged(versions.files(session, row, names, given(first), after=given(after)), "files")
        return ArtifactFileConnection(
            edges=[ArtifactFileEdge(node=ArtifactFile.of(self.version, entry), cursor=c)
                   for entry, c in zip(page.items, page.cursors())],
            page_info=PageInfo.of(page), counted=lambda: versions.count_files(session, row, names))

    @strawberry.field
    def file(self, info: Info, path: str) -> ArtifactFile | None:
        row = versions.file(info.context.session, self.version.artifact, path)
        return None if row is None else ArtifactFile.of(self.version, row)


@strawberry.type
class ArtifactEdge:
    node: Artifact
    cursor: str

    @strawberry.field
    def version(self) -> str:
        """W&B's: the version's name in the collection it was listed from ("v3"; its id while PENDING)."""
        index = self.node.version_index
        return self.node.id if index is None else f"v{index}"


@strawberry.type
class ArtifactConnection:
    edges: list[ArtifactEdge]
    page_info: PageInfo
    counted: strawberry.Private[Callable[[], int]]

    edge: ClassVar[type[ArtifactEdge]] = ArtifactEdge

    @classmethod
    def of(cls, page: pagination.Page[versions.Version], counted: Callable[[], int]) -> Self:
        return cls(edges=[cls.edge(node=Artifact.of(v), cursor=c) for v, c in zip(page.items, page.cursors())],
                   page_info=PageInfo.of(page), counted=counted)

    @strawberry.field
    def total_count(self) -> int:
        return self.counted()


@strawberry.type
class VersionedArtifactEdge(ArtifactEdge):
    """W&B's name of the edges of a collection's versions."""


@strawberry.type
class VersionedArtifactConnection(ArtifactConnection):
    """W&B's name of a collection's versions."""

    edges: list[VersionedArtifactEdge]  # type: ignore[assignment]
    edge: ClassVar[type[ArtifactEdge]] = VersionedArtifactEdge


@strawberry.type
class InputArtifactEdge(ArtifactEdge):
    """W&B's name of the edges of the versions a run used."""


@strawberry.type
class InputArtifactConnection(ArtifactConnection):
    """W&B's name of the versions a run used (its older clients' queries name it in a fragment)."""

    edges: list[InputArtifactEdge]  # type: ignore[assignment]
    edge: ClassVar[type[ArtifactEdge]] = InputArtifactEdge


@strawberry.interface
class ArtifactCollection:
    """W&B's interface of ArtifactSequence (where versions are logged) and ArtifactPortfolio (where they are
    linked). `hidden`: a collection in a project the viewer cannot read, reached through a version they can (its source
    sequence, or a portfolio its owner linked it into): it is named, but its description, tags, aliases and
    versions are not shown."""

    row: strawberry.Private[CollectionRow]
    hidden: strawberry.Private[bool]
    held: strawberry.Private[Callable[[], dict[int, list[str]]] | None]  # the aliases of its page's collections
    id: strawberry.ID
    name: str
    kind: str
    description: str | None
    created_at: DateTime
    updated_at: DateTime | None

    @staticmethod
    def of(row: CollectionRow, hidden: bool = False,
           held: Callable[[], dict[int, list[str]]] | None = None) -> ArtifactCollection:
        """The sequence or portfolio the row is."""
        kind = ArtifactPortfolio if row.kind == collections.PORTFOLIO else ArtifactSequence
        return kind(row=row, hidden=hidden, held=held, id=strawberry.ID(str(row.id)), name=row.name, kind=row.kind,
                   description=None if hidden else row.description, created_at=DateTime(row.created_at),
                   updated_at=timestamp(row.updated_at))

    @strawberry.field
    def tags(self, info: Info) -> TagConnection:
        names = [] if self.hidden else info.context.listed(list(self.row.tags or []), "tags")
        return TagConnection(edges=[TagEdge(node=Tag.of(name)) for name in names])

    @strawberry.field
    def type_name(self) -> str:
        return self.row.type.name

    @strawberry.field
    def default_artifact_type(self) -> ArtifactType:
        return ArtifactType.of(self.row.type)

    @strawberry.field
    def entity_name(self) -> str:
        return self.row.project.entity.name

    @strawberry.field
    def project_name(self) -> str:
        return self.row.project.name

    @strawberry.field
    def project(self) -> Annotated[Project, strawberry.lazy("runbase_server.graphql.runs")]:
        from .runs import Project

        return Project.of(self.row.project)

    @strawberry.field
    def aliases(self, info: Info, first: int | None = strawberry.UNSET,
                after: str | None = strawberry.UNSET) -> ArtifactAliasConnection:
        """Every alias in use here, in name order, a page at a time."""
        held = [] if self.hidden else (self.held() if self.held else collections.aliases(
            info.context.session, [self.row]))[self.row.id]
        size, start = pagination.page_size(given(first)), pagination.offset_of(given(after))
        page = info.context.charged(pagination.paged(held[start:start + size + 1], start, size), "aliases")
        return ArtifactAliasConnection(
            edges=[ArtifactAliasEdge(node=ArtifactAlias(id=strawberry.ID(f"{self.row.id}:{name}"), alias=name,
                                                        artifact_collection=self), cursor=c)
                   for name, c in zip(page.items, page.cursors())],
            page_info=PageInfo.of(page))

    @strawberry.field
    def artifacts(self, info: Info, filters: JSONString | None = strawberry.UNSET,
                  first: int | None = strawberry.UNSET, *, after: str | None = strawberry.UNSET,
                  order: str | None = strawberry.UNSET) -> VersionedArtifactConnection:
        _newest_first(given(order), "versions")
        session = info.context.session
        where = versions.version_filter(session, given(filters), self.row.id)
        if self.hidden:
            return VersionedArtifactConnection.of(pagination.Page([], 0, False), lambda: 0)
        page = info.context.charged(versions.versions(session, self.row, where, given(first), after=given(after)),
                                    "artifacts")
        return VersionedArtifactConnection.of(page, lambda: versions.count_versions(session, self.row, where))

    @strawberry.field
    def artifact(self, info: Info, version: str) -> Artifact | None:
        found = None if self.hidden else versions.in_collection(info.context.session, self.row, version)
        return None if found is None else Artifact.of(found)

    @strawberry.field
    def artifact_membership(self, info: Info, alias_name: str) -> ArtifactCollectionMembership | None:
        found = None if self.hidden else versions.in_collection(info.context.session, self.row, alias_name)
        return None if found is None else ArtifactCollectionMembership.of(info.context.session, found)


@strawberry.type
class ArtifactSequence(ArtifactCollection):
    """A collection versions are logged to."""

    @strawberry.field
    def latest_artifact(self, info: Info) -> Artifact | None:
        found = None if self.hidden else versions.in_collection(info.context.session, self.row, collections.LATEST)
        return None if found is None else Artifact.of(found)


@strawberry.type
class ArtifactPortfolio(ArtifactCollection):
    """A collection versions are linked into (a registry's collections are portfolios)."""


@strawberry.type
class ArtifactAlias:
    """An alias of a version in a collection (W&B's shape: the alias with the collection it is held in)."""

    id: strawberry.ID
    alias: str
    artifact_collection: ArtifactCollection


@strawberry.type
class Tag:
    """A version's tag; its id is its name (runbase keeps tags as names, not objects of their own)."""

    id: strawberry.ID
    name: str

    @classmethod
    def of(cls, name: str) -> Tag:
        return cls(id=strawberry.ID(name), name=name)


@strawberry.type
class TagEdge:
    node: Tag


@strawberry.type
class TagConnection:
    edges: list[TagEdge]


@strawberry.type
class ArtifactAliasEdge:
    node: ArtifactAlias
    cursor: str


@strawberry.type
class ArtifactAliasConnection:
    edges: list[ArtifactAliasEdge]
    page_info: PageInfo


def _newest_first(order: str | None, what: str) -> None:
    """W&B's order argument, which its client leaves out: runbase lists these newest first only."""
    if order is not None:
        raise UserError(f"runbase lists {what} newest first only: leave order out (it was {order!r})")


@strawberry.type
class ArtifactCollectionMembership:
    """A committed version's place in a collection: its sequence, or a portfolio it is linked into."""

    version: strawberry.Private[versions.Version]
    id: strawberry.ID
    version_index: int | None
    created_at: DateTime

    @classmethod
    def of(cls, session: Session, version: versions.Version) -> ArtifactCollectionMembership:
        row = versions.membership(session, version)
        return cls(version=version, id=strawberry.ID(str(row.id)), version_index=row.version_index,
                   created_at=DateTime(row.created_at))

    @strawberry.field
    def artifact(self) -> Artifact:
        return Artifact.of(self.version)

    @strawberry.field
    def artifact_collection(self, info: Info) -> ArtifactCollection:
        return _collection(info, self.version)

    @strawberry.field
    def aliases(self, info: Info) -> list[ArtifactAlias]:
        return _aliases(info, self.version)

    @strawberry.field
    def files(self, info: Info, names: list[str] | None = strawberry.UNSET, first: int | None = strawberry.UNSET,
              after: str | None = strawberry.UNSET
              ) -> Annotated[FileConnection, strawberry.lazy("runbase_server.graphql.files")]:
        from .artifact_uploads import download_files

        return download_files(info, self.version, given(names), given(first), given(after))


def _collection(info: Info, version: versions.Version) -> ArtifactCollection:
    """The collection the version was reached through, hidden where the viewer may not browse it."""
    shown = versions.collection_readable(info.context.session, info.context.viewer, version)
    return ArtifactCollection.of(version.collection, hidden=not shown)


def _aliases(info: Info, version: versions.Version) -> list[ArtifactAlias]:
    """The version's aliases in the collection it was reached through, each naming that collection."""
    names = info.context.listed(versions.aliases(info.context.session, version), "aliases")
    if not names:
        return []
    collection = _collection(info, version)
    return [ArtifactAlias(id=strawberry.ID(f"{version.collection.id}:{name}"), alias=name,
                          artifact_collection=collection) for name in names]


@strawberry.type
class ArtifactCollectionEdge:
    node: ArtifactCollection
    cursor: str


@strawberry.type
class ArtifactCollectionConnection:
    edges: list[ArtifactCollectionEdge]
    page_info: PageInfo
    counted: strawberry.Private[Callable[[], int]]

    @classmethod
    def of(cls, page: pagination.Page[CollectionRow], counted: Callable[[], int],
           held: Callable[[], dict[int, list[str]]]) -> ArtifactCollectionConnection:
        return cls(edges=[ArtifactCollectionEdge(node=ArtifactCollection.of(row, held=held), cursor=c)
                          for row, c in zip(page.items, page.cursors())],
                   page_info=PageInfo.of(page), counted=counted)

    @strawberry.field
    def total_count(self) -> int:
        return self.counted()


def collections_connection(info: Info, scope: ColumnElement[bool], filters: str | None, first: int | None,
                           *, after: str | None) -> ArtifactCollectionConnection:
    """A page of the collections in `scope` (a project's, a type's, a registry's) that match `filters`."""
    session = info.context.session
    where = collections.collection_filter(session, filters)
    page = info.context.charged(collections.page(session, scope, where, first, after=after), "artifactCollections")
    held = functools.cache(lambda: collections.aliases(session, page.items))  # read once, if asked
    return ArtifactCollectionConnection.of(page, lambda: collections.count(session, scope, where), held)


@strawberry.type
class ArtifactType:
    row: strawberry.Private[TypeRow]
    id: strawberry.ID
    name: str
    description: str | None
    created_at: DateTime

    @classmethod
    def of(cls, row: TypeRow) -> ArtifactType:
        return cls(row=row, id=strawberry.ID(str(row.id)), name=row.name, description=row.description,
                   created_at=DateTime(row.created_at))

    @strawberry.field
    def artifact_collections(self, info: Info, first: int | None = strawberry.UNSET,
                             after: str | None = strawberry.UNSET, *, filters: JSONString | None = strawberry.UNSET,
                             order: str | None = strawberry.UNSET) -> ArtifactCollectionConnection:
        _newest_first(given(order), "collections")
        return collections_connection(info, collections.of_type(self.row), given(filters), given(first),
                                      after=given(after))

    @strawberry.field
    def artifact_collection(self, info: Info, name: str) -> ArtifactCollection | None:
        row = collections.find_of_type(info.context.session, self.row, name)
        return None if row is None else ArtifactCollection.of(row)


@strawberry.type
class ArtifactTypeEdge:
    node: ArtifactType
    cursor: str


@strawberry.type
class ArtifactTypeConnection:
    edges: list[ArtifactTypeEdge]
    page_info: PageInfo


@strawberry.type
class ProjectArtifacts:
    """Project's artifact fields; Project carries the row they read."""

    row: strawberry.Private[ProjectRow]

    @strawberry.field
    def artifact_type(self, info: Info, name: str) -> ArtifactType | None:
        row = collections.find_type(info.context.session, self.row, name)
        return None if row is None else ArtifactType.of(row)

    @strawberry.field
    def artifact_types(self, info: Info, first: int | None = strawberry.UNSET,
                       after: str | None = strawberry.UNSET) -> ArtifactTypeConnection:
        page = info.context.charged(collections.types_page(info.context.session, self.row, given(first),
                                                           given(after)), "artifactTypes")
        return ArtifactTypeConnection(
            edges=[ArtifactTypeEdge(node=ArtifactType.of(row), cursor=c) for row, c in zip(page.items, page.cursors())],
            page_info=PageInfo.of(page))

    @strawberry.field
    def artifact_collection(self, info: Info, name: str) -> ArtifactCollection | None:
        row = collections.find(info.context.session, self.row, name)
        return None if row is None else ArtifactCollection.of(row)

    @strawberry.field
    def artifact_collections(self, info: Info, type_name: str | None = strawberry.UNSET,
                             filters: JSONString | None = strawberry.UNSET, first: int | None = strawberry.UNSET,
                             *, after: str | None = strawberry.UNSET) -> ArtifactCollectionConnection:
        scope = collections.in_project(self.row, given(type_name))
        return collections_connection(info, scope, given(filters), given(first), after=given(after))

    @strawberry.field
    def artifact(self, info: Info, name: str) -> Artifact | None:
        found = versions.by_name(info.context.session, self.row, name)
        return None if found is None else Artifact.of(found)

    @strawberry.field
    def artifact_collection_membership(self, info: Info, name: str) -> ArtifactCollectionMembership | None:
        found = versions.by_name(info.context.session, self.row, name)
        return None if found is None else ArtifactCollectionMembership.of(info.context.session, found)


@strawberry.type
class RunArtifacts:
    """Run's lineage fields; Run carries the row they read."""

    row: strawberry.Private[RunRow]

    @strawberry.field
    def output_artifacts(self, info: Info, first: int | None = strawberry.UNSET,
                         after: str | None = strawberry.UNSET) -> ArtifactConnection:
        page, total = versions.logged(info.context.session, self.row, given(first), given(after))
        return ArtifactConnection.of(info.context.charged(page, "outputArtifacts"), lambda: total)

    @strawberry.field
    def input_artifacts(self, info: Info, first: int | None = strawberry.UNSET,
                        after: str | None = strawberry.UNSET) -> InputArtifactConnection:
        page, total = versions.used(info.context.session, info.context.viewer, self.row, given(first),
                                    after=given(after))
        return InputArtifactConnection.of(info.context.charged(page, "inputArtifacts"), lambda: total)


@strawberry.type
class ArtifactQueries:
    @strawberry.field
    def artifact(self, info: Info, id: strawberry.ID) -> Artifact | None:
        found = versions.readable(info.context.session, info.context.viewer, id)
        return None if found is None else Artifact.of(found)

    @strawberry.field
    def artifact_collection(self, info: Info, id: strawberry.ID) -> ArtifactCollection | None:
        row = collections.readable(info.context.session, info.context.viewer, id)
        return None if row is None else ArtifactCollection.of(row)


@strawberry.enum
class ArtifactDigestAlgorithm(Enum):
    MANIFEST_MD5 = "MANIFEST_MD5"


@strawberry.input
class ArtifactAliasInput:
    artifact_collection_name: str
    alias: str


@strawberry.input
class CreateArtifactInput:
    project_name: str
    artifact_type_name: str
    entity_name: str | None = strawberry.UNSET
    run_name: str | None = strawberry.UNSET
    artifact_collection_name: str | None = strawberry.UNSET
    artifact_collection_names: list[str] | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    metadata: JSONString | None = strawberry.UNSET
    aliases: list[ArtifactAliasInput] | None = strawberry.UNSET
    tags: list[str] | None = strawberry.UNSET
    ttl_duration_seconds: Int64 | None = strawberry.UNSET
    history_step: Int64 | None = strawberry.UNSET
    distributed_id: str | None = strawberry.field(default=strawberry.UNSET, name="distributedID")
    digest: str | None = strawberry.UNSET
    digest_algorithm: ArtifactDigestAlgorithm | None = strawberry.UNSET
    client_id: strawberry.ID | None = strawberry.field(default=strawberry.UNSET, name="clientID")
    sequence_client_id: strawberry.ID | None = strawberry.field(default=strawberry.UNSET, name="sequenceClientID")
    enable_digest_deduplication: bool | None = strawberry.UNSET
    labels: JSONString | None = strawberry.UNSET
    storage_region: str | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.type
class CreateArtifactPayload:
    artifact: Artifact


@strawberry.input
class AddArtifactFilesInput:
    artifact_id: strawberry.ID = strawberry.field(name="artifactID")
    files: JSONString


@strawberry.type
class AddArtifactFilesPayload:
    file_count: int


@strawberry.input
class CommitArtifactInput:
    artifact_id: strawberry.ID = strawberry.field(name="artifactID")


@strawberry.type
class CommitArtifactPayload:
    artifact: Artifact


@strawberry.input
class UseArtifactInput:
    project_name: str
    run_name: str
    artifact_id: strawberry.ID = strawberry.field(name="artifactID")
    entity_name: str | None = strawberry.UNSET


@strawberry.type
class UseArtifactPayload:
    artifact: Artifact


@strawberry.input
class UpdateArtifactInput:
    artifact_id: strawberry.ID = strawberry.field(name="artifactID")
    collection_id: strawberry.ID | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    metadata: JSONString | None = strawberry.UNSET
    aliases: list[ArtifactAliasInput] | None = strawberry.UNSET
    tags: list[str] | None = strawberry.UNSET
    tags_to_add: list[TagInput] | None = strawberry.UNSET
    tags_to_delete: list[TagInput] | None = strawberry.UNSET
    ttl_duration_seconds: Int64 | None = strawberry.UNSET


@strawberry.input
class TagInput:
    tag_name: str


@strawberry.type
class UpdateArtifactPayload:
    artifact: Artifact


@strawberry.input
class ArtifactCollectionAliasInput:
    entity_name: str
    project_name: str
    artifact_collection_name: str
    alias: str


@strawberry.input
class AddAliasesInput:
    artifact_id: strawberry.ID = strawberry.field(name="artifactID")
    aliases: list[ArtifactCollectionAliasInput]
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class DeleteAliasesInput:
    artifact_id: strawberry.ID = strawberry.field(name="artifactID")
    aliases: list[ArtifactCollectionAliasInput]
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.type
class AddAliasesPayload:
    success: bool
    client_mutation_id: str | None


@strawberry.type
class DeleteAliasesPayload:
    success: bool
    client_mutation_id: str | None


@strawberry.input
class DeleteArtifactInput:
    artifact_id: strawberry.ID = strawberry.field(name="artifactID")
    delete_aliases: bool | None = strawberry.UNSET


@strawberry.type
class DeleteArtifactPayload:
    success: bool
    artifact: Artifact


@strawberry.input
class LinkArtifactInput:
    artifact_id: strawberry.ID = strawberry.field(name="artifactID")
    project_name: str
    artifact_portfolio_name: str
    entity_name: str | None = strawberry.UNSET
    aliases: list[ArtifactAliasInput] | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.type
class LinkArtifactPayload:
    artifact: Artifact
    version_index: int | None

    @strawberry.field
    def artifact_membership(self, info: Info) -> ArtifactCollectionMembership:
        return ArtifactCollectionMembership.of(info.context.session, self.artifact.version)


@strawberry.input
class UnlinkArtifactInput:
    artifact_id: strawberry.ID = strawberry.field(name="artifactID")
    collection_id: strawberry.ID


@strawberry.type
class UnlinkArtifactPayload:
    success: bool


@strawberry.input
class UpdateArtifactCollectionInput:
    id: strawberry.ID
    name: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    tags: list[str] | None = strawberry.UNSET
    type_name: str | None = strawberry.UNSET


@strawberry.type
class UpdateArtifactCollectionPayload:
    artifact_collection: ArtifactCollection


@strawberry.input
class DeleteArtifactCollectionInput:
    id: strawberry.ID


@strawberry.type
class DeleteArtifactCollectionPayload:
    success: bool


@strawberry.type
class ArtifactMutations:
    @strawberry.mutation
    def create_artifact(self, info: Info, input: CreateArtifactInput) -> CreateArtifactPayload | None:
        i, ctx = given(input), info.context
        sequence = versions.sequence_name(i.artifact_collection_name, i.artifact_collection_names)
        aliases = versions.collection_aliases(sequence, None if i.aliases is None else [
            (alias.alias, alias.artifact_collection_name) for alias in i.aliases])
        version = versions.create(ctx.session, ctx.viewer, i.entity_name, i.project_name, run_name=i.run_name,
                                  type_name=i.artifact_type_name, collection_name=sequence, description=i.description,
                                  metadata=i.metadata, aliases=aliases, tags=i.tags,
                                  ttl_seconds=i.ttl_duration_seconds, history_step=i.history_step,
                                  distributed_id=i.distributed_id)
        return CreateArtifactPayload(artifact=Artifact.of(version))

    @strawberry.mutation
    def add_artifact_files(self, info: Info, input: AddArtifactFilesInput) -> AddArtifactFilesPayload | None:
        row = versions.add_files(info.context.session, info.context.viewer, input.artifact_id, input.files)
        return AddArtifactFilesPayload(file_count=row.file_count)

    @strawberry.mutation
    def commit_artifact(self, info: Info, input: CommitArtifactInput) -> CommitArtifactPayload | None:
        version = versions.commit(info.context.session, info.context.viewer, input.artifact_id)
        return CommitArtifactPayload(artifact=Artifact.of(version))

    @strawberry.mutation
    def use_artifact(self, info: Info, input: UseArtifactInput) -> UseArtifactPayload | None:
        i, ctx = given(input), info.context
        version = versions.use(ctx.session, ctx.viewer, i.entity_name, i.project_name, run_name=i.run_name,
                               artifact_id=i.artifact_id)
        return UseArtifactPayload(artifact=Artifact.of(version))

    @strawberry.mutation
    def update_artifact(self, info: Info, input: UpdateArtifactInput) -> UpdateArtifactPayload | None:
        ttl_given = input.ttl_duration_seconds is not strawberry.UNSET  # null clears the TTL; absent keeps it
        i, ctx = given(input), info.context
        aliases = None if i.aliases is None else [(a.alias, a.artifact_collection_name) for a in i.aliases]
        version = versions.update_version(ctx.session, ctx.viewer, i.artifact_id, i.collection_id,
                                          description=i.description, metadata=i.metadata, aliases=aliases,
                                          tags=i.tags, ttl_seconds=i.ttl_duration_seconds, ttl_given=ttl_given,
                                          tags_added=_tag_names(i.tags_to_add),
                                          tags_removed=_tag_names(i.tags_to_delete))
        return UpdateArtifactPayload(artifact=Artifact.of(version))

    @strawberry.mutation
    def add_aliases(self, info: Info, input: AddAliasesInput) -> AddAliasesPayload | None:
        i = given(input)
        versions.change_aliases(info.context.session, info.context.viewer, i.artifact_id, _placed(i.aliases),
                                add=True)
        return AddAliasesPayload(success=True, client_mutation_id=i.client_mutation_id)

    @strawberry.mutation
    def delete_aliases(self, info: Info, input: DeleteAliasesInput) -> DeleteAliasesPayload | None:
        i = given(input)
        versions.change_aliases(info.context.session, info.context.viewer, i.artifact_id, _placed(i.aliases),
                                add=False)
        return DeleteAliasesPayload(success=True, client_mutation_id=i.client_mutation_id)

    @strawberry.mutation
    def delete_artifact(self, info: Info, input: DeleteArtifactInput) -> DeleteArtifactPayload | None:
        i = given(input)
        was = versions.delete_version(info.context.session, info.context.viewer, i.artifact_id,
                                      bool(i.delete_aliases))
        return DeleteArtifactPayload(success=True, artifact=Artifact.of(was))

    @strawberry.mutation
    def link_artifact(self, info: Info, input: LinkArtifactInput) -> LinkArtifactPayload | None:
        i, ctx = given(input), info.context
        aliases = versions.collection_aliases(i.artifact_portfolio_name, None if i.aliases is None else [
            (alias.alias, alias.artifact_collection_name) for alias in i.aliases])
        version = versions.link(ctx.session, ctx.viewer, i.artifact_id, i.entity_name, project_name=i.project_name,
                                 collection_name=i.artifact_portfolio_name, aliases=aliases)
        return LinkArtifactPayload(artifact=Artifact.of(version), version_index=version.index)

    @strawberry.mutation
    def unlink_artifact(self, info: Info, input: UnlinkArtifactInput) -> UnlinkArtifactPayload | None:
        versions.unlink(info.context.session, info.context.viewer, input.artifact_id, input.collection_id)
        return UnlinkArtifactPayload(success=True)

    @strawberry.mutation
    def update_artifact_collection(self, info: Info,
                                   input: UpdateArtifactCollectionInput) -> UpdateArtifactCollectionPayload | None:
        i, ctx = given(input), info.context
        row = collections.update(ctx.session, ctx.viewer, i.id, i.name, description=i.description, tags=i.tags,
                                 type_name=i.type_name)
        return UpdateArtifactCollectionPayload(artifact_collection=ArtifactCollection.of(row))

    @strawberry.mutation
    def delete_artifact_collection(self, info: Info,
                                   input: DeleteArtifactCollectionInput) -> DeleteArtifactCollectionPayload | None:
        collections.delete_collection(info.context.session, info.context.viewer, input.id)
        return DeleteArtifactCollectionPayload(success=True)


def _placed(aliases: list[ArtifactCollectionAliasInput]) -> list[versions.PlacedAlias]:
    return [versions.PlacedAlias(a.entity_name, a.project_name, a.artifact_collection_name, a.alias) for a in aliases]


def _tag_names(tags: list[TagInput] | None) -> list[str] | None:
    return None if tags is None else [tag.tag_name for tag in tags]
