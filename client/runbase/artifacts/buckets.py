"""References to objects in S3, GCS and Azure buckets, read with the caller's own credentials.

A reference is checksummed when added, as W&B's client does it: the object's metadata gives its ETag (the
digest), size and version, and a prefix is expanded into one entry per object under it, up to max_objects. A
download fetches the recorded version where the bucket keeps versions, and otherwise asks for the object only if
its ETag is still the recorded one, so a changed object is refused rather than written.

The store client is obstore (the `cloud` extra, also part of the server's): credentials, region and endpoint come
from the usual environment variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION,
AWS_ENDPOINT_URL, AWS_ALLOW_HTTP for an http:// endpoint; GOOGLE_SERVICE_ACCOUNT for GCS; AZURE_STORAGE_ACCOUNT_NAME
and AZURE_STORAGE_ACCOUNT_KEY for az://CONTAINER/PATH). runbase's tests run the s3:// scheme against an
S3-compatible server; gs:// and az:// go through the same calls but are not tested here."""

from __future__ import annotations

import os
import posixpath
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from .manifest import ArtifactManifestEntry
from .names import check_path

SCHEMES = ("s3", "gs", "az")
VERSION_MARKERS = {"s3": "?versionId=", "gs": "#", "az": "#"}  # what precedes a pinned version in a reference
DEFAULT_MAX_OBJECTS = 10_000_000


class _Where:
    """A reference's bucket, key and pinned version (s3: ?versionId=, gs: #generation, az: #versionid)."""

    def __init__(self, uri: str) -> None:
        # Not urlparse: an object's key may hold "?", "#" and "//", which it would take for a query, a fragment or
        # nothing. Only the version marker that uri() writes is read off the end.
        self.scheme, _, rest = uri.partition("://")
        self.bucket, _, key = rest.partition("/")
        if not self.bucket:
            raise ValueError(f"cannot add a reference to {uri!r}: it names no bucket")
        marker = VERSION_MARKERS[self.scheme]
        key, _, pinned = key.rpartition(marker) if marker in key else (key, "", "")
        self.key = key.lstrip("/")
        self.version: str | None = pinned or None

    def uri(self, key: str, version: str | None) -> str:
        base = f"{self.scheme}://{self.bucket}/{key}"
        if version is None:
            return base
        return base + VERSION_MARKERS[self.scheme] + version


def require() -> Any:
    """obstore, or an error saying how to install it."""
    try:
        import obstore
    except ImportError:
        raise ImportError("s3://, gs:// and az:// references are read with obstore: pip install 'runbase[cloud]'") from None
    return obstore


def _store(where: _Where) -> Any:
    """A client for the bucket; a store that does not answer fails within a minute rather than obstore's three."""
    from obstore.store import from_url

    return from_url(f"{where.scheme}://{where.bucket}",
                    retry_config={"max_retries": 3, "retry_timeout": timedelta(seconds=60)})


def _etag(value: str | None) -> str | None:
    return value.removeprefix("W/").strip('"') if value else None


def unchecked_entry(uri: str, name: str | None) -> ArtifactManifestEntry:
    """checksum=False: the URI alone, its pinned version (if any) as the digest; nothing is read."""
    where = _Where(uri)
    name = name or check_path(posixpath.basename(where.key.rstrip("/")) or where.bucket)
    extra = {"versionID": where.version} if where.version else {}
    return ArtifactManifestEntry(name, where.version, None, ref=uri, extra=extra)


def _entry(where: _Where, path: str, meta: dict[str, Any]) -> ArtifactManifestEntry:
    etag, version = _etag(meta.get("e_tag")), meta.get("version")
    extra: dict[str, Any] = {"etag": etag} if etag else {}
    if version:
        extra["versionID"] = version
    return ArtifactManifestEntry(check_path(path), etag, int(meta["size"]), ref=where.uri(meta["path"], version),
                                 extra=extra)


def entries(uri: str, name: str | None, max_objects: int | None) -> list[ArtifactManifestEntry]:
    """One entry for an object, or one per object under a prefix (named by their paths below it)."""
    obstore = require()
    where = _Where(uri)
    if "//" in where.key.rstrip("/"):
        raise ValueError(f"cannot add a reference to {uri!r}: its key has an empty segment ('a//b'), which obstore, "
                         "the library runbase reads buckets with, cannot address; copy the objects to keys without one")
    store = _store(where)
    if where.key and not where.key.endswith("/"):
        try:
            meta = obstore.head(store, where.key) if where.version is None else obstore.get(
                store, where.key, options={"version": where.version, "head": True}).meta
        except FileNotFoundError:
            if where.version is not None:
                raise ValueError(f"cannot add a reference to {uri!r}: no such object version") from None
        else:
            return [_entry(where, name or posixpath.basename(where.key), meta)]
    prefix = where.key.rstrip("/") + "/" if where.key else ""
    limit = DEFAULT_MAX_OBJECTS if max_objects is None else max_objects
    found: list[dict[str, Any]] = []
    from obstore.exceptions import InvalidPathError

    try:
        for batch in obstore.list(store, prefix=prefix or None, chunk_size=1000):
            found.extend(batch)
            if len(found) > limit:
                raise ValueError(f"{uri!r} holds more than max_objects={limit} objects")
    except InvalidPathError:
        raise ValueError(f"cannot add a reference to {uri!r}: an object under it has a key with an empty segment "
                         "('a//b'), which obstore, the library runbase reads buckets with, cannot address; add the "
                         "others one by one, or copy them to keys without one") from None
    if not found:
        raise ValueError(f"cannot add a reference to {uri!r}: there is no object at or under it")
    base = name.strip("/") if name else ""
    return [_entry(where, posixpath.join(base, meta["path"][len(prefix):]) if base else meta["path"][len(prefix):],
                   meta) for meta in sorted(found, key=lambda meta: meta["path"])]


def download(entry: ArtifactManifestEntry, uri: str, target: Path, allow_missing: bool) -> bool:
    """Fetch the object into `target`: its recorded version, or the object only while its ETag is the recorded
    one. False when it is gone and `allow_missing`."""
    obstore = require()
    from obstore.exceptions import PreconditionError

    where = _Where(uri)
    version = entry.extra.get("versionID") or where.version
    options: dict[str, Any] = {"version": version} if version else {}
    if not version and entry.digest and "etag" in entry.extra:
        options["if_match"] = f'"{entry.digest}"'
    try:
        result = obstore.get(_store(where), where.key, options=options)
    except FileNotFoundError:
        if allow_missing:
            return False
        raise FileNotFoundError(f"the reference {entry.path!r} points to {uri}, which no longer exists") from None
    except PreconditionError:
        raise ValueError(f"the reference {entry.path!r} ({uri}) changed since it was logged: its ETag is no "
                         f"longer {entry.digest!r}") from None
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        size = 0
        with os.fdopen(fd, "wb") as out:
            for chunk in result.stream():
                out.write(chunk)
                size += len(chunk)
        if entry.size is not None and size != entry.size:
            raise ValueError(f"the reference {entry.path!r} ({uri}) changed since it was logged: {size} bytes, "
                             f"not {entry.size}")
        os.replace(temp, target)
        return True
    finally:
        if os.path.exists(temp):
            os.unlink(temp)
