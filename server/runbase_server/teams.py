"""Teams: entities several users log to, each member with a role."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from . import access, entities
from .auth import Viewer
from .errors import Conflict, Forbidden, NotFound, UserError
from .names import check_entity_name, row_id
from .tables import Entity, Membership, User
from .users import USERNAME, get_user

ROLES = ("admin", "member", "viewer")


def _administered(session: Session, viewer: Viewer, entity_name: str) -> Entity:
    """The team, for one of its admins; a missing team is refused as one the viewer is not in."""
    entity = entities.find(session, entity_name)
    if entity is None:
        raise access.team_refused(viewer, entity_name)
    access.require_team_admin(session, viewer, entity)
    return entity


def create(session: Session, viewer: Viewer, name: str, admin_username: str | None) -> Entity:
    if not USERNAME.fullmatch(name or ""):
        raise UserError(f"team name {name!r} must be 1-64 letters, digits, '_', '.', '-'")
    check_entity_name("team name", name)
    if session.scalar(select(Entity.id).where(Entity.name == name)) is not None:
        raise Conflict(f"the name {name!r} is taken")
    if admin_username and admin_username != viewer.username:
        access.require_api_key(viewer, "making another user a team's admin")
        if not viewer.admin:
            raise Forbidden("only instance admins can make someone else a team's admin")
    admin = get_user(session, admin_username or viewer.username)
    team = Entity(name=name, is_team=True)
    session.add(team)
    session.flush()
    session.add(Membership(entity_id=team.id, user_id=admin.id, role="admin"))
    session.flush()
    return team


def members(session: Session, viewer: Viewer, entity: Entity) -> list[tuple[Membership, User]]:
    if not access.is_member(session, viewer, entity.id):
        return []
    rows = session.execute(select(Membership, User).join(User, Membership.user_id == User.id)
                           .where(Membership.entity_id == entity.id).order_by(User.username))
    return [(membership, user) for membership, user in rows]


def invite(session: Session, viewer: Viewer, entity_name: str, username: str, *, member_role: str) -> tuple[
        Membership, User]:
    """Add the user (or change their role): a self-hosted server has no email round trip. Only instance admins
    invite by email: to anyone else the answer would tell whether the email is registered, and whose it is."""
    access.require_api_key(viewer, "adding a team member")
    if member_role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}, not {member_role!r}")
    if "@" in username and not access.invites_by_email(viewer):
        raise Forbidden("only instance admins can invite by email; invite the user by username")
    entity = _administered(session, viewer, entity_name)
    user = get_user(session, username)
    membership = session.get(Membership, (entity.id, user.id))
    if membership is None:
        membership = Membership(entity_id=entity.id, user_id=user.id)
        session.add(membership)
    membership.role = member_role
    session.flush()
    return membership, user


def remove(session: Session, viewer: Viewer, entity_name: str, member_id: str) -> None:
    access.require_api_key(viewer, "removing a team member")
    entity = _administered(session, viewer, entity_name)
    membership = session.get(Membership, (entity.id, row_id(member_id, f"member of team {entity_name!r}")))
    if membership is None:
        raise NotFound(f"no member {member_id!r} in team {entity_name!r}")
    session.delete(membership)


def search_users(session: Session, viewer: Viewer, query: str | None, first: int) -> list[User]:
    """Users whose name or email starts or ends with `query` (all of them without one), for instance admins only,
    as W&B's search is."""
    if not viewer.admin:
        raise Forbidden("only admins can search users")
    found = select(User).order_by(User.username).limit(first)
    if query is None:
        return list(session.scalars(found))
    pattern = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    matches = [User.username.like(f"{pattern}%", escape="\\"), User.username.like(f"%{pattern}", escape="\\"),
               User.email.like(f"{pattern}%", escape="\\"), User.email.like(f"%{pattern}", escape="\\")]
    return list(session.scalars(found.where(or_(*matches))))
