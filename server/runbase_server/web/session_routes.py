"""/api/session: sign in with an API key (POST), ask who is signed in and the CSRF token (GET), sign out
(DELETE). The rules are in sessions.py."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..database import Database
from ..errors import Unauthenticated, error_response
from ..settings import ServerSettings
from . import sessions

MAX_BODY = 4096  # {"apiKey": "..."}


def _answer(signed_in: sessions.SignedIn) -> dict[str, object]:
    return {"username": signed_in.viewer.username, "csrfToken": signed_in.csrf_token,
            "admin": signed_in.viewer.admin}


class SessionRoutes:
    """The routes, bound to one server's database and settings."""

    def __init__(self, db: Database, settings: ServerSettings) -> None:
        self.db = db
        self.settings = settings
        self.lifetime = timedelta(days=settings.web_session_days)

    def routes(self) -> list[Route]:
        return [Route("/api/session", self.get, methods=["GET"]),
                Route("/api/session", self.post, methods=["POST"]),
                Route("/api/session", self.delete, methods=["DELETE"])]

    def _credentials(self, request: Request) -> sessions.Credentials:
        return sessions.Credentials.of(request, self.settings.public_url)

    def _cookie(self, request: Request, value: str, max_age: int) -> str:
        """Host-only (no Domain); over HTTPS Secure, and named so that browsers hold it to that (__Host-)."""
        name = sessions.cookie_name(request, self.settings.public_url)
        secure = "; Secure" if name == sessions.SECURE_COOKIE else ""
        return f"{name}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{secure}"

    async def post(self, request: Request) -> Response:
        """Sign in: {"apiKey": KEY} as JSON (a form post from another site cannot send that type)."""
        media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
        if media_type != "application/json":
            return error_response('sign in with Content-Type: application/json and the body {"apiKey": "..."}',
                                  "UNSUPPORTED_MEDIA_TYPE", 415)
        if sessions.foreign_origin(request, self.settings.public_url):
            return error_response("sign-in from another origin is refused", "FORBIDDEN", 403)
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY:
                return error_response(f"the body is larger than {MAX_BODY} bytes", "PAYLOAD_TOO_LARGE", 413)
        try:
            key = json.loads(body)["apiKey"]
            if not isinstance(key, str):
                raise TypeError
        except (ValueError, KeyError, TypeError, RecursionError):
            return error_response('the body must be JSON {"apiKey": "..."} with the key as a string',
                                  "BAD_REQUEST", 400)
        old = self._credentials(request).tokens

        def sign_in(session: Session) -> tuple[str, sessions.SignedIn]:
            signed_in = sessions.sign_in(session, key, self.lifetime)  # the key first: a wrong one writes nothing
            for token in old:  # the browser's earlier session ends: one cookie, one session
                sessions.sign_out(session, token)
            return signed_in

        try:
            token, signed_in = await run_in_threadpool(self.db.attempt, sign_in)
        except Unauthenticated as exc:
            return sessions.refusal(exc)
        response = JSONResponse(_answer(signed_in), headers=sessions.PRIVATE)
        response.headers["Set-Cookie"] = self._cookie(request, token, int(self.lifetime.total_seconds()))
        return response

    async def get(self, request: Request) -> Response:
        """Who the cookie signs in, with the CSRF token the page sends back on changes; 401 when none."""
        credentials = self._credentials(request)
        try:
            signed_in = await run_in_threadpool(
                self.db.attempt, lambda session: sessions.signed_in(session, credentials))
        except sessions.REFUSALS as exc:
            return sessions.refusal(exc)
        return JSONResponse(_answer(signed_in), headers=sessions.PRIVATE)

    async def delete(self, request: Request) -> Response:
        """Sign out (with the CSRF header, as every change): the session's row is deleted, the cookie cleared."""
        credentials = self._credentials(request)

        def sign_out(session: Session) -> None:
            sessions.signed_in(session, credentials)
            sessions.sign_out(session, credentials.token or "")

        try:
            await run_in_threadpool(self.db.attempt, sign_out)
        except sessions.REFUSALS as exc:
            response = sessions.refusal(exc)
            if isinstance(exc, Unauthenticated):  # a dead cookie: clear it all the same
                response.headers["Set-Cookie"] = self._cookie(request, "", 0)
            return response
        return Response(status_code=204, headers={**sessions.PRIVATE, "Set-Cookie": self._cookie(request, "", 0)})
