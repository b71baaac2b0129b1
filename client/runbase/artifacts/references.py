"""References: manifest entries for contents that stay where they are instead of being uploaded.

file:// files and directories are hashed (SHA-256) when added and checked when downloaded.
http(s):// URLs record the server's ETag, or the SHA-256 of the body when there is none, and a
download that no longer matches is refused. s3://, gs:// and az:// objects and prefixes are read with the
caller's own credentials (buckets.py). Any other scheme (azure://, custom://...) is tracked only: its
digest is the SHA-256 of the URI itself (so a version changes when the URI does), its size is unknown,
and download cannot fetch it (allow_missing_references=True skips it).

The file:// and http(s):// references of a version someone else logged, and its bucket references that do not pin
their object by its ETag, are fetched only when the caller opts in (download(allow_unverified_references=True)): its
logger chose both the URI and its checksum."""

from __future__ import annotations

import contextlib
import hashlib
import os
import posixpath
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlparse

import httpx

from ..files import CHUNK, digest_of
from ..network import tls_context
from . import buckets
from .cache import copy_hashing
from .manifest import ArtifactManifestEntry
from .names import check_path

DEFAULT_MAX_OBJECTS = 10_000_000
FETCHED_SCHEMES = ("file", "http", "https")
# A URI's scheme (RFC 3986), two characters at least so that a Windows path "C:\\x" is not taken for one.
SCHEME = re.compile(r"[a-z][a-z0-9+.-]+")
HTTP_TIMEOUT = 60.0


def _join(name: str | None, relative: str) -> str:
    return check_path(f"{name.strip('/')}/{relative}" if name else relative)


def _local_path(uri: str) -> Path:
    parsed = urlparse(uri)
    where = parsed.path if parsed.netloc in ("", "localhost") else f"/{parsed.netloc}{parsed.path}"
    return Path(unquote(where))


def entries_for(uri: str, name: str | None = None, checksum: bool = True,
                max_objects: int | None = None) -> list[ArtifactManifestEntry]:
    """The entries a reference adds: one per file of a file:// directory, one otherwise."""
    if not isinstance(uri, str):
        raise ValueError(f"a reference must be a URI string, not {type(uri).__name__}")
    if name is not None:
        name = check_path(os.fspath(name))
    scheme = urlparse(uri).scheme
    if scheme == "file":
        return _file_entries(uri, name, checksum, DEFAULT_MAX_OBJECTS if max_objects is None else max_objects)
    if scheme in ("http", "https"):
        return [_http_entry(uri, name, checksum)]
    if scheme in buckets.SCHEMES:
        return buckets.entries(uri, name, max_objects) if checksum else [buckets.unchecked_entry(uri, name)]
    if SCHEME.fullmatch(scheme):
        return [_tracked_entry(uri, name)]
    raise ValueError(f"cannot add a reference to {uri!r}: a reference is a URI with a scheme (file:///abs/path, "
                     "https://..., s3://bucket/key, or any scheme://...)")


def _file_entries(uri: str, name: str | None, checksum: bool, max_objects: int) -> list[ArtifactManifestEntry]:
    path = _local_path(uri).absolute()
    if not checksum:
        size = path.stat().st_size if path.is_file() else None
        return [ArtifactManifestEntry(name or check_path(path.name), None, size, ref=path.as_uri())]
    if path.is_file():
        digest, size = digest_of(path)
        return [ArtifactManifestEntry(name or check_path(path.name), digest, size, ref=path.as_uri())]
    if not path.is_dir():
        raise ValueError(f"cannot add a reference to {uri!r}: there is no file or directory at {path}")
    files = sorted(p for p in path.rglob("*") if p.is_file())
    if len(files) > max_objects:
        raise ValueError(f"{uri!r} holds {len(files)} files, more than max_objects={max_objects}")
    entries = []
    for file in files:
        digest, size = digest_of(file)
        entries.append(ArtifactManifestEntry(_join(name, file.relative_to(path).as_posix()), digest, size,
                                             ref=file.as_uri()))
    return entries


def _etag(value: str) -> str:
    """An ETag without its weak marker and quotes, so that servers' spellings compare equal."""
    return value.removeprefix("W/").strip('"')


MAX_REDIRECTS = 5


@contextlib.contextmanager
def _get(http: httpx.Client, uri: str) -> Iterator[httpx.Response]:
    """A streamed GET that follows redirects only within the reference's own scheme, host and port: a
    reference names one server, and a redirect elsewhere (an internal address, another site) is refused."""
    origin = urlparse(uri)[:2]
    for _ in range(MAX_REDIRECTS + 1):
        with http.stream("GET", uri) as response:
            location = response.headers.get("location") if response.is_redirect else None
            if location is None:
                yield response
                return
        uri = str(response.url.join(location))
        if urlparse(uri)[:2] != origin:
            raise ValueError(f"the reference redirects to another host ({uri}); runbase does not follow it")
    raise ValueError(f"the reference redirects more than {MAX_REDIRECTS} times")


def unverified(entry: ArtifactManifestEntry) -> bool:
    """Whether fetching the reference reads what its logger chose: a file:// path on the downloading machine, an
    http(s) URL requested from wherever the download runs, or a bucket object read with the downloader's
    credentials that the entry does not pin by its ETag (buckets.pinned; checksum=False: its logger needed no
    access to name it). A recorded checksum does not make a file or URL safe to fetch for someone else: its logger
    wrote that too, and the read or the request is the harm; a bucket object is fetched only if its ETag (derived
    from its contents) is the one recorded, which its logger could know only by reading it."""
    scheme = urlparse(entry.ref_target()).scheme
    if scheme in buckets.SCHEMES:
        return not buckets.pinned(entry)
    return scheme in FETCHED_SCHEMES


def _recorded(entry: ArtifactManifestEntry) -> str | None:
    """The digest a download is checked against; an empty one is none."""
    return entry.digest or None


def _http_entry(uri: str, name: str | None, checksum: bool) -> ArtifactManifestEntry:
    name = name or check_path(posixpath.basename(urlparse(uri).path) or "index.html")
    if not checksum:
        return ArtifactManifestEntry(name, None, None, ref=uri)
    try:
        with httpx.Client(timeout=HTTP_TIMEOUT, verify=tls_context()) as http, _get(http, uri) as response:
            if response.status_code != 200:
                raise ValueError(f"cannot add a reference to {uri!r}: HTTP {response.status_code}")
            etag = response.headers.get("etag")
            if etag:
                length = response.headers.get("content-length")
                return ArtifactManifestEntry(name, _etag(etag), int(length) if length and length.isdigit() else None,
                                             ref=uri, extra={"etag": etag})
            hasher = hashlib.sha256()
            size = 0
            for chunk in response.iter_bytes(CHUNK):
                hasher.update(chunk)
                size += len(chunk)
    except httpx.HTTPError as exc:
        raise ValueError(f"cannot add a reference to {uri!r}: {exc!r}") from exc
    return ArtifactManifestEntry(name, hasher.hexdigest(), size, ref=uri, extra={"checksum": "sha256"})


def _tracked_entry(uri: str, name: str | None) -> ArtifactManifestEntry:
    """A reference of a scheme runbase cannot read: recorded under the SHA-256 of the URI, size unknown."""
    parsed = urlparse(uri)
    name = name or posixpath.basename(parsed.path.rstrip("/")) or parsed.netloc
    if not name:
        raise ValueError(f"cannot add a reference to {uri!r}: pass name=..., the path it gets in the artifact")
    return ArtifactManifestEntry(check_path(name), hashlib.sha256(uri.encode()).hexdigest(), None, ref=uri)


def check_fetchable(entry: ArtifactManifestEntry, allow_missing: bool) -> bool:
    """Whether download() can fetch the reference; raises for one it cannot (a tracked scheme unless
    `allow_missing`, s3/gs without obstore), so that a download refuses before it writes anything."""
    uri = entry.ref_target()
    scheme = urlparse(uri).scheme
    if scheme in FETCHED_SCHEMES:
        return True
    if scheme in buckets.SCHEMES:
        buckets.require()
        return True
    if allow_missing:
        return False
    raise ValueError(f"cannot download the reference {entry.path!r} ({uri}): runbase tracks {scheme}:// references "
                     "by a digest of the URI and cannot fetch them; pass allow_missing_references=True to skip them")


def download(entry: ArtifactManifestEntry, target: Path, allow_missing: bool) -> bool:
    """Fetch a reference's contents to `target`, checking them against the recorded checksum; False
    when the referenced object is gone (or cannot be fetched) and `allow_missing`."""
    if not check_fetchable(entry, allow_missing):
        return False
    uri = entry.ref_target()
    scheme = urlparse(uri).scheme
    if scheme == "file":
        return _download_file(entry, uri, target, allow_missing)
    if scheme in buckets.SCHEMES:
        return buckets.download(entry, uri, target, allow_missing)
    return _download_http(entry, uri, target, allow_missing)


def _download_file(entry: ArtifactManifestEntry, uri: str, target: Path, allow_missing: bool) -> bool:
    source = _local_path(uri)
    if not source.exists():
        if allow_missing:
            return False
        raise FileNotFoundError(f"the reference {entry.path!r} points to {source}, which does not exist")
    if source.is_dir():
        shutil.copytree(source, target, dirs_exist_ok=True)
        return True
    expected = _recorded(entry)
    digest, _ = copy_hashing(source, target, expect=expected)
    if expected is not None and digest != expected:
        raise ValueError(f"the reference {entry.path!r} ({uri}) changed since it was logged: its SHA-256 is now "
                         f"{digest}, not {expected}")
    return True


def _download_http(entry: ArtifactManifestEntry, uri: str, target: Path, allow_missing: bool) -> bool:
    expected = _recorded(entry)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        hasher = hashlib.sha256()
        with os.fdopen(fd, "wb") as out, httpx.Client(timeout=HTTP_TIMEOUT, verify=tls_context()) as http, \
                _get(http, uri) as response:
            if response.status_code == 404 and allow_missing:
                return False
            if response.status_code != 200:
                raise ValueError(f"cannot download the reference {entry.path!r} ({uri}): HTTP {response.status_code}")
            if "etag" in entry.extra and expected is not None and _etag(response.headers.get("etag", "")) != expected:
                raise ValueError(f"the reference {entry.path!r} ({uri}) changed since it was logged: its ETag is "
                                 f"now {response.headers.get('etag')!r}, not {entry.extra['etag']!r}")
            for chunk in response.iter_bytes(CHUNK):
                hasher.update(chunk)
                out.write(chunk)
        if entry.extra.get("checksum") == "sha256" and expected is not None and hasher.hexdigest() != expected:
            raise ValueError(f"the reference {entry.path!r} ({uri}) changed since it was logged: its SHA-256 is now "
                             f"{hasher.hexdigest()}, not {entry.digest}")
        os.replace(temp, target)
        return True
    except httpx.HTTPError as exc:
        raise ValueError(f"cannot download the reference {entry.path!r} ({uri}): {exc!r}") from exc
    finally:
        if os.path.exists(temp):
            os.unlink(temp)
