"""Registries: an organization's curated collections of artifact versions.

A registry named N in organization O is the project "runbase-registry-N" in entity O plus a row in
`registries` (visibility, accepted types) and its invited members. The prefix "wandb-registry-" names
the same project, so W&B paths work unchanged; ordinary projects may use neither prefix. The core
registries "model" and "dataset" are made on first link (ensure_core).

Who sees and changes a registry:
- "organization" visibility: every member of the entity reads it, its writers write to it;
- "restricted": only invited registry members (and entity admins) see it at all; members with role
  admin or member write to it, viewers only read;
- registry settings and members are changed by registry admins and entity admins.
Instance admins may do everything."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from . import artifact_collections, documents, entities, events, filters, pagination
from .auth import Viewer
from .entities import WRITER_ROLES, get_entity, role
from .errors import Conflict, Forbidden, NotFound, UserError
from .names import REGISTRY_PREFIX, row_id
from .tables import (
    Artifact,
    ArtifactCollection,
    ArtifactMembership,
    Entity,
    Membership,
    Project,
    Registry,
    RegistryMember,
    User,
    utcnow,
)

if TYPE_CHECKING:
    from .artifacts import Version

PREFIX = REGISTRY_PREFIX
WANDB_PREFIX = "wandb-registry-"
VISIBILITIES = ("organization", "restricted")
ROLES = ("admin", "member", "viewer")
MAX_NAME = 128 - len(PREFIX)  # the project name's limit
NAME = re.compile(r"[A-Za-z0-9_.-]{1,%d}" % MAX_NAME)
CORE = {"model": "The organization's models", "dataset": "The organization's datasets"}  # name -> description


# ------------------------------------------------------------------ names

def project_name(name: str) -> str:
    """The project a user's project name means: "wandb-registry-X" is "runbase-registry-X"."""
    return PREFIX + name[len(WANDB_PREFIX):] if name.startswith(WANDB_PREFIX) else name


def is_reserved(name: str) -> bool:
    """Project names only registries may have."""
    return name.startswith((PREFIX, WANDB_PREFIX))


def bare_name(name: str) -> str:
    """A registry's name as users give it: without a prefix, though either is accepted."""
    for prefix in (PREFIX, WANDB_PREFIX):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def is_registry(project: Project) -> bool:
    """Only registries.create makes projects with the prefix."""
    return project.name.startswith(PREFIX)


def name_of(registry: Registry) -> str:
    return registry.project.name[len(PREFIX):]


def _check_name(name: Any) -> str:
    if not isinstance(name, str) or not NAME.fullmatch(bare_name(name)):
        raise UserError(f"registry name {name!r} must be 1-{MAX_NAME} letters, digits, '_', '-' or '.'")
    return bare_name(name)


def _check_types(types: Any) -> list[str]:
    if not isinstance(types, list):
        raise UserError("artifactTypes must be a list of type names")
    return list(dict.fromkeys(artifact_collections.check_type_name(name) for name in types))


def _check_visibility(visibility: Any) -> str:
    if visibility not in VISIBILITIES:
        raise UserError(f"visibility must be one of {', '.join(VISIBILITIES)}, not {visibility!r}")
    return visibility


# ------------------------------------------------------------------ who may do what

def _visible(session: Session, viewer: Viewer, entity_id: int) -> ColumnElement[bool]:
    """Which of the entity's registries (rows of `registries`) the viewer can see."""
    entity_role = None if viewer.admin else role(session, viewer, entity_id)
    if viewer.admin or entity_role == "admin":
        return sa.true()
    invited = Registry.project_id.in_(select(RegistryMember.project_id).where(RegistryMember.user_id == viewer.user_id))
    if entity_role is None:
        return invited
    return sa.or_(Registry.visibility == "organization", invited)


def hidden_from(viewer: Viewer) -> Select:
    """The project ids of the restricted registries the viewer may not see, in any organization: what is in
    them (automations scoped to them, say) is hidden too."""
    if viewer.admin:
        return select(Registry.project_id).where(sa.false())
    return (select(Registry.project_id).join(Project, Project.id == Registry.project_id)
            .where(Registry.visibility == "restricted",
                   Registry.project_id.not_in(select(RegistryMember.project_id)
                                              .where(RegistryMember.user_id == viewer.user_id)),
                   Project.entity_id.not_in(select(Membership.entity_id).where(Membership.user_id == viewer.user_id,
                                                                               Membership.role == "admin"))))


def _member_role(session: Session, viewer: Viewer, registry: Registry) -> str | None:
    return session.scalar(select(RegistryMember.role).where(RegistryMember.project_id == registry.project_id,
                                                            RegistryMember.user_id == viewer.user_id))


def of_project(session: Session, project: Project) -> Registry | None:
    return session.get(Registry, project.id) if is_registry(project) else None


def can_read(session: Session, viewer: Viewer, registry: Registry) -> bool:
    visible = _visible(session, viewer, registry.project.entity_id)
    return session.scalar(select(Registry.project_id).where(Registry.project_id == registry.project_id,
                                                            visible)) is not None


def can_write(session: Session, viewer: Viewer, registry: Registry) -> bool:
    """Linking into the registry, changing its collections and versions."""
    if viewer.admin:
        return True
    entity_role = role(session, viewer, registry.project.entity_id)
    if entity_role == "admin" or (registry.visibility == "organization" and entity_role in WRITER_ROLES):
        return True
    return _member_role(session, viewer, registry) in WRITER_ROLES


def missing(organization: str, name: str) -> NotFound:
    """The answer for a registry that does not exist, or that the viewer may not see (the same, so that
    restricted registries do not leak): ordinary projects may not take its name either."""
    return NotFound(f"no registry {bare_name(name)!r} in {organization!r}; project names starting with "
                    f"{PREFIX!r} or {WANDB_PREFIX!r} belong to registries, which createRegistry makes")


def require_writer(session: Session, viewer: Viewer, registry: Registry) -> None:
    """To those who cannot see it, a restricted registry does not exist."""
    if not can_read(session, viewer, registry):
        raise missing(registry.project.entity.name, registry.project.name)
    if not can_write(session, viewer, registry):
        raise Forbidden(f"user {viewer.username!r} cannot write to registry {name_of(registry)!r}")


def _require_admin(session: Session, viewer: Viewer, registry: Registry) -> None:
    if viewer.admin or role(session, viewer, registry.project.entity_id) == "admin":
        return
    if _member_role(session, viewer, registry) != "admin":
        raise Forbidden(f"only admins of registry {name_of(registry)!r} (or of {registry.project.entity.name!r}) "
                        "can change its settings and members")


def check_type(session: Session, project: Project, type_name: str) -> None:
    """Refuse a version of a type the registry does not accept; a registry that accepts every type
    records each type it receives (what its artifact_types then lists)."""
    registry = of_project(session, project)
    if registry is None or type_name in registry.artifact_types:
        return
    if not registry.allow_all_types:
        raise UserError(f"registry {name_of(registry)!r} accepts artifacts of type "
                        f"{', '.join(map(repr, registry.artifact_types))} only, not {type_name!r}")
    _lock(session, registry)
    if type_name not in registry.artifact_types:
        registry.artifact_types = [*registry.artifact_types, type_name]


def _lock(session: Session, registry: Registry) -> None:
    """Hold the registry until commit and read it afresh, so that requests adding types to it (links, updates)
    keep each other's: a write that changes nothing takes its row lock (the database's write lock on SQLite,
    where reads before a transaction's first write see no lock)."""
    session.execute(sa.update(Registry).where(Registry.project_id == registry.project_id)
                    .values(updated_at=Registry.updated_at).execution_options(synchronize_session=False))
    session.refresh(registry)


# ------------------------------------------------------------------ registries

def _organization(session: Session, viewer: Viewer, organization: str | None) -> Entity:
    return get_entity(session, organization or viewer.username)


def _by_name(session: Session, entity: Entity, name: str) -> Registry | None:
    return session.scalar(select(Registry).join(Project, Project.id == Registry.project_id)
                          .where(Project.entity_id == entity.id, Project.name == PREFIX + bare_name(name)))


def _make(session: Session, entity: Entity, name: str, visibility: str, description: str | None,
          types: list[str] | None) -> Registry:
    project = Project(entity=entity, name=PREFIX + name, description=description, access="PRIVATE")
    session.add(project)
    session.flush()  # two creating it at once: the loser's request is retried, and finds it
    registry = Registry(project_id=project.id, visibility=visibility, allow_all_types=types is None,
                        artifact_types=types or [])
    session.add(registry)
    session.flush()
    return registry


def create(session: Session, viewer: Viewer, organization: str | None, name: str, visibility: str,
           description: str | None, artifact_types: list[str] | None) -> Registry:
    entity = _organization(session, viewer, organization)
    name = _check_name(name)
    visibility = _check_visibility(visibility)
    types = None if artifact_types is None else _check_types(artifact_types)
    if types is not None and not types:
        raise UserError("artifactTypes must list at least one type; leave it out to accept every type")
    entities.require_writer(session, viewer, entity)
    if session.scalar(select(Project.id).where(Project.entity_id == entity.id, Project.name == PREFIX + name)):
        raise Conflict(f"organization {entity.name!r} already has a registry named {name!r}")
    registry = _make(session, entity, name, visibility, description, types)
    session.add(RegistryMember(project_id=registry.project_id, user_id=viewer.user_id, role="admin"))
    session.flush()
    return registry


def ensure_core(session: Session, viewer: Viewer, entity_name: str, name: str) -> None:
    """Every organization has the core registries "model" and "dataset", as on W&B, so that
    run.link_model and links to "wandb-registry-model/..." work without setup: linking into one that is
    missing, by a writer of the organization, makes it (organization visibility, accepting its own type;
    entity admins administer it). Other names are left to createRegistry."""
    name = project_name(name)
    core = bare_name(name)
    if not name.startswith(PREFIX) or core not in CORE:
        return
    entity = session.scalar(select(Entity).where(Entity.name == entity_name))
    if entity is None or _by_name(session, entity, core) is not None:
        return
    entities.require_writer(session, viewer, entity)
    _make(session, entity, core, "organization", CORE[core], [core])


def readable(session: Session, viewer: Viewer, registry_id: str | int) -> Registry | None:
    """None both when there is no such registry and when the viewer may not see it."""
    registry = session.get(Registry, row_id(registry_id, "registry"))
    return registry if registry is not None and can_read(session, viewer, registry) else None


def _administered(session: Session, viewer: Viewer, registry_id: str | int) -> Registry:
    registry = readable(session, viewer, registry_id)
    if registry is None:
        raise NotFound(f"no registry with id {registry_id!r}")
    _require_admin(session, viewer, registry)
    return registry


def find(session: Session, viewer: Viewer, name: str, organization: str | None) -> Registry | None:
    entity = session.scalar(select(Entity).where(Entity.name == (organization or viewer.username)))
    registry = None if entity is None else _by_name(session, entity, name)
    return registry if registry is not None and can_read(session, viewer, registry) else None


def matching(session: Session, viewer: Viewer, organization: str | None, filters_text: str | None) -> Select:
    """The registries of an organization the viewer sees that match a MongoDB-style filter."""
    entity = _organization(session, viewer, organization)
    registry_filter = filters.registry_filter(documents.parse(filters_text, "filters"),
                                              session.get_bind().dialect.name)
    return (select(Registry).join(Project, Project.id == Registry.project_id)
            .where(Project.entity_id == entity.id, _visible(session, viewer, entity.id), registry_filter))


def search(session: Session, viewer: Viewer, organization: str | None, filters_text: str | None,
           first: int | None, after: str | None) -> pagination.Page[Registry]:
    """A page of matching registries in name order."""
    size, start = pagination.page_size(first), pagination.offset_of(after)
    query = matching(session, viewer, organization, filters_text).order_by(Project.name)
    return pagination.paged(list(session.scalars(query.offset(start).limit(size + 1))), start, size)


def update(session: Session, viewer: Viewer, registry_id: str | int, name: str | None, description: str | None,
           visibility: str | None, artifact_types: list[str] | None, allow_all_types: bool | None) -> Registry:
    registry = _administered(session, viewer, registry_id)
    _lock(session, registry)
    project = registry.project
    if name is not None and _check_name(name) != name_of(registry):
        name = _check_name(name)
        if _by_name(session, project.entity, name) is not None:
            raise Conflict(f"organization {project.entity.name!r} already has a registry named {name!r}")
        events.rename_scope(session, project.id, "REGISTRY", name_of(registry), name)
        project.name = PREFIX + name
    if description is not None:
        project.description = description
    if visibility is not None:
        registry.visibility = _check_visibility(visibility)
    if artifact_types is not None:  # saved types stay: the list only grows
        registry.artifact_types = list(dict.fromkeys([*registry.artifact_types, *_check_types(artifact_types)]))
    if allow_all_types is not None:
        registry.allow_all_types = allow_all_types
    if not registry.allow_all_types and not registry.artifact_types:
        raise UserError("a registry that does not accept all artifact types needs at least one artifact type")
    registry.updated_at = utcnow()
    session.flush()
    return registry


def delete(session: Session, viewer: Viewer, registry_id: str | int) -> None:
    """The registry's project goes with it: its collections, links, members and automations."""
    session.delete(_administered(session, viewer, registry_id).project)
    session.flush()


def members(session: Session, registry: Registry) -> list[tuple[RegistryMember, User]]:
    rows = session.execute(select(RegistryMember, User).join(User, User.id == RegistryMember.user_id)
                           .where(RegistryMember.project_id == registry.project_id).order_by(User.username))
    return [(member, user) for member, user in rows]


def _users(session: Session, usernames: Sequence[str]) -> list[User]:
    if not usernames:
        raise UserError("usernames must name at least one user")
    found = {user.username: user for user in session.scalars(select(User).where(User.username.in_(usernames)))}
    missing = [name for name in usernames if name not in found]
    if missing:
        raise NotFound(f"no user named {', '.join(map(repr, missing))}")
    return [found[name] for name in dict.fromkeys(usernames)]


def add_members(session: Session, viewer: Viewer, registry_id: str | int, usernames: Sequence[str],
                member_role: str | None) -> Registry:
    """Invite users (or change their role); a self-hosted server has no email round trip."""
    registry = _administered(session, viewer, registry_id)
    member_role = member_role or "member"
    if member_role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}, not {member_role!r}")
    for user in _users(session, usernames):
        member = session.get(RegistryMember, (registry.project_id, user.id))
        if member is None:
            member = RegistryMember(project_id=registry.project_id, user_id=user.id)
            session.add(member)
        member.role = member_role
    registry.updated_at = utcnow()
    session.flush()
    return registry


def remove_members(session: Session, viewer: Viewer, registry_id: str | int, usernames: Sequence[str]) -> Registry:
    registry = _administered(session, viewer, registry_id)
    users = _users(session, usernames)
    outsiders = [user.username for user in users if session.get(RegistryMember, (registry.project_id, user.id)) is None]
    if outsiders:
        raise NotFound(f"{', '.join(map(repr, outsiders))} not a member of registry {name_of(registry)!r}")
    session.execute(sa.delete(RegistryMember).where(RegistryMember.project_id == registry.project_id,
                                                    RegistryMember.user_id.in_([user.id for user in users]))
                    .execution_options(synchronize_session="fetch"))
    registry.updated_at = utcnow()
    session.flush()
    return registry


# ------------------------------------------------------------------ what registries hold

def in_registry(registry: Registry) -> ColumnElement[bool]:
    """The collections of one registry: a scope for artifact_collections.page and `versions`."""
    return ArtifactCollection.project_id == registry.project_id


def in_registries(session: Session, viewer: Viewer, organization: str | None,
                  filters_text: str | None) -> ColumnElement[bool]:
    """The collections of the organization's registries that the viewer sees and that match a filter."""
    ids = matching(session, viewer, organization, filters_text).with_only_columns(Registry.project_id)
    return ArtifactCollection.project_id.in_(ids)


def _versions(session: Session, scope: ColumnElement[bool], collection_filters_text: str | None,
              filters_text: str | None) -> Select:
    from . import artifacts  # artifacts build on projects, which build on registries

    collection_filter = artifact_collections.collection_filter(session, collection_filters_text)
    version_filter = artifacts.version_filter(session, filters_text, ArtifactMembership.collection_id)
    return (select(Artifact, ArtifactCollection, ArtifactMembership.version_index)
            .join(ArtifactMembership, ArtifactMembership.artifact_id == Artifact.id)
            .join(ArtifactCollection, ArtifactCollection.id == ArtifactMembership.collection_id)
            .where(scope, Artifact.state == artifacts.COMMITTED, collection_filter, version_filter))


def versions(session: Session, scope: ColumnElement[bool], collection_filters_text: str | None,
             filters_text: str | None, first: int | None, after: str | None) -> pagination.Page[Version]:
    """A page of the committed versions in the collections in `scope` matching both filters, each seen through
    its collection there, most recently added first."""
    from . import artifacts  # artifacts build on projects, which build on registries

    size, start = pagination.page_size(first), pagination.offset_of(after)
    query = _versions(session, scope, collection_filters_text, filters_text)
    rows = session.execute(query.order_by(ArtifactMembership.created_at.desc(), ArtifactMembership.id.desc())
                           .offset(start).limit(size + 1))
    return artifacts.paged(session, [artifacts.Version(artifact, collection, index)
                                     for artifact, collection, index in rows], start, size)


def count_versions(session: Session, scope: ColumnElement[bool], collection_filters_text: str | None,
                   filters_text: str | None) -> int:
    rows = _versions(session, scope, collection_filters_text, filters_text).with_only_columns(
        ArtifactMembership.id, maintain_column_froms=True).subquery()
    return session.scalar(select(func.count()).select_from(rows)) or 0
