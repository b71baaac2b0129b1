"""API keys: how they are made, stored (hashed) and checked on every request."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
import string
import threading
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import ORMExecuteState, Session, object_session

from .errors import Unauthenticated, UserError
from .tables import ApiKey, User

# The shape the official wandb client accepts: it reads what precedes a '-' as a prefix and wants 40
# characters after it, so a key is 40+ characters with no '-' at all.
KEY_PATTERN = re.compile(r"[A-Za-z0-9_]{40,}")
KEY_ALPHABET = string.ascii_letters + string.digits
KEY_LENGTH = 40  # 40 characters of 62: 238 random bits
KEY_CACHE = "runbase.key_cache"  # session.info key of the server's KeyCache
_ACCOUNTS_CHANGED = "runbase.accounts_changed"  # session.info: the session deleted or changed a key or user
_GENERATION = "runbase.key_cache_generation"  # session.info: the cache's generation when the transaction began


@dataclass(frozen=True)
class Viewer:
    """Who is making the request."""

    user_id: int
    username: str
    admin: bool
    by_session: bool = False  # signed in by a browser's session cookie (web/sessions.py), not an API key


def hash_key(key: str) -> str:
    # Keys carry 238 random bits, so a fast hash cannot be brute-forced;
    # a slow one would cost every request. Any string hashes (a lone surrogate from JSON too): it is no key.
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def new_key() -> str:
    """A random key of letters and digits only, which every wandb client accepts."""
    return "".join(secrets.choice(KEY_ALPHABET) for _ in range(KEY_LENGTH))


def check_key_shape(key: str) -> None:
    """Refuse a key the official wandb client would reject, before it is stored."""
    if not KEY_PATTERN.fullmatch(key):
        raise UserError("an API key must be at least 40 characters of A-Z, a-z, 0-9 and '_' (no '-': the wandb "
                        "client reads what precedes a '-' as a prefix and then finds the key too short)")


def store_key(session: Session, user: User, key: str, description: str | None = None) -> ApiKey:
    check_key_shape(key)
    api_key = ApiKey(user=user, key_hash=hash_key(key), prefix=key[:8], description=description)
    session.add(api_key)
    session.flush()
    return api_key


def key_from_header(authorization: str | None) -> str:
    """Accepts `Bearer KEY` and HTTP Basic `api:KEY` (what wandb clients send)."""
    if not authorization:
        raise Unauthenticated("missing API key: send 'Authorization: Bearer KEY'")
    scheme, _, value = authorization.partition(" ")
    scheme = scheme.lower()
    if scheme == "bearer":
        return value.strip()
    if scheme == "basic":
        try:
            user, _, key = base64.b64decode(value.strip(), validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise Unauthenticated("malformed Basic authorization header") from None
        return key
    raise Unauthenticated(f"unsupported authorization scheme {scheme!r}; use Bearer")


class KeyCache:
    """Who recently used keys belong to, so that most requests skip looking their key up.

    A key deleted (or a user changed) through this server stops working when that commits: the commit empties
    the cache, and a lookup that began before it is not stored. A server sharing the database with the one
    that deleted the key accepts it for at most `ttl` seconds more. Unknown keys are never stored."""

    def __init__(self, ttl: float, size: int = 10_000) -> None:
        self.ttl = ttl
        self.size = size
        self._viewers: dict[str, tuple[float, Viewer]] = {}
        self._generation = 0
        self._lock = threading.Lock()

    @property
    def generation(self) -> int:
        return self._generation

    def get(self, key_hash: str) -> Viewer | None:
        found = self._viewers.get(key_hash)
        if found is None or found[0] <= time.monotonic():
            return None
        return found[1]

    def put(self, key_hash: str, viewer: Viewer, generation: int) -> None:
        """Keep the viewer unless the cache was emptied since `generation` (the lookup may be stale)."""
        if self.ttl <= 0:
            return
        with self._lock:
            if generation != self._generation:
                return
            if len(self._viewers) >= self.size:
                self._viewers.clear()
            self._viewers[key_hash] = (time.monotonic() + self.ttl, viewer)

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._viewers.clear()


def authenticate(session: Session, authorization: str | None) -> Viewer:
    key_hash = hash_key(key_from_header(authorization))
    cache: KeyCache | None = session.info.get(KEY_CACHE)
    viewer = cache.get(key_hash) if cache is not None else None
    if viewer is not None:
        return viewer
    row = session.execute(
        select(User.id, User.username, User.admin).join(ApiKey).where(ApiKey.key_hash == key_hash)
    ).first()
    if row is None:
        raise Unauthenticated("invalid API key")
    viewer = Viewer(user_id=row.id, username=row.username, admin=row.admin)
    if cache is not None:
        cache.put(key_hash, viewer, session.info.get(_GENERATION, -1))
    return viewer


# The generation is taken when the transaction begins, before any of its reads: a lookup is stored only if no
# commit emptied the cache since, so it cannot have read a key that a committed deletion removed.
@event.listens_for(Session, "after_begin")
def _note_generation(session: Session, _transaction: Any, _connection: Any) -> None:
    cache = session.info.get(KEY_CACHE)
    if cache is not None:
        session.info[_GENERATION] = cache.generation


@event.listens_for(ApiKey, "after_delete")
@event.listens_for(ApiKey, "after_update")
@event.listens_for(User, "after_delete")
@event.listens_for(User, "after_update")
def _note_account_row(_mapper: Any, _connection: Any, target: ApiKey | User) -> None:
    session = object_session(target)
    if session is not None:
        session.info[_ACCOUNTS_CHANGED] = True


@event.listens_for(Session, "do_orm_execute")
def _note_account_statement(state: ORMExecuteState) -> None:
    """A bulk UPDATE or DELETE of keys or users (the demo deletes its key so)."""
    if (state.is_delete or state.is_update) and state.bind_mapper is not None \
            and state.bind_mapper.class_ in (ApiKey, User):
        state.session.info[_ACCOUNTS_CHANGED] = True


@event.listens_for(Session, "after_commit")
def _empty_cache(session: Session) -> None:
    if session.info.pop(_ACCOUNTS_CHANGED, False):
        cache = session.info.get(KEY_CACHE)
        if cache is not None:
            cache.clear()
