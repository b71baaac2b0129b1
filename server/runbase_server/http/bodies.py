"""Reading a request's body whole, within a limit, for the routes that parse it (GraphQL, file_stream, the file
routes' JSON bodies)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ..documents import loads_exact
from ..errors import UserError, error_response


class RequestTooLarge(Exception):
    """A body over the server's limit (RUNBASE_MAX_REQUEST_BYTES): answered 413 by the app's handler
    (too_large), unless a route says more."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"request body is larger than the server's limit of {limit} bytes")


async def read_body(request: Request, limit: int) -> bytes:
    """The body; RequestTooLarge as soon as it is known to exceed `limit` bytes (declared, or as it arrives)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise RequestTooLarge(limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise RequestTooLarge(limit)
        chunks.append(chunk)
    return b"".join(chunks)


async def read_json(request: Request, limit: int) -> Any:
    """The body as JSON (integers beyond 64 bits exact), within `limit` bytes; UserError where it is not JSON."""
    body = await read_body(request, limit)
    try:
        return loads_exact(body, few_values=True)
    except ValueError as exc:
        raise UserError(f"the body must be JSON: {exc}") from None
    except RecursionError:
        raise UserError("the body must be JSON, and is nested too deeply") from None


async def too_large(_request: Request, exc: Exception) -> Response:
    return error_response(str(exc), "PAYLOAD_TOO_LARGE", 413)
