"""Relay-style pages: opaque cursors and page-size caps shared by every connection, and the budget of
rows and bytes one request may return in all."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Generic, TypeVar

from .errors import AnswerTooLarge, UserError

DEFAULT_PAGE = 50
MAX_PAGE = 1000
MAX_OFFSET = 2**62  # far beyond any result; an offset the database can still add to
MAX_ANSWER_ROWS = 1_000_000
MAX_ANSWER_BYTES = 256 * 1024 * 1024
MAX_LIST_ITEMS = 10_000  # in any one list of a request: GraphQL variables, the keys a history read names
T = TypeVar("T")


def list_too_long(name: str, items: int) -> str | None:
    """Why a request's list `name` of `items` items is refused, if it is: every route words it alike."""
    if items > MAX_LIST_ITEMS:
        return f"{name} is a list of {items} items; a list in a request holds at most {MAX_LIST_ITEMS}"
    return None


def cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode()


def offset_of(after: str | None) -> int:
    """Where the page after `after` starts; cursors are positions in the ordered result."""
    if not after:
        return 0
    try:
        kind, _, value = base64.urlsafe_b64decode(after.encode()).decode().partition(":")
        if kind == "o" and value.isascii() and value.isdigit() and len(value) <= 20:
            offset = int(value) + 1
            if offset > MAX_OFFSET:
                raise UserError(f"cursor {after[:40]!r} points beyond {MAX_OFFSET}, past the end of any result")
            return offset
    except ValueError:
        pass
    raise UserError(f"malformed cursor {after[:100]!r}")


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


class AnswerBudget:
    """What one request may still return, in rows (history rows, samples, console lines, files, runs,
    projects) and bytes of history and console text: many cheap fields (aliases, specs, nested pages)
    must not add up to an answer that exhausts the server."""

    def __init__(self, rows: int = MAX_ANSWER_ROWS, size: int = MAX_ANSWER_BYTES) -> None:
        self.rows, self.size = rows, size
        self.rows_left, self.size_left = rows, size

    def afford(self, rows: int, what: str, size: int = 0) -> None:
        """Refuse the request if `rows` more rows (and `size` bytes) would exceed what it may return."""
        if rows > self.rows_left:
            raise UserError(f"{what} would take the answer past {self.rows} rows, the most one request may "
                            "return; ask for fewer (smaller pages, fewer samples, specs or aliases) or page "
                            "through them (historyPage)")
        if size > self.size_left:
            raise AnswerTooLarge(f"{what} would take the answer past {self.size} bytes, the most one request may "
                            "return; ask for less per request")

    def charge(self, rows: int, what: str, size: int = 0) -> None:
        """Count `rows` (and `size` bytes) toward the answer; refused as by `afford`."""
        self.afford(rows, what, size)
        self.rows_left -= rows
        self.size_left -= size
