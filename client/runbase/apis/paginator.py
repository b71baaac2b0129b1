"""Lazy, cursor-paged collections: what Api.runs(), Api.projects(), Api.registries() ... return."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Paginator(Generic[T]):
    """Fetches one page per request as iteration or indexing needs it; len() asks the server for a count."""

    def __init__(self, per_page: int) -> None:
        if not isinstance(per_page, int) or isinstance(per_page, bool) or per_page < 1:
            raise ValueError(f"per_page must be a positive integer, not {per_page!r}")
        self.per_page = per_page
        self.objects: list[T] = []
        self.cursor: str | None = None
        self.more = True
        self._length: int | None = None
        self._iterator: Iterator[T] | None = None

    # -- what subclasses provide -----------------------------------------------------------
    def _fetch(self, after: str | None) -> tuple[list[T], str | None, bool]:
        """One page after the cursor: its objects, the new cursor, whether more follow."""
        raise NotImplementedError

    def _count(self) -> int:
        raise NotImplementedError

    # -- the collection ----------------------------------------------------------------------
    def _next_page(self) -> bool:
        if not self.more:
            return False
        objects, self.cursor, self.more = self._fetch(self.cursor)
        self.objects.extend(objects)
        return bool(objects)

    def __iter__(self) -> Iterator[T]:
        index = 0
        while True:
            if index >= len(self.objects) and not self._next_page():
                return
            if index < len(self.objects):
                yield self.objects[index]
                index += 1

    def __len__(self) -> int:
        if self._length is None:
            self._length = self._count() if self.more else len(self.objects)
        return self._length

    @property
    def length(self) -> int:
        return len(self)

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            stop = index.stop
            if stop is None or stop < 0 or (index.start or 0) < 0:
                return list(self)[index]
            while len(self.objects) < stop and self._next_page():
                pass
            return self.objects[index]
        if index < 0:
            return list(self)[index]
        while len(self.objects) <= index and self._next_page():
            pass
        if index >= len(self.objects):
            raise IndexError(f"index {index} out of range ({len(self.objects)} items)")
        return self.objects[index]

    def __bool__(self) -> bool:
        return bool(self.objects) or self._next_page()

    def __next__(self) -> T:
        """W&B's listings are iterators too: `next(api.registries())`."""
        if self._iterator is None:
            self._iterator = iter(self)
        return next(self._iterator)


class Listing(Paginator[T]):
    """A listing whose connection carries no total: len() reads every page."""

    def _count(self) -> int:
        while self._next_page():
            pass
        return len(self.objects)


class Counted(Paginator[T]):
    """A listing over a connection with totalCount, pageInfo and edges; subclasses give the page
    and turn each node into an object."""

    def _page(self, first: int, after: str | None) -> Any:
        raise NotImplementedError

    def _wrap(self, node: Any) -> T:
        raise NotImplementedError

    def _fetch(self, after: str | None) -> tuple[list[T], str | None, bool]:
        page = self._page(self.per_page, after)
        self._length = page.total_count
        return [self._wrap(edge.node) for edge in page.edges], page.page_info.end_cursor, page.page_info.has_next_page

    def _count(self) -> int:
        """The first page carries the total, and list() asks for len() before it iterates: fetch it."""
        self._next_page()
        return self._length if self._length is not None else len(self.objects)
