"""Projects: where runs live, and who can see them.

A registry is a project too (registries.py): names given by users are read through
`registries.project_name`, so "wandb-registry-X" finds "runbase-registry-X", and a registry's own
visibility rules replace the project's."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import pagination, registries
from .auth import Viewer
from .entities import get_entity, is_member, require_writer
from .errors import NotFound, UserError
from .names import check_name
from .tables import Entity, Project, Registry

ACCESS_LEVELS = ("PRIVATE", "READ")


def _check_access(access: str) -> str:
    if access not in ACCESS_LEVELS:
        raise UserError(f"access must be one of {', '.join(ACCESS_LEVELS)}, not {access!r}")
    return access


def find(session: Session, entity_name: str, name: str) -> Project | None:
    return session.scalar(select(Project).join(Entity).where(Entity.name == entity_name,
                                                             Project.name == registries.project_name(name)))


def readable(session: Session, viewer: Viewer, entity_name: str, name: str) -> Project | None:
    """None both when the project is missing and when the viewer may not see it, so
    that private project names (and restricted registries) do not leak."""
    project = find(session, entity_name, name)
    return project if project is not None and can_read(session, viewer, project) else None


def can_read(session: Session, viewer: Viewer, project: Project) -> bool:
    registry = registries.of_project(session, project)
    if registry is not None:
        return registries.can_read(session, viewer, registry)
    return project.access == "READ" or is_member(session, viewer, project.entity_id)


def writable(session: Session, viewer: Viewer, entity_name: str, name: str, create: bool) -> Project:
    entity = get_entity(session, entity_name)
    name = registries.project_name(name)
    project = session.scalar(select(Project).where(Project.entity_id == entity.id, Project.name == name))
    registry = None if project is None else registries.of_project(session, project)
    if registry is not None:
        registries.require_writer(session, viewer, registry)
        return project
    if project is None and registries.is_reserved(name):
        raise registries.missing(entity.name, name)
    require_writer(session, viewer, entity)
    if project is None:
        if not create:
            raise NotFound(f"no project {entity_name}/{name}")
        project = Project(entity=entity, name=check_name("project name", name), access="PRIVATE")
        session.add(project)
        session.flush()
    return project


def upsert(
    session: Session,
    viewer: Viewer,
    entity_name: str,
    name: str,
    description: str | None,
    access: str | None,
) -> tuple[Project, bool]:
    inserted = find(session, entity_name, name) is None
    project = writable(session, viewer, entity_name, name, create=True)
    if (description is not None or access is not None) and registries.is_registry(project):
        raise UserError(f"{project.entity.name}/{project.name} is a registry: its admins change it with "
                        "updateRegistry")
    if description is not None:
        project.description = description
    if access is not None:
        project.access = _check_access(access)
    return project, inserted


def visible(session: Session, viewer: Viewer, entity_name: str, first: int | None,
            after: str | None) -> tuple[pagination.Page[Project], int]:
    """A page of the entity's projects the viewer can read, newest first, and how many there are.
    Registries are listed by registries.search, not here."""
    entity = get_entity(session, entity_name)
    query = select(Project).where(Project.entity_id == entity.id, Project.id.not_in(select(Registry.project_id)))
    if not is_member(session, viewer, entity.id):
        query = query.where(Project.access == "READ")
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    size, start = pagination.page_size(first), pagination.offset_of(after)
    rows = session.scalars(query.order_by(Project.created_at.desc(), Project.id.desc()).offset(start).limit(size + 1))
    return pagination.paged(list(rows), start, size), total


def require_readable(session: Session, viewer: Viewer, entity_name: str, name: str) -> Project:
    project = readable(session, viewer, entity_name, name)
    if project is None:
        raise NotFound(f"no project {entity_name}/{name}")
    return project
