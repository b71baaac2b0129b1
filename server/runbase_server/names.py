"""The rules for names users choose (entities, projects, run ids) and for the ids the server gives out."""

from __future__ import annotations

from .errors import NotFound, UserError

FORBIDDEN_CHARS = set('/\\#?%:')
REGISTRY_PREFIX = "runbase-registry-"  # the names of the projects that are registries (registries.py)
MAX_LENGTH = 128
MAX_LABEL_LENGTH = 256  # a display name or a host: the width of their columns
# The first path segments the server's own routes take (web/pages.py serves the web app for every other one),
# and the web app's own top-level pages: no entity may be named so, or its pages (/ENTITY/...) would be shadowed.
SERVER_ROUTES = frozenset({"api", "assets", "files", "graphql", "healthz", "history", "static"})
RESERVED_ENTITY_NAMES = SERVER_ROUTES | {"registry", "signin", "signout"}


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
    if name in (".", ".."):  # browsers collapse such a path segment, so its web page could not be opened
        raise UserError(f"{kind} must not be {name!r}")
    return name


def check_label(kind: str, value: str | None) -> str | None:
    """A display name or host no wider than its column, on every database alike (PostgreSQL refuses wider text
    where SQLite would store it)."""
    if value is not None and len(value) > MAX_LABEL_LENGTH:
        raise UserError(f"{kind} {value[:20]!r}... is {len(value)} characters long: at most {MAX_LABEL_LENGTH}")
    return value


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


def check_entity_name(kind: str, name: str) -> None:
    """Refuse an entity (user or team) name that a server route or a top-level page takes, in any case."""
    if name.lower() in RESERVED_ENTITY_NAMES:
        raise UserError(f"{kind} {name!r} is reserved: the server's web pages use /{name.lower()}; reserved "
                        f"names are {', '.join(sorted(RESERVED_ENTITY_NAMES))}")
