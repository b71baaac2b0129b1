"""Users, their own entities and their API keys."""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import access, pagination
from .auth import Viewer, new_key, store_key
from .errors import Conflict, Forbidden, NotFound, UserError
from .names import check_entity_name
from .tables import ApiKey, Entity, Membership, User

USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
MAX_EMAIL = 256


def email_key(email: str) -> str:
    """An email as it is compared: whole, NFKC-normalized and case-folded in Python, so that both databases (and
    SQLite, whose lower() knows ASCII only) tell "Ärger@x.com" and "ärger@x.com" for the same address. Stored in
    users.email_key, which a unique index keeps to one user each."""
    return unicodedata.normalize("NFKC", email).casefold()


def by_email(session: Session, email: str) -> User | None:
    """The user with this email, compared whole and ignoring case: two users may share the part before "@"."""
    return session.scalar(select(User).where(User.email_key == email_key(email)))


def create_user(session: Session, username: str, email: str | None = None, admin: bool = False) -> User:
    if not USERNAME.fullmatch(username or ""):
        raise UserError(f"username {username!r} must be 1-64 letters, digits, '_', '.', '-'")
    check_entity_name("username", username)
    if email is not None:
        if len(email) > MAX_EMAIL or not EMAIL.fullmatch(email):
            raise UserError(f"email {email[:MAX_EMAIL]!r} must look like name@domain (at most {MAX_EMAIL} characters)")
        if by_email(session, email) is not None:
            raise Conflict(f"a user with email {email!r} exists already")
    if session.scalar(select(Entity.id).where(Entity.name == username)) is not None:
        raise Conflict(f"the name {username!r} is taken")
    user = User(username=username, email=email, email_key=None if email is None else email_key(email), admin=admin)
    entity = Entity(name=username, is_team=False)
    session.add_all([user, entity])
    session.flush()
    session.add(Membership(entity_id=entity.id, user_id=user.id, role="admin"))
    session.flush()
    return user


def bootstrap_admin(session: Session, key: str | None) -> str | None:
    """On a database with no users, create `admin` and return its key (the given one if set)."""
    if session.scalar(select(func.count(User.id))):
        return None
    user = create_user(session, "admin", admin=True)
    key = key or new_key()
    store_key(session, user, key, description="bootstrap key")
    return key


def get_user(session: Session, username_or_email: str) -> User:
    """A user by name, or by whole email when it holds "@" (no name does): emails tell users apart."""
    if "@" in username_or_email:
        user = by_email(session, username_or_email)
        if user is None:
            raise NotFound(f"no user with email {username_or_email!r}")
        return user
    user = session.scalar(select(User).where(User.username == username_or_email))
    if user is None:
        raise NotFound(f"no user named {username_or_email!r}")
    return user


def visible_user(session: Session, viewer: Viewer, username_or_email: str) -> User:
    """A user by name or email, whose account the viewer may see (access.sees_account): instance admins see
    anyone; others only themselves, and are refused anyone else whether or not they exist."""
    if viewer.admin:
        return get_user(session, username_or_email)
    if "@" in username_or_email:
        user = by_email(session, username_or_email)
    else:
        user = session.scalar(select(User).where(User.username == username_or_email))
    if user is None or not access.sees_account(viewer, user.id):
        raise Forbidden("only admins can look up other users")
    return user


def create_user_as(session: Session, viewer: Viewer, username: str, email: str | None, *, admin: bool) -> User:
    access.require_api_key(viewer, "creating a user")
    if not viewer.admin:
        raise Forbidden("only admins can create users")
    return create_user(session, username, email, admin)


def generate_api_key(
    session: Session, viewer: Viewer, description: str | None, username: str | None
) -> tuple[ApiKey, str]:
    access.require_api_key(viewer, "creating an API key")
    target = username or viewer.username
    if target != viewer.username and not viewer.admin:
        raise Forbidden("only admins can create API keys for other users")
    key = new_key()
    return store_key(session, get_user(session, target), key, description), key


def delete_api_key(session: Session, viewer: Viewer, key_id: int) -> None:
    access.require_api_key(viewer, "deleting an API key")
    api_key = session.get(ApiKey, key_id)
    if api_key is None or (api_key.user_id != viewer.user_id and not viewer.admin):
        raise NotFound(f"no API key with id {key_id}")
    session.delete(api_key)


def teams_page(session: Session, user_id: int, *, first: int | None, after: str | None) -> pagination.Page[Entity]:
    """A page of the entities the user belongs to (their own and their teams), in name order."""
    size, start = pagination.page_size(first), pagination.offset_of(after)
    rows = session.scalars(select(Entity).join(Membership).where(Membership.user_id == user_id)
                           .order_by(Entity.name).offset(start).limit(size + 1))
    return pagination.paged(list(rows), start, size)


def memberships(session: Session, user_id: int) -> list[Entity]:
    """Every entity the user belongs to (their own and their teams), in name order."""
    return list(session.scalars(select(Entity).join(Membership).where(Membership.user_id == user_id)
                                .order_by(Entity.name)))


def owner(session: Session, entity: Entity) -> User | None:
    """The user whose own entity it is; None for a team."""
    return None if entity.is_team else session.scalar(select(User).where(User.username == entity.name))


def admin_viewer(session: Session) -> Viewer:
    """The first admin, for work the server does on its own behalf."""
    user = session.scalar(select(User).where(User.admin.is_(True)).order_by(User.id))
    if user is None:
        raise NotFound("there is no admin user")
    return Viewer(user_id=user.id, username=user.username, admin=True)
