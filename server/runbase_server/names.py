"""The rules for names users choose (entities, projects, run ids) and for the ids the server gives out."""

from __future__ import annotations

from .errors import NotFound, UserError

FORBIDDEN_CHARS = set('/\\#?%:')
REGISTRY_PREFIX = "runbase-registry-"  # the names of the projects that are registries (registries.py)
MAX_LENGTH = 128


def check_name(kind: str, name: str) -> str:
    """Run ids and project names end up in paths and URLs, so W&B's rules apply."""
    if not isinstance(name, str) or not name.strip():
        raise UserError(f"{kind} must be a non-empty string")
    if len(name) > MAX_LENGTH:
        raise UserError(f"{kind} {name[:20]!r}... is longer than {MAX_LENGTH} characters")
    bad = sorted(FORBIDDEN_CHARS.intersection(name))
    if bad:
        raise UserError(f"{kind} {name!r} must not contain any of / \\ # ? % : (found {' '.join(bad)})")
    if any(ord(c) < 32 for c in name):
        raise UserError(f"{kind} {name!r} must not contain control characters")
    return name


MAX_ID = 2**31 - 1  # ids are INTEGER columns, 32 bits on PostgreSQL: a bigger number would be a database error


def row_id(value: object, what: str) -> int:
    """A numeric id sent back by a client; anything else (2.5, true, 10**30) names no row, so it is not found."""
    if type(value) is int:
        number = value
    elif isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 12:
        number = int(value)
    else:
        number = 0
    if not 0 < number <= MAX_ID:
        raise NotFound(f"no {what} with id {value!r}")
    return number
