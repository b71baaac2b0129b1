"""Reading a request's body whole, within a limit, for the routes that parse it (GraphQL, file_stream)."""

from __future__ import annotations

from starlette.requests import Request


class RequestTooLarge(Exception):
    pass


async def read_body(request: Request, limit: int) -> bytes:
    """The body; RequestTooLarge as soon as it is known to exceed `limit` bytes (declared, or as it arrives)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise RequestTooLarge
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise RequestTooLarge
        chunks.append(chunk)
    return b"".join(chunks)
