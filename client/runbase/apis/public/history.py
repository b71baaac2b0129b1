"""A run's history read a page at a time for scan_history: as columns of binary numbers from the server's
/history/columns route, rebuilt into the rows GraphQL's historyPage gives as JSON text, value for value.

The numbers are decoded with the standard library's `array` (numpy is not needed); values that are not
float64 or int64 numbers (strings, bools, null, lists, dicts, integers beyond 64 bits) come as JSON, parsed by
`json` as the JSON rows are, so NaN, infinities and big integers stay exact. A server without the route (older
than this SDK) is read through GraphQL instead, as is any page the route answers with 404, so that a missing
run fails with the same error either way, and any page it refuses as past the answer's budget of bytes (the
columns of keys that few rows hold take more bytes than their JSON text), so that scan_history reads every page
that GraphQL gives."""

from __future__ import annotations

import json
import sys
from array import array
from collections.abc import Iterator
from typing import Any

import httpx

from ...connection import RETRY_STATUSES, Connection
from ...errors import AuthenticationError, CommError, present

MAGIC = b"RBHC"  # the server's history.COLUMNS_MAGIC
MEDIA_TYPE = "application/vnd.runbase.history-columns"  # and its COLUMNS_TYPE
ROUTE = "/history/columns"
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


def unpack(data: bytes) -> tuple[list[dict[str, Any]], int | None]:
    """The rows of a page packed by the server (see history.py's `_Frame.pack`) and the step to continue from."""
    if data[:4] != MAGIC:
        raise ValueError("not a page of history columns")
    size = int.from_bytes(data[4:8], "little")
    header = json.loads(data[8:8 + size])
    view, at = memoryview(data), 8 + size
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
        return [{"_step": step, key: value} for step, value in zip(steps, values)], header["next"]
    rows: list[dict[str, Any]] = [{"_step": step} for step in steps]
    for key, positions, values in columns:
        if positions is None:
            for row, value in zip(rows, values):
                row[key] = value
        else:
            for position, value in zip(positions, values):
                rows[position][key] = value
    return rows, header["next"]


def _fetch(connection: Connection, body: dict[str, Any]) -> tuple[list[dict[str, Any]], int | None]:
    def attempt() -> httpx.Response:
        try:
            # json's own escapes: a lone surrogate in a key reaches the server, which names it
            response = connection.http.post(connection.base_url + ROUTE, content=json.dumps(body).encode(),
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
        return unpack(response.content)
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise CommError(f"unexpected answer from {connection.base_url}{ROUTE}: {exc}") from None


def _graphql_page(connection: Connection, body: dict[str, Any]) -> tuple[list[dict[str, Any]], int | None]:
    found = connection.history_page(entity=body["entity"], project=body["project"], name=body["run"],
                                    keys=body["keys"], min_step=body["minStep"], max_step=body["maxStep"],
                                    limit=body["limit"]).project
    page = present(present(found, "project").run, "run").history_page
    return json.loads(page.rows), page.next_step


def pages(connection: Connection, entity: str, project: str, run: str, *, keys: list[str] | None, page_size: int,
          min_step: int | None, max_step: int | None) -> Iterator[list[dict[str, Any]]]:
    """The rows with min_step <= _step < max_step in step order (only rows holding all `keys`), a list of at most
    `page_size` rows per request."""
    body: dict[str, Any] = {"entity": entity, "project": project, "run": run, "keys": keys, "minStep": min_step,
                            "maxStep": max_step, "limit": page_size}
    columnar = True
    while True:
        page = None
        if columnar:
            try:
                page = _fetch(connection, body)
            except _Absent:
                columnar = False
            except _TooLarge:
                pass  # this page alone as JSON rows, which GraphQL refuses only if they too are past the budget
        rows, following = page or _graphql_page(connection, body)
        yield rows
        if following is None:
            return
        body["minStep"] = following
