"""Entities (a user's own or a team) and who may write to them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .auth import Viewer
from .errors import Forbidden, NotFound
from .tables import Entity, Membership

WRITER_ROLES = ("admin", "member")


def get_entity(session: Session, name: str) -> Entity:
    entity = session.scalar(select(Entity).where(Entity.name == name))
    if entity is None:
        raise NotFound(f"no entity named {name!r}")
    return entity


def role(session: Session, viewer: Viewer, entity_id: int) -> str | None:
    return session.scalar(
        select(Membership.role).where(Membership.entity_id == entity_id, Membership.user_id == viewer.user_id)
    )


def is_member(session: Session, viewer: Viewer, entity_id: int) -> bool:
    return viewer.admin or role(session, viewer, entity_id) is not None


def can_write(session: Session, viewer: Viewer, entity_id: int) -> bool:
    return viewer.admin or role(session, viewer, entity_id) in WRITER_ROLES


def require_writer(session: Session, viewer: Viewer, entity: Entity) -> None:
    if can_write(session, viewer, entity.id):
        return
    raise Forbidden(f"user {viewer.username!r} cannot write to entity {entity.name!r}")
