"""The REST side of W&B's protocol, for the official wandb client: POST /files/{entity}/{project}/{run}/file_stream
(a run's history, summary, system metrics and console, see runs/file_stream.py), with the same API keys as
/graphql; PUT /files/uploads/{token}, the upload URLs createRunFiles and createArtifactFiles hand out
(runs/uploads.py; a large artifact file's parts among them, artifacts/multipart.py), and GET
/files/downloads/{token}/{name}, the download URLs of run and artifact files (artifacts/downloads.py), which
carry their own credentials. All map onto the services runbase's own SDK uses."""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..artifacts import blobs, downloads, manifests, multipart, versions
from ..auth import Viewer
from ..documents import loads_exact
from ..errors import Forbidden, NotFound, UserError, error_response
from ..runs import file_stream, files, runs, uploads
from ..tables import Artifact, ArtifactEntry, Run, RunFile, User
from ..web import sessions
from .bodies import RequestTooLarge, read_body, refusal_before_body
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
            Route(downloads.ROUTE + "{token}/{name}", self.get_download, methods=["GET", "HEAD"]),
        ]

    async def file_stream(self, request: Request) -> Response:
        """Store one request of the run's stream and answer as W&B's server does."""
        credentials = sessions.Credentials.of(request, self.settings.public_url)
        refused = await refusal_before_body(self.db, request, credentials)
        if refused is not None:
            return refused
        raw = await read_body(request, self.settings.max_request_bytes)  # too large: the app answers 413
        try:
            body = loads_exact(raw, few_values=True)
        except (ValueError, RecursionError):
            return error_response("the body must be a JSON object", "BAD_REQUEST", 400)
        p = request.path_params

        def ingest(session: Session) -> dict[str, Any]:
            viewer = sessions.viewer(session, credentials)
            run = file_stream.ingest(session, viewer, p["entity"], p["project"], run_name=p["run"], body=body)
            return file_stream.answer(run)

        try:
            answer = await run_in_threadpool(self.db.attempt, ingest)
        except sessions.REFUSALS as exc:
            return sessions.refusal(exc)
        except UserError as exc:
            return _user_error(exc)
        return JSONResponse(answer)

    async def put_upload(self, request: Request) -> Response:
        """Store the body as the file the token names, for the user it names, if they may still write to the
        run or PENDING version; a Content-MD5 header, if sent, must match, and so must the MD5 an artifact
        file's URL was made for. A version's W&B manifest is read and kept for its commit; a part of a
        multipart upload is kept for its completion and answered with its ETag, as S3 answers."""
        try:
            grant = uploads.verify(self.settings, request.path_params["token"])
            md5 = _md5(request.headers.get("content-md5"))
            if grant.md5 is not None:
                declared_md5 = base64.b64decode(grant.md5)
                if md5 is not None and md5 != declared_md5:
                    raise blobs.DigestMismatch(f"Content-MD5 {base64.b64encode(md5).decode()} is not the MD5 the "
                                               f"upload URL was made for ({grant.md5}); nothing was stored")
                md5 = declared_md5
            limit = self.settings.max_file_bytes
            declared = request.headers.get("content-length")
            if declared is not None and declared.isascii() and declared.isdigit() and int(declared) > limit:
                raise blobs.BlobTooLarge(f"the upload is larger than the server's limit of {limit} bytes "
                                         "(RUNBASE_MAX_FILE_BYTES)")
            await run_in_threadpool(self.db.attempt, lambda session: self._writable(session, grant))
            if grant.manifest:
                await self._stage_manifest(request, grant, md5)
                return Response(status_code=200)
            if grant.upload is not None:
                etag = await multipart.put_part(self.store, grant, request.stream(), limit)
                return Response(status_code=200, headers={"ETag": etag})
            stored = await blobs.put_unnamed(self.store, request.stream(), limit, md5=md5,
                                             spool_dir=self.settings.data_dir / "incoming")
            await run_in_threadpool(self.db.attempt, lambda session: self._save(session, grant, stored))
        except ClientDisconnect:
            return Response(status_code=400)
        except RequestTooLarge:
            return error_response(f"the manifest is larger than the server's limit of "
                                  f"{self.settings.max_request_bytes} bytes", "PAYLOAD_TOO_LARGE", 413)
        except UserError as exc:
            return _user_error(exc)
        return Response(status_code=200)

    async def _stage_manifest(self, request: Request, grant: uploads.Grant, md5: bytes | None) -> None:
        body = await read_body(request, self.settings.max_request_bytes)
        if md5 is not None and hashlib.md5(body, usedforsecurity=False).digest() != md5:
            raise blobs.DigestMismatch("the uploaded manifest does not have the declared Content-MD5; "
                                       "nothing was stored")
        contents = manifests.parse(body)
        await run_in_threadpool(self.db.attempt, lambda session: versions.stage_manifest(
            session, self._viewer(session, grant), grant.artifact_id, contents))

    @staticmethod
    def _viewer(session: Session, grant: uploads.Grant | downloads.Grant) -> Viewer:
        user = session.get(User, grant.user_id)
        if user is None:
            raise NotFound("the user this upload URL was made for is gone")
        return Viewer(user_id=user.id, username=user.username, admin=user.admin)

    def _writable(self, session: Session, grant: uploads.Grant) -> Run | Artifact:
        """The run or PENDING version, if the token's user may still write to it (they may have left its team
        since)."""
        viewer = self._viewer(session, grant)
        if grant.artifact_id is not None:
            return versions.pending_writable(session, viewer, grant.artifact_id)
        run = session.get(Run, grant.run_id)
        if run is None:
            raise NotFound("the run this upload URL was made for is gone")
        return runs.writable(session, viewer, run.project.entity.name, run.project.name, name=run.name)

    def _save(self, session: Session, grant: uploads.Grant, stored: blobs.Unnamed) -> RunFile | ArtifactEntry:
        if grant.artifact_id is not None:
            assert grant.md5 is not None
            return versions.save_upload(session, self._viewer(session, grant), grant.artifact_id, path=grant.name,
                                        sha256=stored.sha256, size=stored.size, md5=grant.md5)
        run = self._writable(session, grant)
        assert isinstance(run, Run)
        return files.save_upload(session, run, grant.user_id, name=grant.name, stored=stored)

    async def get_download(self, request: Request) -> Response:
        """A run's file, a version's file, or a version's W&B manifest, for the user the URL was made for, if they
        may still read the run or version; MD5s the manifest needs and the server lacks are computed from the
        blobs once and kept."""
        try:
            grant = downloads.verify(self.settings, request.path_params["token"])
            if grant.run_id is not None:
                found = await run_in_threadpool(self.db.attempt, lambda session: self._run_file(session, grant))
                return await self._blob(request, found.sha256, found.composite, attachment=found.name)
            entry = await run_in_threadpool(self.db.attempt, lambda session: self._download(session, grant))
            if entry is not None:
                if entry.sha256 is None:
                    raise UserError(f"file {entry.path!r} is a reference to {entry.ref}, not stored on this server")
                return await self._blob(request, entry.sha256, entry.composite, attachment=entry.path)
            missing = await run_in_threadpool(self.db.attempt, lambda session: versions.without_md5(
                session, self._download_version(session, grant)))
            sums = {sha256: await blobs.md5_of(self.store, name) for sha256, name in missing.items()}
            body = await run_in_threadpool(self.db.attempt, lambda session: self._manifest(session, grant, sums))
        except UserError as exc:
            return _user_error(exc)
        return Response(body, media_type="application/json", headers=sessions.PRIVATE)

    def _manifest(self, session: Session, grant: downloads.Grant, sums: dict[str, str]) -> bytes:
        artifact = self._download_version(session, grant)
        return manifests.render(versions.record_md5(session, artifact, sums), artifact.id)

    def _run_file(self, session: Session, grant: downloads.Grant) -> RunFile:
        """The run's file the URL names, if the URL's user may still read the run (NotFound when gone)."""
        assert grant.path is not None
        run = session.get(Run, grant.run_id)
        found = None if run is None else files.readable(session, self._viewer(session, grant), run.project.entity.name,
                                                         run.project.name, run_name=run.name, name=grant.path)
        if found is None:
            raise NotFound(f"no file {grant.path!r} in the run this download URL was made for (or no access to it)")
        return found

    def _download_version(self, session: Session, grant: downloads.Grant) -> Artifact:
        found = versions.readable(session, self._viewer(session, grant), grant.artifact_id)
        if found is None:
            raise NotFound(f"no artifact with id {grant.artifact_id} (or no access to it)")
        return found.artifact

    def _download(self, session: Session, grant: downloads.Grant) -> ArtifactEntry | None:
        """The entry the URL names (NotFound when gone); None for the manifest."""
        artifact = self._download_version(session, grant)
        if grant.path is None:
            return None
        entry = versions.file(session, artifact, grant.path)
        if entry is None:
            raise NotFound(f"no file {grant.path!r} in artifact {grant.artifact_id}")
        return entry
