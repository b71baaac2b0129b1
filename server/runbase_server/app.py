"""The ASGI application: /graphql (GraphiQL in a browser), /healthz, /files (see file_routes.py)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

from graphql import GraphQLError, OperationDefinitionNode, parse
from sqlalchemy import Connection, text
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from strawberry.http.ides import get_graphql_ide_html

from . import artifacts, blobs, deliveries, demo, runs, users
from .auth import authenticate
from .database import Database, upgrade
from .delivery_worker import DeliveryWorker
from .errors import Unauthenticated, UserError, error_response
from .file_routes import FileRoutes
from .schema import MAX_TOKENS, build, is_internal, is_race
from .schema_base import Context
from .settings import SESSION_KEY, ServerSettings

log = logging.getLogger("runbase.server")
RACE_ATTEMPTS = 3


class RequestTooLarge(Exception):
    pass


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise RequestTooLarge
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise RequestTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _nul_at(value: Any, path: str) -> str | None:
    """Where a NUL character is in the variables, e.g. "input.name"; PostgreSQL can store none."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        found = _nul_at(key, path) or _nul_at(item, f"{path}.{key}" if path else str(key))
        if found:
            return found
    return None


def _refuse_nul(query: str, where: str) -> JSONResponse:
    """Refused alike on every database, as a GraphQL error of the operation's first field."""
    try:
        operation = next(d for d in parse(query).definitions if isinstance(d, OperationDefinitionNode))
        path = [operation.selection_set.selections[0].name.value]  # type: ignore[attr-defined]
    except (GraphQLError, StopIteration, IndexError, AttributeError):
        path = []
    return JSONResponse({"data": None, "errors": [{
        "message": f"{where} must not contain the NUL character (\\u0000)", "path": path,
        "extensions": {"code": "BAD_USER_INPUT"}}]})


def _format(error: GraphQLError) -> dict[str, Any]:
    if is_race(error):  # still colliding after every retry: a unique name or key that is already taken
        return {"message": "the request conflicts with data stored meanwhile or already there (a name or key "
                           f"that must be unique); it was tried {RACE_ATTEMPTS} times",
                "extensions": {"code": "CONFLICT"}}
    if is_internal(error):  # never leak internals; the server log has them
        masked = {"message": "Internal server error"}
        masked.update({k: v for k, v in error.formatted.items() if k in ("locations", "path")})
        return masked
    formatted = error.formatted
    original = error.original_error
    # Parse and validation errors, and variables of the wrong type or missing, carry no code of their
    # own: they are the user's mistake all the same, and clients must not retry them as internal.
    code = original.code if isinstance(original, UserError) else "BAD_USER_INPUT"
    formatted.setdefault("extensions", {}).setdefault("code", code)
    return formatted


def _operation_names(query: str) -> tuple[str | None, ...] | None:
    """The names of the document's operations (None for an anonymous one); None when the document does
    not parse or is too long, which execution then reports."""
    try:
        document = parse(query, max_tokens=MAX_TOKENS)
    except (GraphQLError, RecursionError):
        return None
    return tuple(definition.name.value if definition.name else None
                 for definition in document.definitions if isinstance(definition, OperationDefinitionNode))


# Clients send the same few texts; a long one (a big string literal) is parsed again rather than kept.
_cached_operation_names = functools.lru_cache(maxsize=512)(_operation_names)
CACHED_QUERY_CHARS = 64 * 1024


def _operation_problem(query: str, operation: str | None) -> str | None:
    """Why the request does not pick exactly one operation to run. Strawberry would run the first of
    several unnamed, and fail with an internal error on a name that is not there."""
    if not query.strip():
        return "the query is empty"
    names = (_cached_operation_names if len(query) <= CACHED_QUERY_CHARS else _operation_names)(query)
    if names is None:
        return None
    shown = ", ".join("(anonymous)" if name is None else name for name in names)
    if not names:
        return "the document has no operation to run, only fragments"
    if operation is None and len(names) > 1:
        return f"the document has {len(names)} operations ({shown}): say which to run with operationName"
    if operation is not None and operation not in names:
        return f"the document has no operation named {operation!r}; it has {shown}"
    return None


class GraphQLEndpoint:
    """Runs each request's operation and its database work in a worker thread,
    so a slow query never stalls the event loop."""

    def __init__(self, db: Database, settings: ServerSettings, worker: DeliveryWorker) -> None:
        self.db = db
        self.settings = settings
        self.worker = worker
        self.schema = build(max_depth=settings.max_query_depth)
        self.limits = {
            "max_request_bytes": settings.max_request_bytes,
            "heartbeat_timeout_seconds": settings.heartbeat_timeout_seconds,
        }

    async def handle(self, request: Request) -> Response:
        if request.method == "GET":
            return HTMLResponse(get_graphql_ide_html())
        try:
            body = await _read_body(request, self.settings.max_request_bytes)
        except RequestTooLarge:
            return error_response(f"request body is larger than the server's limit of {self.settings.max_request_bytes} "
                          "bytes", "PAYLOAD_TOO_LARGE", 413)
        try:
            payload = json.loads(body)
            query = payload["query"]
            variables = payload.get("variables") or {}
            # "" is how the W&B public API says "no operation name"
            operation = payload.get("operationName") or None
            if not (isinstance(query, str) and isinstance(variables, dict) and isinstance(operation, str | None)):
                raise TypeError
        except (ValueError, KeyError, TypeError, AttributeError):
            return error_response('the body must be JSON: {"query": "...", "variables": {...}, "operationName": '
                                  '"..." (optional)}', "BAD_REQUEST", 400)
        except RecursionError:
            return error_response("the request body is nested too deeply", "BAD_REQUEST", 400)
        where = _nul_at(variables, "") or ("the query" if "\x00" in query or "\\u0000" in query else None)
        if where:
            return _refuse_nul(query, where)
        return await run_in_threadpool(self._execute, request.headers.get("authorization"), query, variables,
                                       operation)

    def _execute(self, authorization: str | None, query: str, variables: dict[str, Any],
                 operation: str | None) -> Response:
        for attempt in range(1, RACE_ATTEMPTS + 1):
            with self.db.session() as session:
                try:
                    viewer = authenticate(session, authorization)
                except Unauthenticated as exc:
                    return error_response(str(exc), exc.code, 401)
                problem = _operation_problem(query, operation)
                if problem:  # a GraphQL request error: no data, HTTP 200 as for any other GraphQL error
                    return error_response(problem, "BAD_USER_INPUT", 200)
                context = Context(session=session, viewer=viewer, limits=self.limits)
                result = self.schema.execute_sync(query, variables, context, operation_name=operation)
                if result.errors:
                    session.rollback()  # a request is all or nothing, so it can be run again
            if session.info.get(deliveries.WAKE):
                self.worker.notify()
            races = [error for error in result.errors or () if is_race(error)]
            if not races:
                break
            if attempt == RACE_ATTEMPTS:
                log.error("a request lost a database race %d times", attempt, exc_info=races[0].original_error)
        body: dict[str, Any] = {"data": result.data}
        if result.errors:
            body["errors"] = [_format(error) for error in result.errors]
        return Response(json.dumps(body, separators=(",", ":")), media_type="application/json")


async def _mark_crashed_runs(db: Database, timeout: int, worker: DeliveryWorker) -> None:
    period = max(1.0, min(30.0, timeout / 4))

    def sweep() -> None:
        with db.session() as session:
            if runs.mark_crashed(session, timedelta(seconds=timeout)):
                worker.notify()

    while True:
        await asyncio.sleep(period)
        try:
            await run_in_threadpool(sweep)
        except Exception:  # keep sweeping; one failed pass is not fatal
            log.exception("marking crashed runs failed")


async def _housekeep(db: Database, settings: ServerSettings) -> None:
    """Delete artifact versions past their TTL, then the blobs nothing uses any more (in that order:
    expiry removes the manifest entries that garbage collection counts as uses)."""
    store = blobs.store_for(settings)

    def expire() -> int:
        with db.session() as session:
            return artifacts.expire(session)

    while True:
        await asyncio.sleep(settings.blob_gc_interval_seconds)
        try:
            expired = await run_in_threadpool(expire)
            collected = await run_in_threadpool(blobs.collect_garbage, db, store, settings.blob_gc_grace_seconds)
        except Exception:  # try again next time; nothing is lost by waiting
            log.exception("housekeeping (artifact TTLs, unused blobs) failed")
        else:
            if expired or collected:
                log.info("deleted %d expired artifact versions and %d unused blobs", expired, collected)


def create_app(settings: ServerSettings | None = None) -> Starlette:
    settings = settings or ServerSettings()
    db = Database(settings.resolved_database_url(), info={SESSION_KEY: settings})
    worker = DeliveryWorker(db, settings)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        created: list[str] = []

        def bootstrap(connection: Connection) -> None:
            with Session(bind=connection) as session:
                key = users.bootstrap_admin(session, settings.admin_api_key)
                session.flush()
            if key is not None:
                created.append(key)

        upgrade(db.engine, then=bootstrap)
        if created and settings.admin_api_key:  # a key chosen in the environment is known already
            print("runbase: created user 'admin' with the API key in RUNBASE_ADMIN_API_KEY", file=sys.stderr,
                  flush=True)
        elif created:
            print(f"runbase: created user 'admin' with API key {created[0]} (shown once: keep it; "
                  "`runbase admin new-key admin` issues another)", file=sys.stderr, flush=True)
        if settings.demo_url:
            demo.start(db, settings.demo_url)
        tasks = [asyncio.create_task(_mark_crashed_runs(db, settings.heartbeat_timeout_seconds, worker))]
        if settings.blob_gc_interval_seconds > 0:
            tasks.append(asyncio.create_task(_housekeep(db, settings)))
        worker.start()
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await run_in_threadpool(worker.stop)
            db.dispose()

    async def healthz(_request: Request) -> JSONResponse:
        def ping() -> None:
            with db.session() as session:
                session.execute(text("SELECT 1"))

        await run_in_threadpool(ping)
        return JSONResponse({"status": "ok"})

    graphql = GraphQLEndpoint(db, settings, worker)
    return Starlette(
        routes=[
            Route("/graphql", graphql.handle, methods=["GET", "POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            *FileRoutes(db, settings).routes(),
        ],
        lifespan=lifespan,
    )
