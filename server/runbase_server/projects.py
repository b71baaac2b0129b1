"""Projects: where runs live, found by name; who can see them is access.py's.

A registry is a project too (artifacts/registries.py) whose name has a prefix: names given by users are read
through `project_name`, so "wandb-registry-X" finds "runbase-registry-X", and a registry's own visibility rules
replace the project's."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table, bindparam, func, select
from sqlalchemy.orm import Session, contains_eager

from . import access, database, entities, pagination
from .auth import Viewer
from .errors import NotFound, UserError
from .names import REGISTRY_PREFIX, check_name
from .tables import Entity, Project, Registry

ACCESS_LEVELS = ("PRIVATE", "READ")
WANDB_REGISTRY_PREFIX = "wandb-registry-"


# ------------------------------------------------------------------ registry names

def project_name(name: str) -> str:
    """The project a user's project name means: "wandb-registry-X" is "runbase-registry-X"."""
    return REGISTRY_PREFIX + name[len(WANDB_REGISTRY_PREFIX):] if name.startswith(WANDB_REGISTRY_PREFIX) else name


def is_reserved(name: str) -> bool:
    """Project names only registries may have."""
    return name.startswith((REGISTRY_PREFIX, WANDB_REGISTRY_PREFIX))


def bare_name(name: str) -> str:
    """A registry's name as users give it: without a prefix, though either is accepted."""
    for prefix in (REGISTRY_PREFIX, WANDB_REGISTRY_PREFIX):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def is_registry(project: Project) -> bool:
    """Only registries.create makes projects with the prefix."""
    return project.name.startswith(REGISTRY_PREFIX)


# ------------------------------------------------------------------ projects

def _check_access(access_level: str) -> str:
    if access_level not in ACCESS_LEVELS:
        raise UserError(f"access must be one of {', '.join(ACCESS_LEVELS)}, not {access_level!r}")
    return access_level


# Built once (every request finds a project): the entity comes in the same query, as access checks and answers
# read it and a lazy load is a round trip.
_FIND = (select(Project).join(Project.entity).options(contains_eager(Project.entity))
         .where(Entity.name == bindparam("entity"), Project.name == bindparam("name")))


def find(session: Session, entity_name: str, name: str) -> Project | None:
    return session.scalar(_FIND, {"entity": entity_name, "name": project_name(name)})


def readable(session: Session, viewer: Viewer, entity_name: str, name: str) -> Project | None:
    """None both when the project is missing and when the viewer may not see it, so
    that private project names (and restricted registries) do not leak."""
    project = find(session, entity_name, name)
    return project if project is not None and access.can_read_project(session, viewer, project) else None


def require_readable(session: Session, viewer: Viewer, entity_name: str, name: str) -> Project:
    project = readable(session, viewer, entity_name, name)
    if project is None:
        raise NotFound(f"no project {entity_name}/{name}")
    return project


def writable(session: Session, viewer: Viewer, entity_name: str, name: str, *, create: bool) -> Project:
    """The project, for a viewer who may write to it; with `create`, made (private) when missing."""
    name = project_name(name)
    project = find(session, entity_name, name)
    if project is not None:
        access.require_project_writer(session, viewer, project)
        return project
    if is_reserved(name):
        raise access.registry_missing(entity_name, name)
    entity = entities.writable(session, viewer, entity_name)
    if not create:
        raise NotFound(f"no project {entity_name}/{name}")
    # Requests creating runs in one new project at once each find it missing: all go on with the one row made.
    database.insert_or_ignore(session, cast(Table, Project.__table__),
                              {"entity_id": entity.id, "name": check_name("project name", name), "access": "PRIVATE",
                               "user_id": viewer.user_id},
                              keys=("entity_id", "name"))
    project = find(session, entity_name, name)
    if project is None:
        raise AssertionError(f"project {entity_name}/{name} was just stored")
    access.require_project_writer(session, viewer, project)  # when a racing request made it, as when found
    return project


def upsert(session: Session, viewer: Viewer, entity_name: str, name: str, *, description: str | None,
           access_level: str | None) -> tuple[Project, bool]:
    inserted = find(session, entity_name, name) is None
    project = writable(session, viewer, entity_name, name, create=True)
    if (description is not None or access_level is not None) and is_registry(project):
        raise UserError(f"{project.entity.name}/{project.name} is a registry: its admins change it with "
                        "updateRegistry")
    if description is not None:
        project.description = description
    if access_level is not None:
        project.access = _check_access(access_level)
    return project, inserted


def visible(session: Session, viewer: Viewer, entity_name: str, first: int | None,
            *, after: str | None) -> tuple[pagination.Page[Project], int]:
    """A page of the entity's projects the viewer can read, newest first, and how many there are.
    Registries are listed by registries.search, not here. An entity that does not exist has none, like a team
    with no public projects seen by an outsider: listing tells no one which team names exist."""
    entity = entities.find(session, entity_name)
    if entity is None:
        return pagination.paged([], 0, pagination.page_size(first)), 0
    query = select(Project).where(Project.entity_id == entity.id, Project.id.not_in(select(Registry.project_id)),
                                  access.listed_projects(session, viewer, entity.id))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    size, start = pagination.page_size(first), pagination.offset_of(after)
    rows = session.scalars(query.order_by(Project.created_at.desc(), Project.id.desc()).offset(start).limit(size + 1))
    return pagination.paged(list(rows), start, size), total
