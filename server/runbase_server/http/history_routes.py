"""POST /history/columns: a page of a run's history (GraphQL's historyPage) as columns of binary numbers
instead of JSON text of every row (runs/history.py, `columns`), for the SDK's scan_history; POST /history/sample:
the rows GraphQL's sampledHistory keeps of a step range, in the same packed form (`sampled_columns`), for
Run.history and charts. A sibling route rather than a field of the first, so that a server older than the
SDK answers 404 (and the SDK asks GraphQL) instead of a page of rows. Both take the same API keys and browser
sessions as /graphql, the same access rules (a run the viewer may not read is answered as one that is not
there) and the same budget of rows and bytes per answer."""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..database import Database
from ..documents import bad_character
from .. import pagination
from ..errors import AnswerTooLarge, NotFound, UserError, error_response
from ..runs import history, runs
from ..settings import ServerSettings
from ..web import sessions

MAX_BODY = 1024 * 1024  # a request names a run, its keys and a range of steps
TOO_LARGE = "ANSWER_TOO_LARGE"  # the code of a page past the answer's budget of bytes
FIELDS = frozenset({"entity", "project", "run", "keys", "minStep", "maxStep", "limit"})
SAMPLE_FIELDS = frozenset({"entity", "project", "run", "keys", "minStep", "maxStep", "samples", "xAxis"})


class _Query(NamedTuple):
    entity: str | None
    project: str
    run: str
    keys: list[str] | None
    min_step: int | None
    max_step: int | None
    limit: int
    samples: int | None = None  # /history/sample's, with its x_axis; limit is then unused
    x_axis: str = "_step"


def _step(body: dict[str, Any], name: str) -> int | None:
    value = body.get(name)
    if value is not None and type(value) is not int:
        raise UserError(f'"{name}" must be an integer or null, not {value!r:.100}')
    return value


def _query(text: bytes, fields: frozenset[str] = FIELDS) -> _Query:
    """The request body (`fields`: {"entity", "project", "run", "keys", "minStep", "maxStep"} and "limit", or
    "samples" and "xAxis"), checked as GraphQL checks variables: strings no database can store are refused."""
    try:
        body = json.loads(text)
    except (ValueError, RecursionError):
        body = None
    if not isinstance(body, dict):
        raise UserError("the body must be JSON: {" + ", ".join(f'"{name}": ...' for name in sorted(fields)) + "}")
    unknown = sorted(body.keys() - fields)  # a misspelt field is named, not ignored into a different page
    if unknown:
        raise UserError(f"unknown field {unknown[0]!r:.100} in the body; it takes {', '.join(sorted(fields))}")
    entity, keys, limit = body.get("entity"), body.get("keys"), body.get("limit", 1000)
    project, run = body.get("project"), body.get("run")
    samples, x_axis = body.get("samples", 500), body.get("xAxis", "_step")
    if not isinstance(project, str) or not isinstance(run, str):
        raise UserError('"project" and "run" must be strings')
    if entity is not None and not isinstance(entity, str):
        raise UserError('"entity" must be a string or null')
    if keys is not None and (not isinstance(keys, list) or not all(isinstance(key, str) for key in keys)):
        raise UserError('"keys" must be a list of strings or null')
    too_long = pagination.list_too_long('"keys"', len(keys or ()))
    if too_long:
        raise UserError(too_long)
    if type(limit) is not int:
        raise UserError(f'"limit" must be an integer, not {limit!r:.100}')
    if type(samples) is not int or not 1 <= samples <= history.MAX_SAMPLES:
        raise UserError(f'"samples" must be an integer from 1 to {history.MAX_SAMPLES}, not {samples!r:.100}')
    if not isinstance(x_axis, str):
        raise UserError('"xAxis" must be a string')
    for value in [entity or "", project, run, x_axis, *(keys or ())]:
        found = bad_character(value)
        if found:
            raise UserError(f"a name or key must not contain {found}")
    min_step, max_step = _step(body, "minStep"), _step(body, "maxStep")
    if "samples" in fields and min_step is not None and max_step is not None and max_step <= min_step:
        raise UserError(f'"maxStep" ({max_step}) is exclusive: it must be greater than "minStep" ({min_step})')
    return _Query(entity, project, run, keys, min_step, max_step, limit,
                  samples if "samples" in fields else None, x_axis)


class HistoryRoutes:
    """The route, bound to one server's database and answer limits."""

    def __init__(self, db: Database, settings: ServerSettings) -> None:
        self.db = db
        self.settings = settings

    def routes(self) -> list[Route]:
        return [Route("/history/columns", self.columns, methods=["POST"]),
                Route("/history/sample", self.sample, methods=["POST"])]

    async def columns(self, request: Request) -> Response:
        """The page as `history.columns` packs it; 401 without a valid key, 404 for a run that is not there or
        that the viewer may not read, 400 for a bad request or one past the answer budget (with the code
        ANSWER_TOO_LARGE where the bytes are past it)."""
        return await self._read(request, FIELDS)

    async def sample(self, request: Request) -> Response:
        """The sample as `history.sampled_columns` packs it, with the statuses of `columns`."""
        return await self._read(request, SAMPLE_FIELDS)

    async def _read(self, request: Request, fields: frozenset[str]) -> Response:
        body = bytearray()
        async for chunk in request.stream():  # read no further than the limit, whatever Content-Length says
            body += chunk
            if len(body) > MAX_BODY:
                return error_response(f"the body is larger than {MAX_BODY} bytes", "PAYLOAD_TOO_LARGE", 413)
        return await run_in_threadpool(self._answer, sessions.Credentials.of(request, self.settings.public_url),
                                       bytes(body), fields)

    def _answer(self, credentials: sessions.Credentials, body: bytes, fields: frozenset[str]) -> Response:
        try:
            query = _query(body, fields)
            data = self.db.attempt(lambda session: self._page(session, credentials, query))
        except sessions.REFUSALS as exc:
            return sessions.refusal(exc)
        except NotFound as exc:
            return error_response(str(exc), exc.code, 404)
        except AnswerTooLarge as exc:  # columns of sparse keys can outgrow JSON rows: the SDK asks GraphQL
            return error_response(str(exc), TOO_LARGE, 400)
        except UserError as exc:
            return error_response(str(exc), exc.code, 400)
        return Response(data, media_type=history.COLUMNS_TYPE, headers=sessions.PRIVATE)

    def _page(self, session: Session, credentials: sessions.Credentials, query: _Query) -> bytes:
        viewer = sessions.viewer(session, credentials)
        run = runs.find_counts(session, viewer, query.entity, query.project, name=query.run)
        if run is None:
            raise NotFound(f"no run {query.entity or viewer.username}/{query.project}/{query.run} "
                           "(or no access to it)")
        budget = pagination.AnswerBudget(rows=self.settings.max_answer_rows, size=self.settings.max_answer_bytes)
        if query.samples is not None:
            return history.sampled_columns(session, run, query.keys, query.samples, x_axis=query.x_axis,
                                           min_step=query.min_step, max_step=query.max_step, budget=budget)
        return history.columns(session, run, query.keys, min_step=query.min_step, max_step=query.max_step,
                               limit=query.limit, budget=budget)
