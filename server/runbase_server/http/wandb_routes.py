"""The REST side of W&B's protocol, for the official wandb client: POST /files/{entity}/{project}/{run}/file_stream
(a run's history, summary, system metrics and console, see runs/file_stream.py), with the same API keys as
/graphql, and PUT /files/uploads/{token}, the upload URLs createRunFiles hands out (runs/uploads.py), which
carry their own credentials. Both map onto the services runbase's own SDK uses."""

from __future__ import annotations

import base64
import binascii

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..artifacts import blobs
from ..auth import Viewer
from ..documents import loads_exact
from ..errors import Forbidden, NotFound, UserError, error_response
from ..runs import file_stream, files, runs, uploads
from ..tables import Run, RunFile, User
from ..web import sessions
from .bodies import RequestTooLarge, read_body
from .file_routes import StoreRoutes


def _user_error(exc: UserError) -> JSONResponse:
    status = 404 if isinstance(exc, NotFound) else 403 if isinstance(exc, Forbidden) else \
        413 if isinstance(exc, blobs.BlobTooLarge) else 400
    return error_response(str(exc), exc.code, status)


def _md5(header: str | None) -> bytes | None:
    """The digest a Content-MD5 header (base64, as W&B's clients send it) declares."""
    if header is None:
        return None
    try:
        digest = base64.b64decode(header.strip(), validate=True)
    except (binascii.Error, ValueError):
        digest = b""
    if len(digest) != 16:
        raise UserError(f"Content-MD5 must be the base64 of a 16-byte MD5 digest, not {header[:60]!r}")
    return digest


class WandbRoutes(StoreRoutes):
    """The official client's routes."""

    def routes(self) -> list[Route]:
        return [
            Route("/files/{entity}/{project}/{run}/file_stream", self.file_stream, methods=["POST"]),
            Route(uploads.ROUTE + "{token}", self.put_upload, methods=["PUT"]),
        ]

    async def file_stream(self, request: Request) -> Response:
        """Store one request of the run's stream and answer as W&B's server does."""
        limit = self.settings.max_request_bytes
        try:
            body = loads_exact(await read_body(request, limit))
        except RequestTooLarge:
            return error_response(f"request body is larger than the server's limit of {limit} bytes",
                                  "PAYLOAD_TOO_LARGE", 413)
        except (ValueError, RecursionError):
            return error_response("the body must be a JSON object", "BAD_REQUEST", 400)
        credentials = sessions.Credentials.of(request, self.settings.public_url)
        p = request.path_params

        def ingest(session: Session) -> None:
            viewer = sessions.viewer(session, credentials)
            file_stream.ingest(session, viewer, p["entity"], p["project"], run_name=p["run"], body=body)

        try:
            await run_in_threadpool(self.db.attempt, ingest)
        except sessions.REFUSALS as exc:
            return sessions.refusal(exc)
        except UserError as exc:
            return _user_error(exc)
        return JSONResponse(file_stream.ANSWER)

    async def put_upload(self, request: Request) -> Response:
        """Store the body as the file the token names, for the user it names, if they may still write to the
        run; a Content-MD5 header, if sent, must match."""
        try:
            grant = uploads.verify(self.settings, request.path_params["token"])
            md5 = _md5(request.headers.get("content-md5"))
            limit = self.settings.max_file_bytes
            declared = request.headers.get("content-length")
            if declared is not None and declared.isascii() and declared.isdigit() and int(declared) > limit:
                raise blobs.BlobTooLarge(f"the upload is larger than the server's limit of {limit} bytes "
                                         "(RUNBASE_MAX_FILE_BYTES)")
            await run_in_threadpool(self.db.attempt, lambda session: self._writable(session, grant))
            digest, size = await blobs.put_unnamed(self.store, request.stream(), limit, md5=md5,
                                                   spool_dir=self.settings.data_dir / "incoming")
            await run_in_threadpool(self.db.attempt, lambda session: self._save(session, grant, digest, size))
        except ClientDisconnect:
            return Response(status_code=400)
        except UserError as exc:
            return _user_error(exc)
        return Response(status_code=200)

    @staticmethod
    def _writable(session: Session, grant: uploads.Grant) -> Run:
        """The run, if the token's user may still write to it (they may have left its team since)."""
        user = session.get(User, grant.user_id)
        run = session.get(Run, grant.run_id)
        if user is None or run is None:
            raise NotFound("the run or the user this upload URL was made for is gone")
        viewer = Viewer(user_id=user.id, username=user.username, admin=user.admin)
        return runs.writable(session, viewer, run.project.entity.name, run.project.name, name=run.name)

    def _save(self, session: Session, grant: uploads.Grant, digest: str, size: int) -> RunFile:
        run = self._writable(session, grant)
        return files.save_upload(session, run, grant.user_id, name=grant.name, digest=digest, size=size)
