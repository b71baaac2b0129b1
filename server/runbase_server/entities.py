"""Entities (a user's own or a team) and who may write to them."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from .auth import Viewer
from .errors import Forbidden, NotFound
from .tables import Entity, Membership

WRITER_ROLES = ("admin", "member")
Owned = TypeVar("Owned", bound=Any)  # a row with an entity_id


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


def members_only(session: Session, viewer: Viewer, row: Owned | None) -> Owned | None:
    """A row of an entity's (an automation, a delivery) as its members see it: others get None, as if it
    did not exist, so ids reveal nothing."""
    if row is None or not is_member(session, viewer, row.entity_id):
        return None
    return row


def can_write(session: Session, viewer: Viewer, entity_id: int) -> bool:
    return viewer.admin or role(session, viewer, entity_id) in WRITER_ROLES


def require_writer(session: Session, viewer: Viewer, entity: Entity) -> None:
    if can_write(session, viewer, entity.id):
        return
    raise Forbidden(f"user {viewer.username!r} cannot write to entity {entity.name!r}")
