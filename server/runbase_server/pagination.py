"""Relay-style pages: opaque cursors and page-size caps shared by every connection."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Generic, TypeVar

from .errors import UserError

DEFAULT_PAGE = 50
MAX_PAGE = 1000
T = TypeVar("T")


def cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode()


def offset_of(after: str | None) -> int:
    """Where the page after `after` starts; cursors are positions in the ordered result."""
    if not after:
        return 0
    try:
        kind, _, value = base64.urlsafe_b64decode(after.encode()).decode().partition(":")
        if kind == "o" and value.isdigit():
            return int(value) + 1
    except ValueError:
        pass
    raise UserError(f"malformed cursor {after!r}")


def page_size(first: int | None) -> int:
    if first is None:
        return DEFAULT_PAGE
    if not 0 <= first <= MAX_PAGE:
        raise UserError(f"first must be between 0 and {MAX_PAGE}")
    return first


@dataclass
class Page(Generic[T]):
    items: list[T]
    start: int
    has_next: bool

    def cursors(self) -> list[str]:
        return [cursor(self.start + i) for i in range(len(self.items))]


def paged(items: list[T], start: int, size: int) -> Page[T]:
    """`items` was fetched with one extra row to learn whether another page follows."""
    return Page(items=items[:size], start=start, has_next=len(items) > size)
