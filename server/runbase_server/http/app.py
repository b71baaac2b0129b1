"""The ASGI application: /graphql, /healthz, /files (see file_routes.py), /history/columns (see
history_routes.py), /api/session and the web app's pages, GraphiQL at GET /graphql among them (see web/)."""

from __future__ import annotations

import contextlib
import functools
import logging
import sys
from collections.abc import AsyncIterator, Iterator
from typing import Any, NamedTuple

from graphql import (
    FieldNode,
    GraphQLError,
    ListTypeNode,
    NamedTypeNode,
    Node,
    NonNullTypeNode,
    ObjectFieldNode,
    OperationDefinitionNode,
    TypeNode,
    VariableDefinitionNode,
    VariableNode,
    parse,
)
from sqlalchemy import Connection, text
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from strawberry.types import ExecutionResult

from .. import demo, jobs, users
from ..auth import KEY_CACHE, KeyCache
from ..runs.segment_cache import SEGMENT_CACHE, SegmentCache
from ..automations import outbox, sealing
from ..automations.worker import DeliveryWorker
from ..database import ATTEMPTS, Database, Unavailable, upgrade
from ..documents import bad_character, dump, loads_exact
from ..errors import error_response, format_error, is_race, is_unreachable
from ..graphql.base import Context
from ..graphql.schema import MAX_TOKENS, build
from ..pagination import AnswerBudget, list_too_long
from ..settings import SESSION_KEY, ServerSettings
from ..web import sessions
from ..web.pages import Pages
from ..web.session_routes import SessionRoutes
from .bodies import RequestTooLarge, read_body, refusal_before_body, too_large
from .file_routes import FileRoutes
from .wandb_routes import WandbRoutes
from .history_routes import HistoryRoutes

log = logging.getLogger("runbase.server")


# Variables count toward a request's cost as the document does: each list at most MAX_LIST_ITEMS long,
# all of them together at most MAX_VARIABLE_VALUES values (list items and object fields).
MAX_VARIABLE_VALUES = 100_000


def _variables_problem(variables: dict[str, Any], exempt: frozenset[str]) -> str | None:
    """Why the variables are refused before anything runs: too many values, a list over the cap, or a
    string no database can store. `exempt` paths ("input.rows") are checked where they are used instead."""
    count = 0
    stack: list[tuple[Any, str]] = [(variables, "")]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            found = bad_character(value)
            if found:
                return f"${path} must not contain {found}"
            continue
        if isinstance(value, list):
            too_long = list_too_long(f"${path}", len(value))
            if too_long:
                return too_long
            items: Any = enumerate(value)
        elif isinstance(value, dict):
            items = value.items()
        else:
            continue
        count += len(value)
        if count > MAX_VARIABLE_VALUES:
            return (f"the variables hold more than {MAX_VARIABLE_VALUES} values; send large documents as JSON "
                    "strings and ask for less per request")
        for key, item in items:
            inner = f"{path}.{key}" if path else str(key)
            found = bad_character(key) if isinstance(key, str) else None
            if found:
                return f"a key in ${inner} must not contain {found}"
            if inner not in exempt:
                stack.append((item, inner))
    return None


class _Facts(NamedTuple):
    names: tuple[str | None, ...]  # of the operations; None for an anonymous one
    rows: frozenset[str]  # variable paths holding logHistory rows, refused row by row where they are stored
    first_field: str | None  # of the first operation: where a refusal is reported


def _refuse(facts: _Facts | None, message: str) -> JSONResponse:
    """Refused alike on every database, as a GraphQL error of the operation's first field."""
    path = [facts.first_field] if facts and facts.first_field else []
    return JSONResponse({"data": None, "errors": [{
        "message": message, "path": path, "extensions": {"code": "BAD_USER_INPUT"}}]})


def _document_facts(query: str) -> _Facts | None:
    """What the edge needs of a document; None when it does not parse or is too long, which execution
    then reports."""
    try:
        document = parse(query, max_tokens=MAX_TOKENS)
    except (GraphQLError, RecursionError):
        return None
    rows = set()
    for node in _walk(document):
        if isinstance(node, ObjectFieldNode) and node.name.value == "rows" and isinstance(node.value, VariableNode):
            rows.add(node.value.name.value)
        elif isinstance(node, VariableDefinitionNode) and _type_name(node.type) == "LogHistoryInput":
            rows.add(f"{node.variable.name.value}.rows")
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    first = operations[0].selection_set.selections[0] if operations and operations[0].selection_set.selections \
        else None
    return _Facts(tuple(operation.name.value if operation.name else None for operation in operations),
                  frozenset(rows), first.name.value if isinstance(first, FieldNode) else None)


def _walk(node: Node) -> Iterator[Node]:
    stack = [node]
    while stack:
        node = stack.pop()
        yield node
        for key in node.keys:
            child = getattr(node, key, None)
            if isinstance(child, Node):
                stack.append(child)
            elif isinstance(child, tuple | list):
                stack.extend(item for item in child if isinstance(item, Node))


def _type_name(node: TypeNode) -> str:
    while isinstance(node, NonNullTypeNode | ListTypeNode):
        node = node.type
    return node.name.value if isinstance(node, NamedTypeNode) else ""


# Clients send the same few texts; a long one (a big string literal) is parsed again rather than kept.
_cached_document_facts = functools.lru_cache(maxsize=512)(_document_facts)
CACHED_QUERY_CHARS = 64 * 1024
# Every operation the SDK or the official wandb client sends is a few KiB; parsing is linear in the text, so
# this bounds what one request can cost before anything runs.
MAX_QUERY_CHARS = 256 * 1024


def _facts(query: str) -> _Facts | None:
    return (_cached_document_facts if len(query) <= CACHED_QUERY_CHARS else _document_facts)(query)


def _operation_problem(query: str, operation: str | None) -> str | None:
    """Why the request does not pick exactly one operation to run. Strawberry would run the first of
    several unnamed, and fail with an internal error on a name that is not there."""
    if not query.strip():
        return "the query is empty"
    facts = _facts(query)
    if facts is None:
        return None
    names = facts.names
    shown = ", ".join("(anonymous)" if name is None else name for name in names)
    if not names:
        return "the document has no operation to run, only fragments"
    if operation is None and len(names) > 1:
        return (f"the document has {len(names)} operations ({shown}): name each and say which to run with "
                "operationName")
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
        credentials = sessions.Credentials.of(request, self.settings.public_url)
        refused = await refusal_before_body(self.db, request, credentials)
        if refused is not None:
            return refused
        body = await read_body(request, self.settings.max_request_bytes)  # too large: the app answers 413
        try:
            payload = loads_exact(body, few_values=True)
            query = payload["query"]
            variables = payload.get("variables") or {}
            operation = payload.get("operationName")
            operation = None if operation == "" else operation  # how the W&B public API says "no name"
            if not (isinstance(query, str) and isinstance(variables, dict) and isinstance(operation, str | None)):
                raise TypeError
        except (ValueError, KeyError, TypeError, AttributeError):
            return error_response('the body must be JSON: {"query": "...", "variables": {...}, "operationName": '
                                  '"..." (optional)}', "BAD_REQUEST", 400)
        except RecursionError:
            return error_response("the request body is nested too deeply", "BAD_REQUEST", 400)
        if len(query) > MAX_QUERY_CHARS:  # data travels in variables; a document this long is an attack
            return error_response(f"the query document is longer than {MAX_QUERY_CHARS} characters; send data in "
                                  "variables", "PAYLOAD_TOO_LARGE", 413)
        # Parsing and scanning the variables cost time in proportion to the request: not on the event loop. URLs
        # handed out (uploads, downloads) start with the public URL where one is set, not with the Host header.
        return await run_in_threadpool(self._check_and_execute, credentials, query, variables, operation,
                                       (self.settings.public_url or str(request.base_url)).rstrip("/"))

    def _check_and_execute(self, credentials: sessions.Credentials, query: str, variables: dict[str, Any],
                           operation: str | None, base_url: str) -> Response:
        facts = _facts(query)
        found = bad_character(query) or ("the NUL character (\\u0000)" if "\\u0000" in query else None)
        problem = (f"the query must not contain {found}" if found
                   else _variables_problem(variables, facts.rows if facts else frozenset()))
        if problem:
            return _refuse(facts, problem)
        return self._execute(credentials, query, variables, operation, base_url)

    def _execute(self, credentials: sessions.Credentials, query: str, variables: dict[str, Any],
                 operation: str | None, base_url: str) -> Response:
        used: list[Session] = []

        def attempt(session: Session) -> Response | ExecutionResult:
            used.append(session)
            try:
                viewer = sessions.viewer(session, credentials)
            except sessions.REFUSALS as exc:
                return sessions.refusal(exc)
            problem = _operation_problem(query, operation)
            if problem:  # a GraphQL request error: no data, HTTP 200 as for any other GraphQL error
                return error_response(problem, "BAD_USER_INPUT", 200)
            context = Context(session=session, viewer=viewer, limits=self.limits,
                              budget=AnswerBudget(rows=self.settings.max_answer_rows,
                                                  size=self.settings.max_answer_bytes), base_url=base_url)
            result = self.schema.execute_sync(query, variables, context, operation_name=operation)
            if result.errors:
                session.rollback()  # a request is all or nothing, so it can be run again
            return result

        try:
            result = self.db.attempt(attempt, again=_runs_again)
            if isinstance(result, ExecutionResult) and any(map(is_unreachable, result.errors or ())):
                cause = next(error for error in result.errors or () if is_unreachable(error)).original_error
                raise Unavailable(ATTEMPTS) from cause  # met inside execution, where errors are answers
        except Unavailable as exc:
            log.error("a request met a database failure %d times", exc.attempts, exc_info=exc.__cause__)
            return unavailable(exc)
        if any(session.info.get(outbox.WAKE) for session in used):
            self.worker.notify()
        if not isinstance(result, ExecutionResult):
            return result
        if _lost_race(result):
            races = [error for error in result.errors or () if is_race(error)]
            log.error("a request lost a database race %d times", ATTEMPTS, exc_info=races[0].original_error)
        body: dict[str, Any] = {"data": result.data}
        if result.errors:
            body["errors"] = [format_error(error, ATTEMPTS) for error in result.errors]
        return Response(dump(body), media_type="application/json", headers=sessions.PRIVATE)


def _lost_race(result: Response | ExecutionResult) -> bool:
    """Whether the request lost a race inside execution (where errors are answers, not exceptions)."""
    return isinstance(result, ExecutionResult) and any(is_race(error) for error in result.errors or ())


def _runs_again(result: Response | ExecutionResult) -> bool:
    """Whether the request lost a race or met an unreachable database inside execution: it may run again."""
    return _lost_race(result) or (isinstance(result, ExecutionResult)
                                  and any(map(is_unreachable, result.errors or ())))


async def gone(_request: Request, _exc: Exception) -> Response:
    """The client went away while its body was read (the read deadlines cut it, or it gave up): nobody reads the
    answer, and a traceback for each would let anyone flood the log."""
    return Response(status_code=400)


def unavailable(exc: Unavailable) -> JSONResponse:
    return error_response(str(exc), exc.code, 503)


def create_app(settings: ServerSettings | None = None, show_demo: demo.Demo | None = None) -> Starlette:
    """The server; `show_demo` (what `--demo` runs, given by the command) runs once it is up."""
    settings = settings or ServerSettings()
    db = Database(settings.resolved_database_url(),
                  info={SESSION_KEY: settings, KEY_CACHE: KeyCache(settings.api_key_cache_seconds),
                        SEGMENT_CACHE: SegmentCache(settings.history_cache_mb * 1024 * 1024)})
    worker = DeliveryWorker(db, settings)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        created: list[str] = []

        def bootstrap(connection: Connection) -> None:
            sealing.agree_on_key(connection, worker.box)
            with Session(bind=connection) as session:
                key = users.bootstrap_admin(session, settings.admin_api_key)
                session.flush()
            if key is not None:
                created.append(key)

        upgrade(db.engine, secret_keys=worker.box.keys, then=bootstrap)
        if created and settings.admin_api_key:  # a key chosen in the environment is known already
            print("runbase: created user 'admin' with the API key in RUNBASE_ADMIN_API_KEY", file=sys.stderr,
                  flush=True)
        elif created:
            print(f"runbase: created user 'admin' with API key {created[0]} (shown once: keep it; "
                  "`runbase admin new-key admin` issues another)", file=sys.stderr, flush=True)
        if show_demo is not None:
            demo.start(db, show_demo)
        tasks = jobs.start(db, settings, worker.notify)
        worker.start()
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await run_in_threadpool(worker.stop)
            if show_demo is not None:
                await run_in_threadpool(demo.stop, db)
            db.dispose()

    async def healthz(_request: Request) -> JSONResponse:
        def ping() -> None:  # through attempt: a pooled connection dropped meanwhile is replaced, not a 500
            db.attempt(lambda session: session.execute(text("SELECT 1")))

        try:
            await run_in_threadpool(ping)
        except Unavailable as exc:  # polled by load balancers: a line each, not a traceback
            log.warning("health check: %s (%s)", exc, exc.__cause__)
            return unavailable(exc)
        return JSONResponse({"status": "ok"})

    async def on_unavailable(request: Request, exc: Exception) -> Response:
        """Database.attempt gave up on a file or history route, or on the check before a body (GraphQL and /healthz
        answer it themselves)."""
        assert isinstance(exc, Unavailable)
        log.error("%s %s met a database failure %d times", request.method, request.url.path, exc.attempts,
                  exc_info=exc.__cause__)
        return unavailable(exc)

    graphql = GraphQLEndpoint(db, settings, worker)
    pages = Pages(settings.web_static_dir)
    app = Starlette(
        routes=[
            Route("/graphql", graphql.handle, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            *FileRoutes(db, settings).routes(),
            *WandbRoutes(db, settings).routes(),
            *HistoryRoutes(db, settings).routes(),
            *SessionRoutes(db, settings).routes(),
            *pages.routes(),
        ],
        lifespan=lifespan,
        exception_handlers={Unavailable: on_unavailable, RequestTooLarge: too_large, ClientDisconnect: gone},
    )
    app.router.default = pages.fallback(app.router.default)  # after every route, so none is shadowed
    return app
