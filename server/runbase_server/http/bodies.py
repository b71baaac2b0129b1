"""Reading a request's body whole, within a limit, for the routes that parse it (GraphQL, file_stream, the file
routes' JSON bodies), and refusing before that a request that nobody may send."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from ..auth import KEY_CACHE, KeyCache, hash_key, key_from_header
from ..database import Database
from ..documents import loads_exact
from ..errors import Unauthenticated, UserError, error_response
from ..web import sessions


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


SMALL_BODY = 64 * 1024  # a declared body this small is read before its sender is looked at, as it always was


async def refusal_before_body(db: Database, request: Request,
                              credentials: sessions.Credentials) -> Response | None:
    """The answer for credentials that name nobody (401, or 403 for a session the request may not use), else None:
    who sends a request is known from its headers, so that no one without a key can make the server hold bodies
    of up to the limit, or wait on them. A body declared SMALL_BODY or smaller, and a key this server found valid
    lately (auth.KeyCache), skip the lookup (a browser's session would otherwise be looked up twice); the
    request's own check still decides."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isascii() and declared.isdigit() and int(declared) <= SMALL_BODY:
        return None
    cache = db.info.get(KEY_CACHE)
    if credentials.authorization and isinstance(cache, KeyCache):
        try:
            if cache.get(hash_key(key_from_header(credentials.authorization))) is not None:
                return None
        except Unauthenticated:
            pass

    def check() -> None:
        db.attempt(lambda session: sessions.viewer(session, credentials))

    try:
        await run_in_threadpool(check)  # Unavailable: the app's handler logs it and answers 503
    except sessions.REFUSALS as exc:
        return sessions.refusal(exc)
    return None


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
