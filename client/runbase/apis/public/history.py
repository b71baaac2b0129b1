"""A run's history read a page at a time for scan_history: as columns of binary numbers from the server's
/history/columns route, rebuilt into the rows GraphQL's historyPage gives as JSON text, value for value.

The numbers are decoded with the standard library's `array` (numpy is not needed); values that are not
float64 or int64 numbers (strings, bools, null, lists, dicts, integers beyond 64 bits) come as JSON, parsed by
`json` as the JSON rows are, so NaN, infinities and big integers stay exact. A server without the route (older
than this SDK) is read through GraphQL instead, as is any page the route answers with 404, so that a missing
run fails with the same error either way, and any page it refuses as past the answer's budget of bytes (the
columns of keys that few rows hold take more bytes than their JSON text), so that scan_history reads every page
that GraphQL gives.

Each page's successor is requested (on one helper thread) as soon as the page has arrived, before its rows are
built: the server reads and sends the next page while this process turns the current one into dicts, which is
most of a scan's time. Errors still reach the caller in page order, when it asks for the page that failed."""

from __future__ import annotations

import json
import sys
from array import array
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import httpx

from ...connection import RETRY_STATUSES, Connection
from ...errors import AuthenticationError, CommError, present

MAGIC = b"RBHC"  # the server's history.COLUMNS_MAGIC
MEDIA_TYPE = "application/vnd.runbase.history-columns"  # and its COLUMNS_TYPE
ROUTE = "/history/columns"
SAMPLE_ROUTE = "/history/sample"  # the rows GraphQL's sampledHistory keeps, packed as a page's columns
TOO_LARGE = "ANSWER_TOO_LARGE"  # the route's code for a page past the answer's budget of bytes


class _Absent(Exception):
    """The route answered 404: no such route on this server, or no such run."""


class _TooLarge(Exception):
    """The route refused the page as past the answer's budget of bytes."""


def _numbers(kind: str, data: memoryview) -> list[Any]:
    values = array("d" if kind == "f8" else "q")
    values.frombytes(data)
    if sys.byteorder == "big":
        values.byteswap()
    return values.tolist()


def _values(kind: str, data: memoryview) -> list[Any]:
    if kind == "json":
        values = json.loads(bytes(data))
        if not isinstance(values, list):
            raise ValueError("a json column is not a list")
        return values
    if kind in ("f8", "i8"):
        return _numbers(kind, data)
    raise ValueError(f"unknown kind of column {kind!r}")


def _header(data: bytes) -> dict[str, Any]:
    """The JSON header of a packed page (see history.py's `_Frame.pack`)."""
    if data[:4] != MAGIC:
        raise ValueError("not a page of history columns")
    header = json.loads(data[8:8 + int.from_bytes(data[4:8], "little")])
    if not isinstance(header, dict):
        raise ValueError("the header of a page is not a JSON object")
    return header


def unpack(data: bytes) -> tuple[list[dict[str, Any]], int | None]:
    """The rows of a page packed by the server (see history.py's `_Frame.pack`) and the step to continue from."""
    header = _header(data)
    return _rows(data, header), header["next"]


def _rows(data: bytes, header: dict[str, Any]) -> list[dict[str, Any]]:
    view, at = memoryview(data), 8 + int.from_bytes(data[4:8], "little")
    count = header["rows"]
    steps = _numbers("i8", view[at:at + 8 * count])
    at += 8 * count
    columns = []
    for key, kind, held, sparse, length in header["columns"]:
        positions = None
        if sparse:
            positions = _numbers("i8", view[at:at + 8 * held])
            at += 8 * held
        values = _values(kind, view[at:at + length])
        at += length
        if len(values) != held or len(steps) != count:
            raise ValueError(f"column {key!r} holds {len(values)} values, not {held}")
        columns.append((key, positions, values))
    if at != len(data):
        raise ValueError("the page is longer than its header says")
    if len(columns) == 1 and columns[0][1] is None:  # one key in every row: the common case, at C speed
        key, _, values = columns[0]
        return [{"_step": step, key: value} for step, value in zip(steps, values)]
    rows: list[dict[str, Any]] = [{"_step": step} for step in steps]
    for key, positions, values in columns:
        if positions is None:
            for row, value in zip(rows, values):
                row[key] = value
        else:
            for position, value in zip(positions, values):
                rows[position][key] = value
    return rows


def _fetch(connection: Connection, body: dict[str, Any], route: str | None = None) -> tuple[bytes, dict[str, Any]]:
    """The packed page and its header, checked as far as the header goes; its rows are built by the caller."""
    route = route or ROUTE  # read when called: tests point ROUTE elsewhere, as on an older server

    def attempt() -> httpx.Response:
        try:
            # json's own escapes: a lone surrogate in a key reaches the server, which names it
            response = connection.http.post(connection.base_url + route, content=json.dumps(body).encode(),
                                            headers={"Content-Type": "application/json", "Accept": MEDIA_TYPE})
        except httpx.TransportError as exc:
            raise CommError(f"cannot reach the runbase server at {connection.base_url}: {exc!r}",
                            retryable=True) from exc
        if response.status_code in RETRY_STATUSES:
            raise CommError(f"HTTP {response.status_code} from {connection.base_url}: reading history",
                            retryable=True, status=response.status_code)
        return response

    response = connection.network.retry.run(attempt)
    if response.status_code == 404:
        raise _Absent
    if response.status_code != 200:
        try:
            errors = response.json()["errors"]
            message = "; ".join(error["message"] for error in errors)
            codes = {(error.get("extensions") or {}).get("code") for error in errors}
        except (ValueError, KeyError, TypeError, AttributeError):
            message, codes = response.text[:500], set()
        if response.status_code == 400 and TOO_LARGE in codes:
            raise _TooLarge
        if response.status_code == 401:
            raise AuthenticationError(f"the server at {connection.base_url} refused the API key: {message}",
                                      status=401)
        raise CommError(f"reading history: HTTP {response.status_code} from {connection.base_url}: {message}",
                        status=response.status_code)
    try:
        data = response.content
        header = _header(data)
        following = header["next"]
        if following is not None and type(following) is not int:
            raise ValueError(f"the next step is {following!r}")
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise _unexpected(connection, exc, route) from None
    return data, header


def _unexpected(connection: Connection, exc: Exception, route: str | None = None) -> CommError:
    return CommError(f"unexpected answer from {connection.base_url}{route or ROUTE}: {exc}")


def sample(connection: Connection, entity: str, project: str, run: str, *, keys: list[str] | None, samples: int,
           x_axis: str, min_step: int | None, max_step: int | None) -> list[dict[str, Any]]:
    """The rows GraphQL's sampledHistory keeps of those with min_step <= _step < max_step, from the packed
    columns of /history/sample; through sampledHistory itself from a server without the route (older than this
    SDK, or a missing run: the same error either way) or where the columns are past the answer's budget."""
    body = {"entity": entity, "project": project, "run": run, "keys": keys, "samples": samples, "xAxis": x_axis,
            "minStep": min_step, "maxStep": max_step}
    try:
        data, header = _fetch(connection, body, SAMPLE_ROUTE)
    except (_Absent, _TooLarge):
        return _graphql_sample(connection, body)
    try:
        return _rows(data, header)
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise _unexpected(connection, exc, SAMPLE_ROUTE) from None


def _graphql_sample(connection: Connection, body: dict[str, Any]) -> list[dict[str, Any]]:
    """sampledHistory's rows; its spec's maxStep is inclusive, as in W&B."""
    low, high = body["minStep"], body["maxStep"]
    spec = {"keys": body["keys"], "samples": body["samples"], "xAxis": body["xAxis"]}
    if low is not None:
        spec["minStep"] = low
    if high is not None:
        spec["maxStep"] = high - 1
    found = connection.sampled_history(entity=body["entity"], project=body["project"], name=body["run"],
                                       specs=[json.dumps(spec)]).project
    rows: list[dict[str, Any]] = json.loads(present(present(found, "project").run, "run").sampled_history_text[0])
    return rows


def _graphql_page(connection: Connection, body: dict[str, Any]) -> tuple[list[dict[str, Any]], int | None]:
    found = connection.history_page(entity=body["entity"], project=body["project"], name=body["run"],
                                    keys=body["keys"], min_step=body["minStep"], max_step=body["maxStep"],
                                    limit=body["limit"]).project
    page = present(present(found, "project").run, "run").history_page
    return json.loads(page.rows), page.next_step


class _Page:
    """A page fetched ahead: the step to continue from at once, its rows when asked for (built from the packed
    columns, or the JSON rows GraphQL gave)."""

    __slots__ = ("following", "_build")

    def __init__(self, following: int | None, build: Callable[[], list[dict[str, Any]]]) -> None:
        self.following = following
        self._build = build

    def rows(self) -> list[dict[str, Any]]:
        return self._build()


def _columns_page(connection: Connection, data: bytes, header: dict[str, Any]) -> _Page:
    def build() -> list[dict[str, Any]]:
        try:
            return _rows(data, header)
        except (ValueError, KeyError, TypeError, IndexError) as exc:
            raise _unexpected(connection, exc) from None

    return _Page(header["next"], build)


class _Reader:
    """Fetches pages one after another, the columns route while the server has it."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.columnar = True  # set once, on the fetching thread, before the next fetch starts

    def page(self, body: dict[str, Any]) -> _Page:
        if self.columnar:
            try:
                return _columns_page(self.connection, *_fetch(self.connection, body))
            except _Absent:
                self.columnar = False
            except _TooLarge:
                pass  # this page alone as JSON rows, which GraphQL refuses only if they too are past the budget
        rows, following = _graphql_page(self.connection, body)
        return _Page(following, lambda: rows)


def pages(connection: Connection, entity: str, project: str, run: str, *, keys: list[str] | None, page_size: int,
          min_step: int | None, max_step: int | None) -> Iterator[list[dict[str, Any]]]:
    """The rows with min_step <= _step < max_step in step order (only rows holding all `keys`), a list of at most
    `page_size` rows per request."""
    body: dict[str, Any] = {"entity": entity, "project": project, "run": run, "keys": keys, "minStep": min_step,
                            "maxStep": max_step, "limit": page_size}
    from ...console import ignore_this_thread  # runbase's own requests: nothing they print is a run's output

    reader = _Reader(connection)
    pool = ThreadPoolExecutor(1, thread_name_prefix="runbase-history", initializer=ignore_this_thread)
    try:
        ahead: Future[_Page] = pool.submit(reader.page, dict(body))
        while True:
            page = ahead.result()
            if page.following is not None:  # the next page is read while this one's rows are built
                ahead = pool.submit(reader.page, {**body, "minStep": page.following})
            yield page.rows()
            if page.following is None:
                return
    finally:
        pool.shutdown(wait=False, cancel_futures=True)  # a caller that stops early does not wait for a page
