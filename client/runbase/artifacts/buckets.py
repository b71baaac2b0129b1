"""References to objects in S3, GCS and Azure buckets, read with the caller's own credentials.

A reference is checksummed when added, as W&B's client does it: the object's metadata gives its ETag (the
digest), size and version, and a prefix is expanded into one entry per object under it, up to max_objects (in an
S3 or Azure bucket that keeps versions, each with its version, from a HEAD, which a listing does not give). A
download fetches the recorded version where the store gives one (S3 and Azure in a bucket that keeps versions; GCS
always, its generation, for an object added alone), and otherwise asks for the object only if its ETag is still the
recorded one, so a changed object is refused rather than written; its size is checked too.

The store client is obstore (the `cloud` extra, also part of the server's): credentials, region and endpoint come
from the usual environment variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION,
AWS_ENDPOINT_URL, AWS_ALLOW_HTTP for an http:// endpoint; GOOGLE_SERVICE_ACCOUNT for GCS, a service-account file;
AZURE_STORAGE_ACCOUNT_NAME and AZURE_STORAGE_ACCOUNT_KEY for az://CONTAINER/PATH, AZURE_STORAGE_ENDPOINT for an
endpoint of its own). runbase's tests run all three schemes end to end, each against an emulator
(tests/test_bucket_references.py, tests/test_cloud_references.py)."""

from __future__ import annotations

import functools
import os
import posixpath
import re
import tempfile
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

from ..files import WORKERS
from .manifest import ArtifactManifestEntry, folders_of
from .names import check_path

SCHEMES = ("s3", "gs", "az")
# What ends a reference pinned to a version, as W&B writes them, and what a version looks like: s3 ?versionId=ID,
# gs #GENERATION (a number), az #VERSIONID (a timestamp). A key may hold "?" or "#" itself: a URI pins a version
# only where its end is one.
VERSION_MARKERS = {"s3": "?versionId=", "gs": "#", "az": "#"}
_VERSIONS = {"s3": r"[^?]+", "gs": r"\d+", "az": r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z"}
PINNED = {scheme: re.compile(f"{re.escape(marker)}({_VERSIONS[scheme]})$")
          for scheme, marker in VERSION_MARKERS.items()}
# Where an object's version means that its bucket keeps versions, so that a prefix's objects are pinned to theirs
# as W&B's client pins them: GCS gives every object a generation, kept or not, and its prefixes pin none.
KEEPS_VERSIONS = ("s3", "az")
# What an ETag a download may ask for with If-Match looks like: no quotes, no list, no "*" (which a store takes
# for "any object").
ETAG = re.compile(r"[0-9A-Za-z+/=_.:-]{1,256}")
DEFAULT_MAX_OBJECTS = 10_000_000
CREDENTIAL_VARIABLES = ("AWS_", "GOOGLE_", "AZURE_")  # what obstore reads a store's settings and credentials from


class _Where:
    """A reference's bucket, key and pinned version."""

    def __init__(self, uri: str, version: str | None) -> None:
        """`version`: the one `uri` ends with (after its marker), if any."""
        # Not urlparse: an object's key may hold "?", "#" and "//", which it would take for a query, a fragment or
        # nothing.
        self.scheme, _, rest = uri.partition("://")
        self.bucket, _, key = rest.partition("/")
        if not self.bucket:
            raise ValueError(f"cannot add a reference to {uri!r}: it names no bucket")
        if version is not None:
            key = key.removesuffix(VERSION_MARKERS[self.scheme] + version)
        self.key = key.lstrip("/")
        self.version = version

    @classmethod
    def given(cls, uri: str) -> _Where:
        """A URI as a user writes it, pinned to the version its end names."""
        pinned = PINNED[uri.partition("://")[0]].search(uri.partition("://")[2].partition("/")[2])
        return cls(uri, pinned.group(1) if pinned else None)

    @classmethod
    def recorded(cls, entry: ArtifactManifestEntry, uri: str) -> _Where:
        """An entry's reference ends with a version exactly where the entry recorded one (as runbase and W&B record
        them); one that records neither ETag nor version is read as given."""
        if "etag" in entry.extra or "versionID" in entry.extra:
            version = entry.extra.get("versionID")  # W&B's client writes a GCS generation as a number
            return cls(uri, None if version is None else str(version))
        return cls.given(uri)

    def uri(self, key: str, version: str | None) -> str:
        base = f"{self.scheme}://{self.bucket}/{key}"
        if version is None:
            return base
        return base + VERSION_MARKERS[self.scheme] + version


def pinned(entry: ArtifactManifestEntry) -> bool:
    """Whether a download fetches only the object the entry's logger read: one whose ETag (derived from its
    contents) is the recorded digest, asked for with If-Match. A version alone does not pin: S3's "null" names
    any object of a bucket without versions, and GCS generations and Azure versions are times. Only an ETag's
    own characters: a store takes If-Match "*" (or a list) for "any object"."""
    return bool(entry.digest and ETAG.fullmatch(entry.digest)) and _etag(entry.extra.get("etag")) == entry.digest


def require() -> Any:
    """obstore, or an error saying how to install it."""
    try:
        import obstore
    except ImportError:
        raise ImportError("s3://, gs:// and az:// references are read with obstore: pip install 'runbase[cloud]'") from None
    return obstore


def _store(where: _Where) -> Any:
    """A client for the bucket, made once for its credentials (a download of many objects would otherwise make
    one per object: 4 ms of CPU each, and a new TLS connection)."""
    credentials = tuple(sorted(item for item in os.environ.items() if item[0].startswith(CREDENTIAL_VARIABLES)))
    return _client(f"{where.scheme}://{where.bucket}", credentials)


@functools.lru_cache(maxsize=16)
def _client(url: str, credentials: tuple[tuple[str, str], ...]) -> Any:
    """`credentials` are the environment the client reads them from when made, so a change makes another; a
    store that does not answer fails within a minute rather than obstore's three."""
    from obstore.store import from_url

    return from_url(url, retry_config={"max_retries": 3, "retry_timeout": timedelta(seconds=60)})


def _etag(value: str | None) -> str | None:
    return value.removeprefix("W/").strip('"') if value else None


def unchecked_entry(uri: str, name: str | None) -> ArtifactManifestEntry:
    """checksum=False: the URI alone, its pinned version (if any) as the digest; nothing is read."""
    where = _Where.given(uri)
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
    require()
    where = _Where.given(uri)
    if "//" in where.key.rstrip("/"):
        raise ValueError(f"cannot add a reference to {uri!r}: its key has an empty segment ('a//b'), which obstore, "
                         "the library runbase reads buckets with, cannot address; copy the objects to keys without one")
    from obstore.exceptions import BaseError, InvalidPathError

    try:
        return _read(where, uri, name, max_objects)
    except InvalidPathError as exc:
        raise ValueError(f"cannot add a reference to {uri!r}: an object under it has a key that obstore, the library "
                         f"runbase reads buckets with, cannot address ({_first_line(exc)}): an empty segment ('a//b'), a "
                         "'.' or '..' segment, or a control character; add the others one by one, or copy them to keys "
                         "without one") from None
    except BaseError as exc:  # a missing bucket, refused credentials, a store that does not answer
        raise ValueError(f"cannot add a reference to {uri!r}: {where.scheme}://{where.bucket} answered "
                         f"{_answer(exc)}; is the bucket there, and may these credentials read it?") from None


def _first_line(exc: Exception) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0]


def _answer(exc: Exception) -> str:
    """The store's answer in one of obstore's errors: its HTTP status and error code, else the first line."""
    text = str(exc)
    status, code = re.search(r"status code: (\d{3}[^:\n]*)", text), re.search(r"<Code>([^<]+)</Code>", text)
    if status is None:
        return _first_line(exc)
    return status.group(1) + (f" ({code.group(1)})" if code and code.group(1) not in status.group(1) else "")


def _read(where: _Where, uri: str, name: str | None, max_objects: int | None) -> list[ArtifactManifestEntry]:
    obstore = require()
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
    for batch in obstore.list(store, prefix=prefix or None, chunk_size=1000):
        found.extend(batch)
        if len(found) > limit:
            raise ValueError(f"{uri!r} holds more than max_objects={limit} objects")
    # A "folder", the empty object whose key ends in "/" that consoles and gsutil make, is listed without its slash
    # (the prefix's own, shorter than it; one below, whose key then names no object). It is no file.
    found = [meta for meta in found if meta["path"].startswith(prefix) and (meta["size"] or not _folder(store, meta))]
    if not found:
        raise ValueError(f"cannot add a reference to {uri!r}: there is no object at or under it")
    _refuse_file_and_folder(uri, found)
    found = sorted(found, key=lambda meta: meta["path"])
    if where.scheme in KEEPS_VERSIONS:
        found = _with_versions(store, found)
    base = name.strip("/") if name else ""
    return [_entry(where, posixpath.join(base, meta["path"][len(prefix):]) if base else meta["path"][len(prefix):],
                   meta) for meta in found]


def _refuse_file_and_folder(uri: str, found: list[dict[str, Any]]) -> None:
    """Objects p/x and p/x/y would be a file and a folder at one path on disk, which no download can write: refused
    when added, naming both, rather than at download with a bare IsADirectoryError or NotADirectoryError."""
    keys = {meta["path"] for meta in found}
    for key in sorted(keys):
        folder = next((folder for folder in folders_of(key) if folder in keys), None)
        if folder is not None:
            raise ValueError(f"cannot add a reference to {uri!r}: the object {folder!r} is also the folder of "
                             f"{key!r}, and no folder on disk can hold both a file and a folder of one name; "
                             "add them as references of their own, under names that differ")


def _with_versions(store: Any, found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The objects' metadata with their versions, from a HEAD each (a listing gives none), where the bucket keeps
    versions: a download then fetches the version logged even after the object is overwritten, as W&B's client
    does. The first object's HEAD tells, so that a bucket without versions pays one request, not one per object."""
    obstore = require()

    def head(meta: dict[str, Any]) -> dict[str, Any]:
        try:
            return dict(obstore.head(store, meta["path"]))
        except FileNotFoundError:  # deleted since it was listed: as listed, and a download says it is gone
            return meta

    first = head(found[0])
    if not first.get("version"):
        return found
    with ThreadPoolExecutor(WORKERS) as pool:
        return [first, *pool.map(head, found[1:])]


def _folder(store: Any, meta: dict[str, Any]) -> bool:
    try:
        require().head(store, meta["path"])
    except FileNotFoundError:
        return True
    return False


def download(entry: ArtifactManifestEntry, uri: str, target: Path, allow_missing: bool) -> bool:
    """Fetch the object into `target`: its recorded version, or the object only while its ETag is the recorded
    one. False when it is gone and `allow_missing`."""
    obstore = require()
    from obstore.exceptions import BaseError, NotFoundError, PreconditionError

    where = _Where.recorded(entry, uri)
    options: dict[str, Any] = {"version": where.version} if where.version else {}
    if pinned(entry):
        options["if_match"] = f'"{entry.digest}"'
    store = _store(where)
    try:
        try:
            result = obstore.get(store, where.key, options=options)
        except PreconditionError:
            obstore.head(store, where.key)  # a store may answer 412, not 404, for an object deleted since (Azurite)
            raise ValueError(f"the reference {entry.path!r} ({uri}) changed since it was logged: its ETag is no "
                             f"longer {entry.digest!r}") from None
    except (FileNotFoundError, NotFoundError):
        if allow_missing:
            return False
        if where.version:  # where the bucket keeps no old versions (GCS pins a generation even then), a change too
            raise FileNotFoundError(f"the reference {entry.path!r} points to {uri}, whose version {where.version} no "
                                    "longer exists: the object was changed or deleted since it was logged") from None
        raise FileNotFoundError(f"the reference {entry.path!r} points to {uri}, which no longer exists") from None
    except BaseError as exc:  # refused credentials, a store that does not answer
        raise ValueError(f"cannot download the reference {entry.path!r} ({uri}): {where.scheme}://{where.bucket} "
                         f"answered {_answer(exc)}; may these credentials read it?") from None
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
