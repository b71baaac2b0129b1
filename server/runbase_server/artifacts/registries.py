"""Registries: an organization's curated collections of artifact versions.

A registry named N in organization O is the project "runbase-registry-N" in entity O plus a row in
`registries` (visibility, accepted types) and its invited members. The prefix "wandb-registry-" names
the same project, so W&B paths work unchanged; ordinary projects may use neither prefix. The core
registries "model" and "dataset" are made on first link (ensure_core).

Who sees and changes a registry is access.py's: "organization" visibility, every member of the entity reads it
and its writers write to it; "restricted", only invited registry members (and entity admins) see it at all."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session

from .. import access, documents, entities, filters, pagination
from ..auth import Viewer
from ..automations import engine
from ..errors import Conflict, NotFound, UserError
from ..names import REGISTRY_PREFIX, row_id
from ..projects import bare_name, project_name
from ..tables import ArtifactCollection, Entity, Project, Registry, RegistryMember, User, utcnow
from . import collections

PREFIX = REGISTRY_PREFIX
VISIBILITIES = ("organization", "restricted")
ROLES = ("admin", "member", "viewer")
MAX_NAME = 128 - len(PREFIX)  # the project name's limit
NAME = re.compile(rf"[A-Za-z0-9_.-]{{1,{MAX_NAME}}}")
CORE = {"model": "The organization's models", "dataset": "The organization's datasets"}  # name -> description


# ------------------------------------------------------------------ names and input

def name_of(registry: Registry) -> str:
    return registry.project.name[len(PREFIX):]


def _check_name(name: Any) -> str:
    if not isinstance(name, str) or not NAME.fullmatch(bare_name(name)):
        raise UserError(f"registry name {name!r} must be 1-{MAX_NAME} letters, digits, '_', '-' or '.'")
    return bare_name(name)


def _check_types(types: Any) -> list[str]:
    if not isinstance(types, list):
        raise UserError("artifactTypes must be a list of type names")
    return list(dict.fromkeys(collections.check_type_name(name) for name in types))


def _check_visibility(visibility: Any) -> str:
    if visibility not in VISIBILITIES:
        raise UserError(f"visibility must be one of {', '.join(VISIBILITIES)}, not {visibility!r}")
    return str(visibility)


# ------------------------------------------------------------------ registries

def _by_name(session: Session, entity: Entity, name: str) -> Registry | None:
    return session.scalar(select(Registry).join(Project, Project.id == Registry.project_id)
                          .where(Project.entity_id == entity.id, Project.name == PREFIX + bare_name(name)))


def _make(session: Session, viewer: Viewer, entity: Entity, name: str, *, visibility: str, description: str | None,
          types: list[str] | None) -> Registry:
    project = Project(entity=entity, name=PREFIX + name, description=description, access="PRIVATE",
                      user_id=viewer.user_id)
    session.add(project)
    session.flush()  # two creating it at once: the loser's request is retried, and finds it
    registry = Registry(project_id=project.id, visibility=visibility, allow_all_types=types is None,
                        artifact_types=types or [])
    session.add(registry)
    session.flush()
    return registry


def create(session: Session, viewer: Viewer, organization: str | None, name: str, *, visibility: str,
           description: str | None, artifact_types: list[str] | None) -> Registry:
    name = _check_name(name)
    visibility = _check_visibility(visibility)
    types = None if artifact_types is None else _check_types(artifact_types)
    if types is not None and not types:
        raise UserError("artifactTypes must list at least one type; leave it out to accept every type")
    entity = entities.writable(session, viewer, organization or viewer.username)
    if session.scalar(select(Project.id).where(Project.entity_id == entity.id, Project.name == PREFIX + name)):
        raise Conflict(f"organization {entity.name!r} already has a registry named {name!r}")
    registry = _make(session, viewer, entity, name, visibility=visibility, description=description, types=types)
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
    access.require_entity_writer(session, viewer, entity)
    _make(session, viewer, entity, core, visibility="organization", description=CORE[core], types=[core])


def readable(session: Session, viewer: Viewer, registry_id: str | int) -> Registry | None:
    """None both when there is no such registry and when the viewer may not see it."""
    registry = session.get(Registry, row_id(registry_id, "registry"))
    return registry if registry is not None and access.can_read_registry(session, viewer, registry) else None


def _administered(session: Session, viewer: Viewer, registry_id: str | int) -> Registry:
    registry = readable(session, viewer, registry_id)
    if registry is None:
        raise NotFound(f"no registry with id {registry_id!r}")
    access.require_registry_admin(session, viewer, registry)
    return registry


def find(session: Session, viewer: Viewer, name: str, organization: str | None) -> Registry | None:
    entity = session.scalar(select(Entity).where(Entity.name == (organization or viewer.username)))
    registry = None if entity is None else _by_name(session, entity, name)
    return registry if registry is not None and access.can_read_registry(session, viewer, registry) else None


def matching(session: Session, viewer: Viewer, organization: str | None,
             filters_text: str | None) -> Select[Registry]:
    """The registries of an organization the viewer sees that match a MongoDB-style filter; none for an
    organization that does not exist, as for a team whose registries the viewer may not see."""
    entity = entities.find(session, organization or viewer.username)
    registry_filter = filters.registry_filter(documents.parse(filters_text, "filters"),
                                              session.get_bind().dialect.name)
    visible = sa.false() if entity is None else sa.and_(Project.entity_id == entity.id,
                                                         access.visible_registries(session, viewer, entity.id))
    return select(Registry).join(Project, Project.id == Registry.project_id).where(visible, registry_filter)


def search(session: Session, viewer: Viewer, organization: str | None, filters_text: str | None,
           *, first: int | None, after: str | None) -> pagination.Page[Registry]:
    """A page of matching registries in name order."""
    size, start = pagination.page_size(first), pagination.offset_of(after)
    query = matching(session, viewer, organization, filters_text).order_by(Project.name)
    return pagination.paged(list(session.scalars(query.offset(start).limit(size + 1))), start, size)


def update(session: Session, viewer: Viewer, registry_id: str | int, name: str | None, *, description: str | None,
           visibility: str | None, artifact_types: list[str] | None, allow_all_types: bool | None) -> Registry:
    registry = _administered(session, viewer, registry_id)
    collections.lock_registry(session, registry)
    project = registry.project
    if name is not None and _check_name(name) != name_of(registry):
        name = _check_name(name)
        if _by_name(session, project.entity, name) is not None:
            raise Conflict(f"organization {project.entity.name!r} already has a registry named {name!r}")
        engine.rename_scope(session, project.id, "REGISTRY", name_of(registry), new_name=name)
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
                *, member_role: str | None) -> Registry:
    """Invite users (or change their role); a self-hosted server has no email round trip."""
    access.require_api_key(viewer, "adding a registry member")
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
    access.require_api_key(viewer, "removing a registry member")
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
    """The collections of one registry: a scope for collections.page and `versions`."""
    return ArtifactCollection.project_id == registry.project_id


def in_registries(session: Session, viewer: Viewer, organization: str | None,
                  filters_text: str | None) -> ColumnElement[bool]:
    """The collections of the organization's registries that the viewer sees and that match a filter."""
    ids = matching(session, viewer, organization, filters_text).with_only_columns(Registry.project_id)
    return ArtifactCollection.project_id.in_(ids)
