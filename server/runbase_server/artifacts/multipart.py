"""Multipart uploads of a PENDING version's large files, as the official wandb client makes them (it cuts a file
of 2 GiB or more into parts of 100 MiB, or more when there would be over 10,000). createArtifactFiles, given a
file's parts (uploadPartsInput: numbers and hex MD5s), starts an upload: an upload id and a signed upload URL per
part (runs/uploads.py), bound to the user, the version, the file's path, the upload and the part's number and
MD5. Each part's PUT is kept in the blob store apart from the blobs, checked against its MD5, and answered with
its ETag (its hex MD5, quoted, as S3 answers). completeMultipartUploadArtifact then reads the parts in order,
checks the ETags the client was given and the whole file's MD5 (the digest its manifest names), stores the file
by its SHA-256 and only then makes it the version's file at its path; a missing part or any mismatch is refused
and leaves nothing visible. Parts of an upload never completed are removed by housekeeping with the other
abandoned uploads (BlobStore.clear_incoming, after the grace period).

The upload id the client carries from start to completion is itself a sealed token (a key of its own purpose)
naming the user, the version, the path, the file's MD5, the number of parts and the key its parts are kept
under, so the server keeps no record of uploads in progress."""

from __future__ import annotations

import base64
import hashlib
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

from ..errors import Forbidden, UserError
from ..runs import files, uploads
from ..settings import ServerSettings
from ..tables import Artifact
from . import blobs

MAX_PARTS = 10_000  # S3's limit, which W&B's client keeps to
HEX_MD5 = re.compile(r"[0-9a-f]{32}")
_PURPOSE = b"runbase: multipart upload ids"


@dataclass(frozen=True)
class Upload:
    """What an upload id names."""

    user_id: int
    artifact_id: int
    path: str
    md5: str  # base64, the whole file's
    parts: int
    key: str  # where its parts are kept in the blob store


def _hex_md5(number: int, text: str) -> str:
    digest = text.strip().strip('"').lower()
    if not HEX_MD5.fullmatch(digest):
        raise UserError(f"part {number}: an MD5 must be 32 hexadecimal characters, not {text[:60]!r}")
    return digest


def start(settings: ServerSettings, artifact: Artifact, user_id: int, path: str, md5: str,
          parts: list[tuple[int, str]], *, base_url: str) -> tuple[str, list[str]]:
    """An upload of the file at `path` (its base64 MD5 `md5`) of a PENDING version the user may write
    (versions.pending_writable found it) in `parts` (number, hex MD5), numbered 1 to their count: its id and
    an upload URL for each part, in the order given."""
    if len(parts) > MAX_PARTS:
        raise UserError(f"file {path!r}: at most {MAX_PARTS} parts, not {len(parts)}")
    if sorted(number for number, _ in parts) != list(range(1, len(parts) + 1)):
        raise UserError(f"file {path!r}: its parts must be numbered 1 to {len(parts)}, each once")
    key = uuid.uuid4().hex
    upload_id = uploads.seal(settings, _PURPOSE, {"u": user_id, "a": artifact.id, "n": files.check_name(path),
                                                  "m": md5, "p": len(parts), "k": key})
    urls = [base_url + uploads.ROUTE + uploads.sign(settings, uploads.Grant(
        artifact.run_id, user_id, path, artifact_id=artifact.id,
        md5=base64.b64encode(bytes.fromhex(_hex_md5(number, digest))).decode(), upload=key, part=number))
        for number, digest in parts]
    return upload_id, urls


def verify(settings: ServerSettings, upload_id: str, *, user_id: int, artifact_id: object, path: str) -> Upload:
    """The upload an id names, if this server (or one sharing its secret key) started it within the hour, for
    this user, version and path."""
    fields = uploads.unseal(settings, _PURPOSE, upload_id, what="multipart upload id (createArtifactFiles)")
    upload = Upload(user_id=fields["u"], artifact_id=fields["a"], path=fields["n"], md5=fields["m"],
                    parts=fields["p"], key=fields["k"])
    if upload.user_id != user_id:
        raise Forbidden("this multipart upload was started by another user")
    if (str(upload.artifact_id), upload.path) != (str(artifact_id), path):
        raise UserError(f"this multipart upload is of file {upload.path!r} of artifact {upload.artifact_id}, not of "
                        f"{path!r} of artifact {artifact_id}")
    return upload


async def put_part(store: blobs.BlobStore, grant: uploads.Grant, chunks: AsyncIterator[bytes],
                   max_bytes: int) -> str:
    """Keep a part PUT to its upload URL, if it has the MD5 the URL was made for; its ETag."""
    assert grant.upload is not None and grant.part is not None and grant.md5 is not None
    declared, number = base64.b64decode(grant.md5), grant.part

    async def checked() -> AsyncIterator[bytes]:
        md5, size = hashlib.md5(usedforsecurity=False), 0
        async for chunk in chunks:
            size += len(chunk)
            blobs.within_limit(size, max_bytes)
            md5.update(chunk)
            yield chunk
        if md5.digest() != declared:
            raise blobs.DigestMismatch(f"part {number}: the uploaded contents have MD5 {md5.hexdigest()}, not the "
                                       f"declared {declared.hex()}; nothing was kept")

    await store.put_part(grant.upload, number, checked())
    return f'"{declared.hex()}"'


async def assemble(store: blobs.BlobStore, upload: Upload, completed: list[tuple[int, str]],
                   max_bytes: int) -> blobs.Unnamed:
    """The upload's parts put together and stored by their SHA-256, if `completed` (number, ETag) names every
    part once with the ETag its PUT was answered with and the whole has the file's MD5. The parts are read
    twice (hashed, then stored, which checks them again) rather than copied to the server's disk."""
    if sorted(number for number, _ in completed) != list(range(1, upload.parts + 1)):
        raise UserError(f"file {upload.path!r}: the completed parts must be parts 1 to {upload.parts}, each once; "
                        "nothing was stored")
    etags = {number: _hex_md5(number, etag) for number, etag in completed}
    sha256, md5, size = hashlib.sha256(), hashlib.md5(usedforsecurity=False), 0
    for number in range(1, upload.parts + 1):
        part = hashlib.md5(usedforsecurity=False)
        try:
            async for chunk in store.read_part(upload.key, number):
                size += len(chunk)
                blobs.within_limit(size, max_bytes)
                sha256.update(chunk)
                md5.update(chunk)
                part.update(chunk)
        except FileNotFoundError:
            raise UserError(f"file {upload.path!r}: part {number} of {upload.parts} was not uploaded (or was "
                            "abandoned too long and removed); upload it to its URL first; nothing was stored") from None
        if part.hexdigest() != etags[number]:
            raise blobs.DigestMismatch(f"file {upload.path!r}: part {number} was uploaded with ETag "
                                       f'"{part.hexdigest()}", not "{etags[number]}"; nothing was stored')
    whole = base64.b64encode(md5.digest()).decode()
    if whole != upload.md5:
        raise blobs.DigestMismatch(f"file {upload.path!r}: its parts put together have MD5 {whole}, not the "
                                   f"declared {upload.md5}; nothing was stored")

    async def parts() -> AsyncIterator[bytes]:
        for number in range(1, upload.parts + 1):
            async for chunk in store.read_part(upload.key, number):
                yield chunk

    digest = sha256.hexdigest()
    await store.put(digest, parts(), max_bytes)
    return blobs.Unnamed(digest, size, whole)
