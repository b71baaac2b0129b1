"""API keys: how they are made, stored (hashed) and checked on every request."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
import string
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import Unauthenticated, UserError
from .tables import ApiKey, User

# The shape the official wandb client accepts: it reads what precedes a '-' as a prefix and wants 40
# characters after it, so a key is 40+ characters with no '-' at all.
KEY_PATTERN = re.compile(r"[A-Za-z0-9_]{40,}")
KEY_ALPHABET = string.ascii_letters + string.digits
KEY_LENGTH = 40  # 40 characters of 62: 238 random bits


@dataclass(frozen=True)
class Viewer:
    """Who is making the request."""

    user_id: int
    username: str
    admin: bool


def hash_key(key: str) -> str:
    # Keys carry 238 random bits, so a fast hash cannot be brute-forced;
    # a slow one would cost every request.
    return hashlib.sha256(key.encode()).hexdigest()


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


def authenticate(session: Session, authorization: str | None) -> Viewer:
    key = key_from_header(authorization)
    row = session.execute(
        select(User.id, User.username, User.admin).join(ApiKey).where(ApiKey.key_hash == hash_key(key))
    ).first()
    if row is None:
        raise Unauthenticated("invalid API key")
    return Viewer(user_id=row.id, username=row.username, admin=row.admin)
