"""Projects: where runs live, and who can see them."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import pagination
from .auth import Viewer
from .entities import get_entity, is_member, require_writer
from .errors import NotFound, UserError
from .names import check_name
from .tables import Entity, Project

ACCESS_LEVELS = ("PRIVATE", "READ")


def _check_access(access: str) -> str:
    if access not in ACCESS_LEVELS:
        raise UserError(f"access must be one of {', '.join(ACCESS_LEVELS)}, not {access!r}")
    return access


def find(session: Session, entity_name: str, name: str) -> Project | None:
    return session.scalar(select(Project).join(Entity).where(Entity.name == entity_name, Project.name == name))


def readable(session: Session, viewer: Viewer, entity_name: str, name: str) -> Project | None:
    """None both when the project is missing and when the viewer may not see it, so
    that private project names do not leak."""
    project = find(session, entity_name, name)
    if project is None:
        return None
    if project.access == "READ" or is_member(session, viewer, project.entity_id):
        return project
    return None


def writable(session: Session, viewer: Viewer, entity_name: str, name: str, create: bool) -> Project:
    entity = get_entity(session, entity_name)
    require_writer(session, viewer, entity)
    project = session.scalar(select(Project).where(Project.entity_id == entity.id, Project.name == name))
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
    if description is not None:
        project.description = description
    if access is not None:
        project.access = _check_access(access)
    return project, inserted


def visible(session: Session, viewer: Viewer, entity_name: str, first: int | None,
            after: str | None) -> tuple[pagination.Page[Project], int]:
    """A page of the entity's projects the viewer can read, newest first, and how many there are."""
    entity = get_entity(session, entity_name)
    query = select(Project).where(Project.entity_id == entity.id)
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
