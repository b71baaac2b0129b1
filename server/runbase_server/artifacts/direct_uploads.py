"""Direct transfers: with an object store, the SDK sends large files straight to the store and fetches them from
it through presigned URLs (s3_requests.py); the server hands the URLs out after its usual checks, and checks what
the store received before the uploader may attach it. No file body passes through the server.

Why no upload can put bytes under contents that are not its own:
- The store checks the SHA-256 of every request body against the x-amz-checksum-sha256 header, which is signed
  into the URL, so the client cannot change it. But the SHA-256 of a multipart object is COMPOSITE: the SHA-256 of
  its parts' SHA-256s. No S3 call checks a whole file's SHA-256 across parts short of reading it back, which the
  server does not do.
- So a blob is named only by what the store checked. The client declares the file's SHA-256, its size and the
  SHA-256 of each part (parts of `part_size` bytes). A file of one part is that part: the store checks its
  SHA-256, so it is stored as the blob named by it (blobs/ab/cd/SHA256), the very blob an upload through the
  server makes. A file of several parts is stored under its composite name (blobs/ab/cd/COMPOSITE-N): the store
  checks each part against its declared SHA-256, and the completion names each, so the object there can only be
  what those parts hash to. The whole file's SHA-256 is then the uploader's claim alone: kept on their holding
  (BlobHolder.composite) and on the run files and artifact entries they attach (their `composite`), never a
  blob's name. A false claim labels only the claimant's own files, which every reader's SDK hashes again as it
  downloads them (and refuses); other users' uploads of the true contents are stored and found apart from it, and
  deduplication across users happens by the composite, which cannot lie.
- The multipart upload is the server's: it creates it, keeps its id to itself (DirectUpload), and completes it
  only when the store lists every part with its declared size and SHA-256, naming each part's checksum in the
  completion (the store refuses a part swapped or replaced); it then reads the object's size and checksum back
  before the uploader holds it. A part's URL is signed for one upload, one part number, one Content-Length and one
  checksum, and lives RUNBASE_DIRECT_URL_SECONDS. At first use the server checks that the store refuses a part
  with a wrong checksum (S3BlobStore.direct_requests): a store that does not gets no direct transfers.
- Holding contents still takes sending them: an upload is resumed and completed only by the user who started it.

Resuming: the upload of a file (user, SHA-256, size, part size) is kept until it completes or the grace period of
the housekeeping ends (S3BlobStore.clear_incoming aborts it, blobs.forget_abandoned_uploads forgets it), so a
client whose connection broke, or a new SDK process, starts it again and gets URLs only for the parts the store
lacks (ListParts).

Downloads: an SDK that asks for it (X-Runbase-Direct) is redirected to a presigned GET of a blob of at least
MIN_BYTES, after the route's usual access checks; the SDK checks the SHA-256 as it does for any download."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import access
from ..auth import Viewer
from ..errors import Conflict, NotFound, UserError
from ..settings import ServerSettings
from ..tables import DirectUpload
from . import blobs
from .object_store import S3BlobStore
from .s3_requests import Part, S3Error, S3Requests, composite_of, sha256_base64

MIN_BYTES = 2 << 20  # smaller files travel in bundles through the server
MAX_PARTS = 10_000  # S3's limit
MIN_PART_BYTES, MAX_PART_BYTES = 5 << 20, 5 << 30  # S3's limits on a part but the last
HEADER = "X-Runbase-Direct"  # sent by an SDK that fetches large files from the store itself


class UploadIncomplete(Conflict):
    """The store lacks parts of the upload: the client starts it again, which hands out their URLs."""

    code = "UPLOAD_INCOMPLETE"


class DirectTransfersOff(Conflict):
    """Asked of a server that takes no direct transfers (RUNBASE_DIRECT_TRANSFERS=false, or a store without them),
    maybe after another server behind the same address offered them: the client uploads through the server."""

    code = "DIRECT_TRANSFERS_OFF"


def requests_of(store: blobs.BlobStore) -> S3Requests | None:
    """The store's presigned requests where it offers direct transfers, else None."""
    return store.direct_requests() if isinstance(store, S3BlobStore) else None


def offer(store: blobs.BlobStore, settings: ServerSettings) -> dict[str, Any]:
    """What a client needs to know before it hashes a file's parts (GET /files/direct)."""
    if requests_of(store) is None:
        return {"direct": False}
    return {"direct": True, "minBytes": MIN_BYTES, "partBytes": settings.direct_part_bytes, "maxParts": MAX_PARTS}


def part_size(size: int, settings: ServerSettings) -> int:
    """The size of each part but the last: the setting, or larger where a file would need more than MAX_PARTS
    (the SDK works it out the same way from the offer)."""
    return max(settings.direct_part_bytes, -(-size // MAX_PARTS))


def _declared(body: object, settings: ServerSettings) -> tuple[str, int, int, list[str]]:
    """The file a client means to send: its SHA-256, its size, the size of its parts (all but the last) and
    their SHA-256s. The part size is the client's (partSize) where it names one S3 takes, so that servers with
    other RUNBASE_DIRECT_PART_BYTES than the one whose offer the client read take its upload all the same."""
    if not isinstance(body, dict):
        raise UserError('the body must be {"sha256": ..., "size": ..., "partSize": ..., "parts": [...]}')
    digest = blobs.check_digest(body.get("sha256"))
    size, parts, size_of_parts = body.get("size"), body.get("parts"), body.get("partSize")
    if type(size) is not int or not 0 < size <= settings.max_file_bytes:
        raise UserError(f"size must be a whole number of bytes from 1 to the server's limit of "
                        f"{settings.max_file_bytes} (RUNBASE_MAX_FILE_BYTES), not {size!r}")
    if size_of_parts is None:
        size_of_parts = part_size(size, settings)
    elif type(size_of_parts) is not int or not MIN_PART_BYTES <= size_of_parts <= MAX_PART_BYTES \
            or -(-size // size_of_parts) > MAX_PARTS:
        raise UserError(f"partSize must be a whole number of bytes from {MIN_PART_BYTES} to {MAX_PART_BYTES} "
                        f"that cuts the file into at most {MAX_PARTS} parts, not {size_of_parts!r}")
    count = -(-size // size_of_parts)
    if not isinstance(parts, list) or len(parts) != count:
        raise UserError(f"parts must list the SHA-256 of each of the {count} parts of {size_of_parts} "
                        "bytes (the last one shorter)")
    return digest, size, size_of_parts, [blobs.check_digest(part) for part in parts]


def _name(digest: str, parts: list[str]) -> str:
    """The blob the upload makes: a lone part's SHA-256 is the file's, which the store checks; several parts
    are named by their composite."""
    if len(parts) == 1:
        if parts[0] != digest:
            raise UserError("a file of one part has that part's SHA-256")
        return digest
    return composite_of(parts)


def _sizes(upload: DirectUpload) -> list[int]:
    count = len(upload.parts) // 64
    return [upload.part_size] * (count - 1) + [upload.size - upload.part_size * (count - 1)]


def _digests(upload: DirectUpload) -> list[str]:
    return [upload.parts[start:start + 64] for start in range(0, len(upload.parts), 64)]


def _urls(requests: S3Requests, upload: DirectUpload, numbers: list[int], seconds: int) -> list[dict[str, Any]]:
    """Presigned PUTs of the parts, each bound to its number, size and SHA-256."""
    sizes, digests = _sizes(upload), _digests(upload)
    key = S3BlobStore.key(upload.key)
    found = []
    for number in numbers:
        headers = {"content-length": str(sizes[number - 1]),
                   "x-amz-checksum-sha256": sha256_base64(digests[number - 1])}
        url = requests.presign("PUT", key, expires=seconds, headers=headers,
                               query={"partNumber": str(number), "uploadId": upload.upload_id})
        found.append({"number": number, "url": url, "headers": headers})
    return found


def _stored_parts(requests: S3Requests, upload: DirectUpload) -> dict[int, Part] | None:
    """The parts the store holds that are what they were declared to be; None when the upload is gone. A store
    that lists no checksums (SeaweedFS) is trusted by size: it checked each part's SHA-256 against the one signed
    into its URL (which direct_requests made sure of), and every URL of an upload carries its declared ones."""
    try:
        listed = requests.list_parts(S3BlobStore.key(upload.key), upload.upload_id)
    except S3Error as exc:
        if exc.code == "NoSuchUpload":
            return None
        raise
    sizes, digests = _sizes(upload), _digests(upload)
    return {part.number: part for part in listed if 1 <= part.number <= len(sizes)
            and part.size == sizes[part.number - 1] and part.sha256 in (None, digests[part.number - 1])}


def start(session: Session, store: blobs.BlobStore, viewer: Viewer, settings: ServerSettings,
          body: object) -> dict[str, Any]:
    """Start the viewer's upload of a file, or go on with the one they started (resuming): its id and the URLs
    of the parts the store lacks."""
    requests = requests_of(store)
    if requests is None:
        raise DirectTransfersOff("this server's blob store takes no direct transfers: upload through PUT "
                                 "/files/blobs")
    digest, size, size_of_parts, parts = _declared(body, settings)
    name = _name(digest, parts)
    upload = session.scalar(select(DirectUpload).where(
        DirectUpload.user_id == viewer.user_id, DirectUpload.sha256 == digest, DirectUpload.size == size,
        DirectUpload.part_size == size_of_parts))
    stored: dict[int, Part] = {}
    if upload is not None:
        found = _stored_parts(requests, upload) if upload.parts == "".join(parts) else None
        if found is None:  # gone (aborted by the housekeeping), or other parts declared now: start afresh
            requests.abort_multipart(S3BlobStore.key(upload.key), upload.upload_id)
            session.delete(upload)
            session.flush()
            upload = None
        else:
            stored = found
    if upload is None:
        upload = DirectUpload(id=uuid.uuid4().hex, user_id=viewer.user_id, sha256=digest, size=size,
                              part_size=size_of_parts, parts="".join(parts), key=name,
                              upload_id=requests.create_multipart(S3BlobStore.key(name)))
        session.add(upload)
        try:
            session.flush()
        except IntegrityError:  # the same user's other request started it meanwhile
            requests.abort_multipart(S3BlobStore.key(name), upload.upload_id)
            raise Conflict("this upload is being started by another request; start it again") from None
    missing = [number for number in range(1, len(parts) + 1) if number not in stored]
    return {"id": upload.id, "partSize": size_of_parts, "uploaded": sorted(stored),
            "parts": _urls(requests, upload, missing, settings.direct_url_seconds)}


def complete(session: Session, store: blobs.BlobStore, viewer: Viewer, upload_id: str) -> str:
    """Join the uploaded parts into the blob, once the store shows each part as declared, and record that the
    viewer holds the file; its SHA-256. UploadIncomplete lists the parts still missing."""
    requests = requests_of(store)
    if requests is None:
        raise DirectTransfersOff(f"no upload {upload_id} here: this server's blob store takes no direct transfers")
    upload = access.own_upload(viewer, session.get(DirectUpload, upload_id))
    stored = _stored_parts(requests, upload)
    if stored is None:
        raise NotFound(f"upload {upload_id} was abandoned and dropped by the store; start it again")
    count = len(upload.parts) // 64
    missing = [number for number in range(1, count + 1) if number not in stored]
    if missing:
        raise UploadIncomplete(f"the store lacks parts {missing[:20]} of upload {upload_id} (or holds other "
                               "contents than declared there); start the upload again to send them")
    key = S3BlobStore.key(upload.key)
    requests.complete_multipart(key, upload.upload_id, [stored[number] for number in range(1, count + 1)])
    # As for an upload through the server (blobs.hold_stored): checked under the blob lock, and touched, since the
    # store may date the object from the upload's start, so that garbage collection deletes it before this check
    # (which then finds it gone) or keeps it until it is attached.
    blobs.lock_blobs(session)
    store.touch(upload.key)
    found = requests.checksum(key)
    composite, _ = composite_of(_digests(upload)).split("-")
    expected = f"{sha256_base64(composite)}-{count}"  # as S3 writes it
    if found is None or found[0] != upload.size or found[1] not in (None, expected):
        raise UserError(f"the store holds {found} for upload {upload_id}, not {upload.size} bytes with SHA-256 "
                        f"{expected}; it is not attached")
    if upload.key == upload.sha256:
        blobs.hold(session, viewer.user_id, upload.sha256)
    else:
        blobs.hold_copy(session, viewer.user_id, upload.sha256, upload.key)
    session.delete(upload)
    return upload.sha256


def download_url(store: blobs.BlobStore, name: str, size: int, settings: ServerSettings) -> str | None:
    """A presigned GET of a stored blob for an SDK that fetches it itself, or None where the server streams it:
    a small blob, or a store without direct transfers. The store answers it as a download, never as a page."""
    requests = requests_of(store)
    if requests is None or size < MIN_BYTES:
        return None
    return requests.presign("GET", S3BlobStore.key(name), expires=settings.direct_url_seconds, query={
        "response-content-type": "application/octet-stream", "response-content-disposition": "attachment"})
