"""Artifact types and collections: the sequences versions are logged to and the portfolios they are linked
into, their names, tags and aliases (which version each alias points to within a collection), who may read
and change them, listing, renaming, retyping and deleting."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement, Select, and_, delete, func, select
from sqlalchemy.orm import Session

from .. import access, documents, filters, pagination
from ..auth import Viewer
from ..automations import engine
from ..errors import Conflict, NotFound, UserError
from ..names import REGISTRY_PREFIX, row_id
from ..tables import (
    Artifact,
    ArtifactAlias,
    ArtifactCollection,
    ArtifactMembership,
    ArtifactType,
    Project,
    Registry,
    utcnow,
)

SEQUENCE = "SEQUENCE"
PORTFOLIO = "PORTFOLIO"
COMMITTED = "COMMITTED"
LATEST = "latest"
MAX_NAME = 128
MAX_TAGS = 100
MAX_ALIASES = 100  # each one added is a row and an automation event
NAME = re.compile(r"[A-Za-z0-9_.-]+")
TAG = re.compile(r"[\w-]+( +[\w-]+)*")
VERSION = re.compile(r"v(\d+)")
SCOPE = "ARTIFACT_COLLECTION"  # automations scoped to a collection name it (engine.py)


def check_name(kind: str, name: object) -> str:
    """Names of types, collections and aliases end up in paths such as "entity/project/name:alias"."""
    if not isinstance(name, str) or not name:
        raise UserError(f"{kind} must be a non-empty string")
    if len(name) > MAX_NAME:
        raise UserError(f"{kind} {name[:20]!r}... is longer than {MAX_NAME} characters")
    if not NAME.fullmatch(name):
        raise UserError(f"{kind} {name!r} may contain only letters, digits, '_', '-' and '.'")
    return name


def check_type_name(name: object) -> str:
    name = check_name("artifact type", name)
    if name == "job" or name.startswith("wandb-"):
        raise UserError(f"artifact type {name!r} is reserved for internal use (job, wandb-*)")
    return name


def check_alias(alias: object) -> str:
    """An alias must not read as a version ("v3"), or "name:v3" would be ambiguous."""
    alias = check_name("alias", alias)
    if VERSION.fullmatch(alias):
        raise UserError(f"alias {alias!r} looks like a version (v0, v1, ...); versions are numbered by the server")
    return alias


def check_aliases(aliases: list[str] | None) -> list[str] | None:
    """Requested aliases without "latest", which the server keeps on the newest version itself."""
    if aliases is None:
        return None
    if len(aliases) > MAX_ALIASES:
        raise UserError(f"at most {MAX_ALIASES} aliases at once, not {len(aliases)}")
    return [alias for alias in dict.fromkeys(check_alias(a) for a in aliases) if alias != LATEST]


def check_tags(tags: list[str] | None) -> list[str] | None:
    if tags is None:
        return None
    if len(tags) > MAX_TAGS:
        raise UserError(f"at most {MAX_TAGS} tags, not {len(tags)}")
    for tag in tags:
        if not isinstance(tag, str) or len(tag) > MAX_NAME or not TAG.fullmatch(tag):
            raise UserError(f"tag {tag!r} must be 1 to {MAX_NAME} letters, digits, '_' or '-', with single words "
                            "separated by spaces")
    return list(dict.fromkeys(tags))


def collection_filter(session: Session, text: str | None) -> ColumnElement[bool]:
    """The WHERE clause of a MongoDB-style filter on collections: name, description, tag, created_at, updated_at."""
    return filters.collection_filter(documents.parse(text, "filters"), session.get_bind().dialect.name)


def readable(session: Session, viewer: Viewer, collection_id: object) -> ArtifactCollection | None:
    """The collection, or None when it is missing or hidden from the viewer."""
    collection = session.get(ArtifactCollection, row_id(collection_id, "artifact collection"))
    if collection is None or not access.can_read_project(session, viewer, collection.project):
        return None
    return collection


def writable(session: Session, viewer: Viewer, collection_id: object) -> ArtifactCollection:
    collection = readable(session, viewer, collection_id)
    if collection is None:
        raise NotFound(f"no artifact collection with id {collection_id!r}")
    access.require_project_writer(session, viewer, collection.project)
    return collection


def lock(session: Session, collection_ids: Iterable[int]) -> None:
    """Hold the collections until commit, so that requests changing which versions they hold (committing, linking,
    unlinking, deleting: for indexes, "latest", a distributed version) take turns: row locks on PostgreSQL, taken
    in id order, and always before the version's (artifacts._lock), so that no two requests wait on each other;
    on SQLite, whose reads before a transaction's first write see no lock, the database's write lock, taken by a
    write that changes nothing."""
    for collection_id in sorted(set(collection_ids)):
        if session.get_bind().dialect.name == "postgresql":
            session.execute(select(ArtifactCollection.id).where(ArtifactCollection.id == collection_id)
                            .with_for_update())
        else:
            session.execute(sa.update(ArtifactCollection).where(ArtifactCollection.id == collection_id)
                            .values(kind=ArtifactCollection.kind).execution_options(synchronize_session=False))


def check_type(session: Session, project: Project, type_name: str) -> None:
    """Refuse a version of a type a registry does not accept; a registry that accepts every type records each
    type it receives (what its artifact_types then lists). Ordinary projects take every type."""
    registry = access.registry_of(session, project)
    if registry is None or type_name in registry.artifact_types:
        return
    if not registry.allow_all_types:
        raise UserError(f"registry {project.name.removeprefix(REGISTRY_PREFIX)!r} accepts artifacts of type "
                        f"{', '.join(map(repr, registry.artifact_types))} only, not {type_name!r}")
    lock_registry(session, registry)
    if type_name not in registry.artifact_types:
        registry.artifact_types = [*registry.artifact_types, type_name]


def lock_registry(session: Session, registry: Registry) -> None:
    """Hold the registry until commit and read it afresh, so that requests adding types to it (links, updates)
    keep each other's: a write that changes nothing takes its row lock (the database's write lock on SQLite,
    where reads before a transaction's first write see no lock)."""
    session.execute(sa.update(Registry).where(Registry.project_id == registry.project_id)
                    .values(updated_at=Registry.updated_at).execution_options(synchronize_session=False))
    session.refresh(registry)


def find_type(session: Session, project: Project, name: str) -> ArtifactType | None:
    return session.scalar(select(ArtifactType).where(ArtifactType.project_id == project.id, ArtifactType.name == name))


def find(session: Session, project: Project, name: str) -> ArtifactCollection | None:
    return session.scalar(select(ArtifactCollection).where(ArtifactCollection.project_id == project.id,
                                                           ArtifactCollection.name == name))


def find_of_type(session: Session, artifact_type: ArtifactType, name: str) -> ArtifactCollection | None:
    """The collection of that name in the type's project, if it is of that type."""
    return session.scalar(select(ArtifactCollection).where(ArtifactCollection.project_id == artifact_type.project_id,
                                                           ArtifactCollection.name == name,
                                                           ArtifactCollection.type_id == artifact_type.id))


def _ensure_type(session: Session, project: Project, name: str) -> ArtifactType:
    found = find_type(session, project, name)
    if found is None:
        found = ArtifactType(project_id=project.id, name=name)
        session.add(found)
        session.flush()  # two loggers creating it at once: the loser's request is retried, and finds it
    return found


def ensure(session: Session, project: Project, kind: str, type_name: str, *, name: str) -> ArtifactCollection:
    """The project's collection `name`, created (with its type) when missing; a collection of another kind or
    type is refused. Its row is locked until commit."""
    type_name = check_type_name(type_name)
    collection = find(session, project, check_name("artifact name", name))
    if collection is None:
        collection = ArtifactCollection(project_id=project.id, type_id=_ensure_type(session, project, type_name).id,
                                        name=name, kind=kind, tags=[])
        session.add(collection)
        session.flush()
    where = f"{project.entity.name}/{project.name}/{name}"
    if collection.kind != kind:
        raise UserError(f"{where} is a portfolio: versions are linked into it, not logged to it"
                        if kind == SEQUENCE else
                        f"{where} is a sequence: versions are logged to it, not linked into it")
    if collection.type.name != type_name:
        raise UserError(f"{where} holds artifacts of type {collection.type.name!r}, not {type_name!r}")
    lock(session, [collection.id])
    return collection


def in_project(project: Project, type_name: str | None = None) -> ColumnElement[bool]:
    """The scope of a project's collections, of one type when `type_name` is given."""
    scope = ArtifactCollection.project_id == project.id
    if type_name is None:
        return scope
    return and_(scope, ArtifactCollection.type_id.in_(
        select(ArtifactType.id).where(ArtifactType.project_id == project.id, ArtifactType.name == type_name)))


def _query(scope: ColumnElement[bool], where: ColumnElement[bool] | None) -> Select[Any]:
    query = select(ArtifactCollection).where(scope)
    return query if where is None else query.where(where)


def page(session: Session, scope: ColumnElement[bool], where: ColumnElement[bool] | None, first: int | None,
         *, after: str | None) -> pagination.Page[ArtifactCollection]:
    """Collections matching `scope` (a project's, a registry's) and the filter `where`, newest first."""
    size, start = pagination.page_size(first), pagination.offset_of(after)
    query = (_query(scope, where).order_by(ArtifactCollection.created_at.desc(), ArtifactCollection.id.desc())
             .offset(start).limit(size + 1))
    return pagination.paged(list(session.scalars(query)), start, size)


def count(session: Session, scope: ColumnElement[bool], where: ColumnElement[bool] | None) -> int:
    return session.scalar(select(func.count()).select_from(_query(scope, where).subquery())) or 0


def of_type(artifact_type: ArtifactType) -> ColumnElement[bool]:
    return ArtifactCollection.type_id == artifact_type.id


def types_page(session: Session, project: Project, first: int | None,
               after: str | None) -> pagination.Page[ArtifactType]:
    size, start = pagination.page_size(first), pagination.offset_of(after)
    query = (select(ArtifactType).where(ArtifactType.project_id == project.id)
             .order_by(ArtifactType.name).offset(start).limit(size + 1))
    return pagination.paged(list(session.scalars(query)), start, size)


def aliases(session: Session, collections: list[ArtifactCollection]) -> dict[int, list[str]]:
    """Every alias in use in each collection, by collection id: one query for a whole page of them."""
    held: dict[int, list[str]] = {collection.id: [] for collection in collections}
    if held:
        for collection_id, alias in session.execute(
                select(ArtifactAlias.collection_id, ArtifactAlias.alias)
                .where(ArtifactAlias.collection_id.in_(list(held))).order_by(ArtifactAlias.alias)):
            held[collection_id].append(alias)
    return held


def set_alias(session: Session, collection: ArtifactCollection, alias: str, artifact: Artifact) -> bool:
    """Point the alias at the version, moving it from whichever version held it; True if it was not the
    version's already."""
    row = session.get(ArtifactAlias, (collection.id, alias))
    if row is None:
        session.add(ArtifactAlias(collection_id=collection.id, alias=alias, artifact_id=artifact.id))
        session.flush()  # two requests adding it at once: the loser is retried and finds it
        return True
    if row.artifact_id == artifact.id:
        return False
    row.artifact_id = artifact.id
    return True


def refresh_latest(session: Session, collection_id: int) -> None:
    """Put "latest" on the collection's newest committed version again, after versions left it."""
    newest = session.scalar(
        select(ArtifactMembership.artifact_id).join(Artifact, Artifact.id == ArtifactMembership.artifact_id)
        .where(ArtifactMembership.collection_id == collection_id, Artifact.state == COMMITTED)
        .order_by(ArtifactMembership.version_index.desc()).limit(1))
    row = session.get(ArtifactAlias, (collection_id, LATEST))
    if newest is None:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(ArtifactAlias(collection_id=collection_id, alias=LATEST, artifact_id=newest))
    else:
        row.artifact_id = newest
    session.flush()


def update(session: Session, viewer: Viewer, collection_id: object, name: str | None, *, description: str | None,
           tags: list[str] | None, type_name: str | None) -> ArtifactCollection:
    collection = writable(session, viewer, collection_id)
    if name is not None and name != collection.name:
        name = check_name("artifact name", name)
        if find(session, collection.project, name) is not None:
            raise Conflict(f"{collection.project.entity.name}/{collection.project.name} has a collection named "
                           f"{name!r} already")
        engine.rename_scope(session, collection.project_id, SCOPE, collection.name, new_name=name)
        collection.name = name
    if description is not None:
        collection.description = description
    if tags is not None:
        collection.tags = check_tags(tags) or []
    if type_name is not None and type_name != collection.type.name:
        _change_type(session, collection, check_type_name(type_name))
    collection.updated_at = utcnow()
    session.flush()
    return collection


def _change_type(session: Session, collection: ArtifactCollection, type_name: str) -> None:
    """A sequence's versions change type with it, unless one is linked into a portfolio (which keeps its type);
    a portfolio only changes type while it holds no versions of the old one."""
    if collection.kind == SEQUENCE:
        linked = session.scalar(
            select(ArtifactCollection.name).join(ArtifactMembership,
                                                 ArtifactMembership.collection_id == ArtifactCollection.id)
            .join(Artifact, Artifact.id == ArtifactMembership.artifact_id)
            .where(Artifact.collection_id == collection.id, ArtifactCollection.id != collection.id).limit(1))
        if linked is not None:
            raise UserError(f"collection {collection.name!r} cannot change type: its versions are linked into "
                            f"{linked!r}, which holds {collection.type.name!r} artifacts")
    elif session.scalar(select(ArtifactMembership.id).where(ArtifactMembership.collection_id == collection.id)
                        .limit(1)) is not None:
        raise UserError(f"portfolio {collection.name!r} cannot change type: it holds {collection.type.name!r} "
                        "versions; unlink them first")
    else:
        check_type(session, collection.project, type_name)
    new_type = _ensure_type(session, collection.project, type_name)
    collection.type_id = new_type.id
    if collection.kind == SEQUENCE:
        session.execute(sa.update(Artifact).where(Artifact.collection_id == collection.id).values(type_id=new_type.id)
                        .execution_options(synchronize_session="fetch"))
    session.expire(collection, ["type"])


def delete_collection(session: Session, viewer: Viewer, collection_id: object) -> None:
    """A sequence goes with the versions logged to it (and their links elsewhere); a portfolio only with its
    links. "latest" moves back in the portfolios that lost versions. Automations scoped to it go too: saved by
    name, they would otherwise fire for a new collection of the same name."""
    collection = writable(session, viewer, collection_id)
    engine.drop_scope(session, collection.project_id, SCOPE, collection.name)
    touched: list[int] = []
    if collection.kind == SEQUENCE:
        touched = list(session.scalars(
            select(ArtifactMembership.collection_id).distinct()
            .join(Artifact, Artifact.id == ArtifactMembership.artifact_id)
            .where(Artifact.collection_id == collection.id, ArtifactMembership.collection_id != collection.id)))
    lock(session, [collection.id, *touched])
    session.execute(delete(ArtifactCollection).where(ArtifactCollection.id == collection.id)
                    .execution_options(synchronize_session=False))
    session.expunge(collection)
    for portfolio_id in touched:
        refresh_latest(session, portfolio_id)
