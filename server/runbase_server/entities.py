"""Entities: a user's own or a team. Who may read and write them is access.py's."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import access
from .auth import Viewer
from .errors import NotFound
from .tables import Entity


def find(session: Session, name: str) -> Entity | None:
    return session.scalar(select(Entity).where(Entity.name == name))


def get_entity(session: Session, name: str) -> Entity:
    """For names that do not come from a request: answering a missing entity differently from a hidden one
    would tell outsiders which private teams exist."""
    entity = find(session, name)
    if entity is None:
        raise NotFound(f"no entity named {name!r}")
    return entity


def writable(session: Session, viewer: Viewer, name: str) -> Entity:
    """The entity, for a viewer who may write to it; a missing one is refused in the words a team the viewer is
    not in is refused with (access.entity_refused)."""
    entity = find(session, name)
    if entity is None:
        raise access.entity_refused(viewer, name)
    access.require_entity_writer(session, viewer, entity)
    return entity
