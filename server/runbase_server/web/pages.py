"""The built web app (settings.web_static_dir): /assets/... with content-hashed names, cached for good;
graphiql.html at GET /graphql; index.html for every other GET that no API route takes (the page routes
itself). Every answer carries the security headers; an unbuilt app answers 503, never a stand-in page."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from ..names import SERVER_ROUTES

log = logging.getLogger("runbase.server")

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "media-src 'self' blob:; font-src 'self' data:; connect-src 'self'; frame-src 'self'; frame-ancestors 'none'; "
       "base-uri 'none'; form-action 'self'")
GRAPHIQL_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")  # GraphiQL styles inline
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin", "X-Frame-Options": "DENY"}
IMMUTABLE = "public, max-age=31536000, immutable"
# Asset names as bundlers write them; a segment never starts with a dot, so no '..', no hidden files.
ASSET_SEGMENT = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]{0,199}")
MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8", ".map": "application/json", ".json": "application/json",
    ".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp",
    ".ico": "image/x-icon", ".woff": "font/woff", ".woff2": "font/woff2", ".ttf": "font/ttf",
    ".wasm": "application/wasm", ".txt": "text/plain; charset=utf-8",
}


def _headers(csp: str = CSP, **more: str) -> dict[str, str]:
    return {"Content-Security-Policy": csp, **SECURITY_HEADERS, **more}


def not_found() -> Response:
    return PlainTextResponse("Not Found", status_code=404, headers=_headers())


class Pages:
    """Serves one folder of built files; it is looked at on each request, so a build needs no restart."""

    def __init__(self, static_dir: Path) -> None:
        self.static_dir = static_dir

    def routes(self) -> list[Route]:
        return [Route("/assets/{path:path}", self.asset, methods=["GET"]),
                Route("/graphql", self.graphiql, methods=["GET"])]

    def _unbuilt(self) -> Response:
        """Where the server looked goes to its log, not to whoever asks."""
        log.warning("the web app is not built: %s has no index.html or assets/ (scripts/build_web.sh builds it)",
                    self.static_dir)
        return PlainTextResponse(
            "runbase's web app is not built on this server. In a source checkout, build it with "
            "scripts/build_web.sh (needs Node.js and npm); an installed runbase wheel includes it.\n",
            status_code=503, headers=_headers(**{"Cache-Control": "no-store"}))

    def _page(self, name: str, csp: str) -> Response:
        path = self.static_dir / name
        if not (self.static_dir / "index.html").is_file() or not path.is_file():
            return self._unbuilt()
        return FileResponse(path, media_type="text/html; charset=utf-8",
                            headers=_headers(csp, **{"Cache-Control": "no-cache"}))

    async def graphiql(self, _request: Request) -> Response:
        return self._page("graphiql.html", GRAPHIQL_CSP)

    async def asset(self, request: Request) -> Response:
        """A file under assets/, by a path of plain segments that resolves to itself: no '..', no encoded
        dots (the path arrives decoded), no hidden files, no symbolic links anywhere below the folder."""
        root = self.static_dir / "assets"
        if not root.is_dir():
            return self._unbuilt()
        segments = request.path_params["path"].split("/")
        if not all(ASSET_SEGMENT.fullmatch(segment) for segment in segments):
            return not_found()
        base = root.resolve()
        path = base.joinpath(*segments)
        if path.resolve() != path or not path.is_file():
            return not_found()
        media_type = MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")
        return FileResponse(path, media_type=media_type, headers=_headers(**{"Cache-Control": IMMUTABLE}))

    def fallback(self, api_not_found: ASGIApp) -> ASGIApp:
        """The router's answer when no route matches: index.html for a GET or HEAD of a page path; what
        `api_not_found` says for anything else, and for any path under a server route (never a page there)."""
        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            path = scope.get("path", "") if scope["type"] == "http" else ""
            first = path.lstrip("/").partition("/")[0].lower()
            if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD") or first in SERVER_ROUTES:
                await api_not_found(scope, receive, send)
                return
            await self._page("index.html", CSP)(scope, receive, send)

        return app
