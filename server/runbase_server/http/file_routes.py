"""HTTP routes for file contents, which stay out of GraphQL so they can be streamed:
PUT/HEAD /files/blobs/{sha256} to upload blobs (an interrupted upload resumes with Content-Range),
GET /files/direct, POST /files/direct/uploads and POST /files/direct/uploads/{id}/complete for uploads straight
to an object store (artifacts/direct_uploads.py), which downloads of large files are redirected to as well,
GET /files/{entity}/{project}/{run}/{path} to download a run file, GET /files/artifacts/{artifact_id}/{path}
to download an artifact's file. Every route takes the same API keys and browser sessions as /graphql (GETs need
no CSRF header, so a page may link a download)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from ..artifacts import blobs, bundles, direct_uploads, stores, versions
from ..artifacts.s3_requests import S3Error
from ..auth import Viewer
from ..database import Database
from ..errors import Conflict, NotFound, Unauthenticated, UserError, error_response
from ..runs import files
from ..settings import ServerSettings
from ..tables import ArtifactEntry, RunFile
from ..web import sessions
from .bodies import read_json

UPLOAD_OFFSET = "X-Runbase-Upload-Offset"
MAX_BUNDLE_FILES = 10_000
DOWNLOAD_HEADERS = {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox; default-src 'none'",
                    **sessions.PRIVATE}
HTML = "text/html; charset=utf-8"
HTML_SUFFIXES = (".html", ".htm")
# A logged page (an interactive plotly export, say) runs its own inline scripts and styles and shows embedded
# (data:) images, in an opaque origin of its own: no cookie of this server, no request anywhere, no navigating
# the page that frames it, no popups, no forms.
HTML_CSP = ("sandbox allow-scripts; default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
            "img-src data:")
# What a browser says it loads the answer into (Sec-Fetch-Dest): only there is a logged page shown as a page.
FRAME_DESTINATIONS = frozenset({"iframe", "frame"})
CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+|\*)/(\d+|\*)")
BYTE_RANGE = re.compile(r"bytes=(\d*)-(\d*)")
UNSATISFIABLE = (-1, -1)


def resume_offset(content_range: str | None) -> int:
    """Where a PUT's body starts in the blob: 0 for a whole upload, N for "bytes N-LAST/TOTAL" (resuming)."""
    if content_range is None:
        return 0
    match = CONTENT_RANGE.fullmatch(content_range.strip()) if len(content_range) <= 100 else None
    if match is None or not content_range.isascii():
        raise UserError(f"Content-Range must look like 'bytes START-END/TOTAL', not {content_range!r}")
    return int(match.group(1))


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The one range (start, end exclusive) a GET's Range header asks for, None for the whole blob (no header,
    several ranges, or one this server ignores, as HTTP allows), or UNSATISFIABLE (answered 416)."""
    match = BYTE_RANGE.fullmatch(header.strip()) if header is not None and len(header) <= 100 else None
    if match is None or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if not first:  # the last N bytes
        return (max(0, size - int(last)), size) if int(last) else UNSATISFIABLE
    start, end = int(first), min(size, int(last) + 1) if last else size
    if last and int(last) < start:
        return None
    return (start, end) if start < size else UNSATISFIABLE


async def json_list(request: Request, key: str, limit: int) -> list[Any]:
    """The list under `key` of a JSON object body (of at most `limit` bytes), at most MAX_BUNDLE_FILES long."""
    body = await read_json(request, limit)
    found = body.get(key) if isinstance(body, dict) else None
    if not isinstance(found, list) or len(found) > MAX_BUNDLE_FILES:
        raise UserError(f'the body must be {{"{key}": [...]}} with at most {MAX_BUNDLE_FILES} items')
    return found


def navigating(request: Request) -> bool:
    """Whether a browser opens the address as a page (a followed link), rather than a script or the SDK fetching
    it: Sec-Fetch-Mode says so where the browser sends it, else an Accept asking for HTML."""
    mode = request.headers.get("sec-fetch-mode")
    return mode == "navigate" if mode is not None else "text/html" in request.headers.get("accept", "")


def refused(request: Request, exc: Unauthenticated | sessions.SessionRefused) -> Response:
    """A followed link with no usable session (a link on another site: the SameSite=Strict cookie stays home)
    goes to the sign-in page, which comes back here signed in; scripts and the SDK get the API's error."""
    if isinstance(exc, Unauthenticated) and "authorization" not in request.headers and navigating(request):
        here = quote(request.url.path)  # a path of this server's: the route begins /files/
        if request.url.query:
            here += "?" + request.url.query
        return RedirectResponse("/signin?" + urlencode({"next": here}), status_code=303, headers=sessions.PRIVATE)
    return sessions.refusal(exc)


class StoreRoutes:
    """Routes bound to one server's database and blob store."""

    def __init__(self, db: Database, settings: ServerSettings) -> None:
        self.db = db
        self.settings = settings
        self.store = stores.store_for(settings)

    async def _blob(self, request: Request, digest: str, composite: str | None = None, *, html: bool = False,
                    attachment: str | None = None) -> Response:
        """Users' bytes, which a browser signed in by cookie may open: never sniffed or run as a page. A run's
        HTML file (runbase.Html) is shown as HTML only to a frame (the run page's panel), where the sandbox CSP
        gives it an origin of its own, nothing loaded from anywhere and no navigating the page around it. Opened
        top level (a typed link, "open in new tab") the sandbox cannot stop it from navigating its own window, to
        a fake sign-in say, so there it is a download (`attachment`: the name to save it as). Streamed from the
        blob store (the file's `composite` copy where it has one); one range of it where asked (media players seek);
        or, for an SDK that fetches large files from an object store itself, a redirect to a presigned URL."""
        name = composite or digest
        size = await run_in_threadpool(self.store.size, name)
        if size is None:
            return error_response(f"the contents {digest} are missing from the blob store", "NOT_FOUND", 404)
        etag = f'"{digest}"'
        headers = {"ETag": etag, "X-Runbase-Sha256": digest, "Accept-Ranges": "bytes", "Vary": "Sec-Fetch-Dest",
                   **DOWNLOAD_HEADERS}
        if html:
            headers["Content-Security-Policy"] = HTML_CSP
        if attachment is not None:
            headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(attachment.rsplit('/', 1)[-1])}"
        if_range = request.headers.get("if-range")
        wanted = byte_range(request.headers.get("range"), size) if if_range in (None, etag) else None
        if wanted is None and request.method == "GET" and direct_uploads.HEADER.lower() in request.headers:
            url = direct_uploads.download_url(self.store, name, size, self.settings)
            if url is not None:
                return RedirectResponse(url, status_code=307, headers={"X-Runbase-Sha256": digest, **sessions.PRIVATE})
        if wanted == UNSATISFIABLE:
            return Response(status_code=416, headers={"Content-Range": f"bytes */{size}", **DOWNLOAD_HEADERS})
        start, end = wanted or (0, size)
        if wanted is not None:
            headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
        headers["Content-Length"] = str(end - start)
        media_type = HTML if html else "application/octet-stream"
        status = 200 if wanted is None else 206
        if request.method == "HEAD":
            return Response(status_code=status, media_type=media_type, headers=headers)
        return StreamingResponse(self.store.read(name, start, end), status_code=status, media_type=media_type,
                                 headers=headers)


class FileRoutes(StoreRoutes):
    """Runbase's own file routes."""

    def routes(self) -> list[Route]:
        return [
            Route("/files/blobs", self.put_bundle, methods=["POST"]),
            Route("/files/blobs/held", self.held_blobs, methods=["POST"]),
            Route("/files/blobs/{digest}", self.put_blob, methods=["PUT"]),
            Route("/files/blobs/{digest}", self.head_blob, methods=["HEAD"]),
            Route("/files/direct", self.direct_offer, methods=["GET"]),
            Route("/files/direct/uploads", self.start_direct_upload, methods=["POST"]),
            Route("/files/direct/uploads/{upload_id}/complete", self.complete_direct_upload, methods=["POST"]),
            Route("/files/artifacts/{artifact_id}/bundle", self.get_artifact_bundle, methods=["POST"]),
            Route("/files/artifacts/{artifact_id}/{path:path}", self.get_artifact_file, methods=["GET"]),
            Route("/files/{entity}/{project}/{run}/{name:path}", self.get_file, methods=["GET"]),
        ]

    def _credentials(self, request: Request) -> sessions.Credentials:
        return sessions.Credentials.of(request, self.settings.public_url)

    def _viewer(self, request: Request) -> Viewer:
        """With the retries GraphQL requests get (Database.attempt): a dropped connection is no 500."""
        credentials = self._credentials(request)
        return self.db.attempt(lambda session: sessions.viewer(session, credentials))

    async def _authenticated(self, request: Request) -> Viewer | JSONResponse:
        try:
            return await run_in_threadpool(self._viewer, request)
        except sessions.REFUSALS as exc:
            return sessions.refusal(exc)


    def _hold(self, viewer: Viewer, *digests: str) -> list[str]:
        """Hold the uploaded contents that are stored; the digests garbage collection removed meanwhile (a blob
        stored already, deleted while it came in again), which must be sent again."""
        return self.db.attempt(lambda session: blobs.hold_stored(session, self.store, viewer.user_id, *digests))

    def _held_stored(self, viewer: Viewer, digests: list[str]) -> dict[str, int]:
        """The sizes of the viewer's copies of those contents they hold and the store has, which are touched
        first: the client will attach them without uploading, so they get a fresh grace period, and asked under
        the blob lock, so that garbage collection either deleted them before (not found) or keeps them."""
        found = self.db.attempt(lambda session: blobs.held(session, viewer.user_id, digests))
        copies = list(dict.fromkeys(found.values()))
        self.store.touch(*copies)
        sizes = self.db.attempt(lambda session: blobs.stored_sizes(session, self.store, copies))
        return {digest: sizes[found[digest]] for digest in digests if found.get(digest) in sizes}

    async def held_blobs(self, request: Request) -> Response:
        """POST {"digests": [...]} (at most 10,000): the ones the viewer may attach without uploading, as HEAD
        answers one at a time."""
        viewer = await self._authenticated(request)
        if isinstance(viewer, JSONResponse):
            return viewer
        try:
            digests = [blobs.check_digest(digest)
                       for digest in await json_list(request, "digests", self.settings.max_request_bytes)]
        except UserError as exc:
            return error_response(str(exc), exc.code, 400)
        return JSONResponse({"held": list(await run_in_threadpool(self._held_stored, viewer, digests))})

    async def put_bundle(self, request: Request) -> Response:
        """Store a bundle of small blobs (see bundles.py) in one request; each is checked against its digest.
        On a bad record the blobs before it stay stored and held, and the answer says which one failed."""
        viewer = await self._authenticated(request)
        if isinstance(viewer, JSONResponse):
            return viewer
        reader = bundles.BundleReader(request.stream())
        writes = bundles.Writes(self.store, self.settings.max_file_bytes)
        records = 0
        try:
            try:
                while (record := await reader.header()) is not None:
                    digest, size = record
                    if records == MAX_BUNDLE_FILES:
                        raise UserError(f"a bundle holds at most {MAX_BUNDLE_FILES} blobs")
                    if size > self.settings.max_file_bytes:
                        raise blobs.BlobTooLarge(f"blob {digest} is larger than the server's limit of "
                                                 f"{self.settings.max_file_bytes} bytes (RUNBASE_MAX_FILE_BYTES)")
                    await writes.put(digest, size, reader.body(size))
                    records += 1
            finally:  # the records checked before a bad one are stored all the same
                await writes.finish()
        except ClientDisconnect:
            return Response(status_code=400)
        except UserError as exc:
            if writes.stored:
                await run_in_threadpool(self._hold, viewer, *writes.stored)
            response = error_response(f"{exc} (after {len(writes.stored)} blobs were stored)", exc.code,
                                      413 if isinstance(exc, blobs.BlobTooLarge) else 400)
            return response
        if writes.stored and (lost := await run_in_threadpool(self._hold, viewer, *writes.stored)):
            return error_response(f"blob {lost[0]} (and {len(lost) - 1} more) was removed by garbage collection "
                                  "while it was sent again; send the bundle again", "BLOB_COLLECTED", 503)
        return JSONResponse({"stored": len(writes.stored)}, status_code=201)

    async def head_blob(self, request: Request) -> Response:
        """200 with the size when the viewer has uploaded the blob before, so they skip uploading it; else 404,
        with X-Runbase-Upload-Offset when part of the viewer's interrupted upload is kept for resuming.
        Others must upload the contents once to prove they have them, even if the server stores them already."""
        viewer = await self._authenticated(request)
        if isinstance(viewer, JSONResponse):
            return Response(status_code=viewer.status_code)
        digest = request.path_params["digest"]
        try:
            blobs.check_digest(digest)
        except UserError:
            return Response(status_code=400)
        size = (await run_in_threadpool(self._held_stored, viewer, [digest])).get(digest)
        if size is None:
            kept = await run_in_threadpool(self.store.resumable_at, digest, str(viewer.user_id))
            return Response(status_code=404, headers={UPLOAD_OFFSET: str(kept)} if kept else None)
        return Response(status_code=200, headers={"Content-Length": str(size)})

    async def put_blob(self, request: Request) -> Response:
        """Store the body as the blob named by its SHA-256; idempotent, so a blob the viewer holds already is not read
    again (200, created false). Anyone else's upload is read and checked whole (201, created true), whether or
    not the server stores those contents already."""
        viewer = await self._authenticated(request)
        if isinstance(viewer, JSONResponse):
            return viewer
        digest = request.path_params["digest"]
        try:
            blobs.check_digest(digest)
        except UserError as exc:
            return error_response(str(exc), exc.code, 400)
        limit = self.settings.max_file_bytes
        declared = request.headers.get("content-length")
        if declared is not None and declared.isascii() and declared.isdigit() and int(declared) > limit:
            return error_response(f"the upload is larger than the server's limit of {limit} bytes "
                                  "(RUNBASE_MAX_FILE_BYTES)", "PAYLOAD_TOO_LARGE", 413)
        if await run_in_threadpool(self._held_stored, viewer, [digest]):
            return JSONResponse({"sha256": digest, "created": False})
        try:
            offset = resume_offset(request.headers.get("content-range"))
        except UserError as exc:
            return error_response(str(exc), exc.code, 400)
        try:  # a blob stored already is read and checked all the same: that proves the uploader holds it
            await self.store.put(digest, request.stream(), limit, upload_key=str(viewer.user_id),
                                           offset=offset)
        except ClientDisconnect:  # the part that came is kept (see HEAD's X-Runbase-Upload-Offset)
            return Response(status_code=400)
        except blobs.OffsetMismatch as exc:
            response = error_response(str(exc), exc.code, 409)
            response.headers[UPLOAD_OFFSET] = str(exc.kept)
            return response
        except blobs.BlobTooLarge as exc:
            return error_response(str(exc), exc.code, 413)
        except blobs.DigestMismatch as exc:
            return error_response(str(exc), exc.code, 400)
        if await run_in_threadpool(self._hold, viewer, digest):
            return error_response(f"blob {digest} was removed by garbage collection while it was sent again; "
                                  "send it again", "BLOB_COLLECTED", 503)
        # "created" answers for the uploader alone: the contents are new to them, whether or not anyone else
        # uploaded the same, which the answer must not tell.
        return JSONResponse({"sha256": digest, "created": True}, status_code=201)

    async def direct_offer(self, request: Request) -> Response:
        """Whether large files may go straight to the object store, and in parts of what size."""
        viewer = await self._authenticated(request)
        if isinstance(viewer, JSONResponse):
            return viewer
        return JSONResponse(await run_in_threadpool(direct_uploads.offer, self.store, self.settings))

    async def start_direct_upload(self, request: Request) -> Response:
        """POST {"sha256", "size", "parts": [SHA-256 of each part]}: the viewer's upload (a new one, or the one
        they started before, to resume), with presigned URLs for the parts the store lacks."""
        viewer = await self._authenticated(request)
        if isinstance(viewer, JSONResponse):
            return viewer
        try:
            body = await read_json(request, self.settings.max_request_bytes)
        except UserError as exc:
            return error_response(str(exc), exc.code, 400)
        return await self._direct(lambda session: direct_uploads.start(session, self.store, viewer, self.settings,
                                                                       body), 200)

    async def complete_direct_upload(self, request: Request) -> Response:
        """The parts are all sent: the store joins them into the blob, which the viewer holds from now on
        (201 as PUT /files/blobs answers), or 409 UPLOAD_INCOMPLETE naming the parts still missing."""
        viewer = await self._authenticated(request)
        if isinstance(viewer, JSONResponse):
            return viewer
        upload_id = request.path_params["upload_id"]
        return await self._direct(lambda session: {"sha256": direct_uploads.complete(
            session, self.store, viewer, upload_id), "created": True}, 201)

    async def _direct(self, work: Callable[[Session], dict[str, Any]], status: int) -> Response:
        try:
            answer = await run_in_threadpool(self.db.attempt, work)
        except NotFound as exc:
            return error_response(str(exc), exc.code, 404)
        except Conflict as exc:
            return error_response(str(exc), exc.code, 409)
        except UserError as exc:
            return error_response(str(exc), exc.code, 400)
        except S3Error as exc:  # the store's answer, for the client to tell apart from the server's own failures
            return error_response(f"the object store refused: {exc}", "BAD_GATEWAY", 502)
        return JSONResponse(answer, status_code=status)

    def _find(self, request: Request) -> RunFile | None:
        params, credentials = request.path_params, self._credentials(request)

        def find(session: Session) -> RunFile | None:
            viewer = sessions.viewer(session, credentials)
            return files.readable(session, viewer, params["entity"], params["project"], run_name=params["run"],
                                  name=params["name"])

        return self.db.attempt(find)

    async def get_file(self, request: Request) -> Response:
        """Stream a run file's contents to a viewer allowed to read its project (404 for anyone else)."""
        try:
            found = await run_in_threadpool(self._find, request)
        except sessions.REFUSALS as exc:
            return refused(request, exc)
        if found is None:
            p = request.path_params
            return error_response(f"no file {p['name']!r} in run {p['entity']}/{p['project']}/{p['run']} "
                          "(or no access to it)", "NOT_FOUND", 404)
        if not found.name.lower().endswith(HTML_SUFFIXES):
            return await self._blob(request, found.sha256, found.composite)
        if request.headers.get("sec-fetch-dest") in FRAME_DESTINATIONS:
            return await self._blob(request, found.sha256, found.composite, html=True)
        return await self._blob(request, found.sha256, found.composite, attachment=found.name)

    def _find_entry(self, request: Request) -> ArtifactEntry | None:
        params, credentials = request.path_params, self._credentials(request)

        def find(session: Session) -> ArtifactEntry | None:
            viewer = sessions.viewer(session, credentials)
            return versions.downloadable(session, viewer, params["artifact_id"], params["path"])

        return self.db.attempt(find)

    def _find_entries(self, viewer: Viewer, artifact_id: str, paths: list[str]) -> list[tuple[str, str, int, str]]:
        def find(session: Session) -> list[tuple[str, str, int, str]]:
            return [(entry.path, entry.sha256, entry.size or 0, entry.composite or entry.sha256)
                    for entry in versions.stored_entries(session, viewer, artifact_id, paths)
                    if entry.sha256 is not None]  # all of them: stored_entries leaves references out

        return self.db.attempt(find)

    async def get_artifact_bundle(self, request: Request) -> Response:
        """POST {"paths": [...]} (at most 10,000): the stored files of a version in one streamed bundle (see
        bundles.py); paths it does not have, and references, are left out, so the client can tell."""
        viewer = await self._authenticated(request)
        if isinstance(viewer, JSONResponse):
            return viewer
        try:
            paths = await json_list(request, "paths", self.settings.max_request_bytes)
            if not all(isinstance(path, str) for path in paths):
                raise UserError('"paths" must be a list of strings')
            entries = await run_in_threadpool(self._find_entries, viewer, request.path_params["artifact_id"],
                                              paths)
        except NotFound as exc:
            return error_response(str(exc), exc.code, 404)
        except UserError as exc:
            return error_response(str(exc), exc.code, 400)
        return StreamingResponse(bundles.download_records(self.store, entries),
                                 media_type="application/octet-stream", headers=sessions.PRIVATE)

    async def get_artifact_file(self, request: Request) -> Response:
        """Stream a stored file of an artifact version to a viewer who can read the version (404 for anyone
        else); references are not stored here (400)."""
        try:
            found = await run_in_threadpool(self._find_entry, request)
        except sessions.REFUSALS as exc:
            return refused(request, exc)
        p = request.path_params
        if found is None:
            return error_response(f"no file {p['path']!r} in artifact {p['artifact_id']!r} (or no access to it)",
                                  "NOT_FOUND", 404)
        if found.sha256 is None:
            return error_response(f"file {p['path']!r} of artifact {p['artifact_id']!r} is a reference to "
                                  f"{found.ref}, not stored on this server", "BAD_REQUEST", 400)
        return await self._blob(request, found.sha256, found.composite)
