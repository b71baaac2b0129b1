"""Run files on the client: hashing, uploading only the blobs the server lacks, and
streamed, verified downloads. Contents go over the server's /files routes in
chunks, so no file is ever held whole in memory; GraphQL carries only names and
digests."""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar
from urllib.parse import unquote

import httpx

from . import direct
from ._generated.fragments import FileFields
from ._generated.input_types import UpsertRunFilesInput
from .errors import AuthenticationError, CommError, UsageError, present

if TYPE_CHECKING:
    from .connection import Connection

T = TypeVar("T")
CHUNK = 1 << 20
MAX_FILES_PER_REQUEST = 1000  # the server's limit for one upsertRunFiles
MAX_BUNDLE_FILES = 10_000  # the server's limit for one bundle or held-blobs request
WORKERS = 8  # requests at once for many files
MAX_NAME = 1024  # the server's limit on a file's name
SMALL_FILE_BYTES = 2 * 2**20  # files up to this size travel in bundles, larger ones alone
BUNDLE_BYTES = 16 * 2**20
BUNDLE_FILES = 2000
WINDOWS_DRIVE = re.compile(r"[A-Za-z]:")


def check_name(name: str, what: str = "run file name") -> str:
    """The server's rules for a file's path in a run (or an artifact), checked before anything is sent
    and again before anything downloaded is written, so no name can point outside its root."""
    if not isinstance(name, str) or not name or len(name) > MAX_NAME:
        raise ValueError(f"a {what} must be a non-empty string of at most {MAX_NAME} characters")
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise ValueError(f"{what} {name!r} must not contain NUL or other control characters")
    if "\\" in name:
        raise ValueError(f"{what} {name!r} must use '/' between directories, not backslashes")
    if name.startswith("/") or WINDOWS_DRIVE.match(name):
        raise ValueError(f"{what} {name!r} must be a relative path, not an absolute one")
    if any(part in ("", ".", "..") for part in name.split("/")):
        raise ValueError(f"{what} {name!r} must not contain empty, '.' or '..' components "
                         "(path traversal is refused)")
    return name


def name_under(path: str | os.PathLike[str], root: str | os.PathLike[str], what: str = "run file name") -> str:
    """The name of `path` relative to `root`, with '/' separators; it must lie inside root."""
    relative = os.path.relpath(os.path.abspath(path), os.path.abspath(root))
    if relative == os.pardir or relative.startswith(os.pardir + os.sep):
        raise ValueError(f"{os.fspath(path)!r} is not inside {os.fspath(root)!r}; pass a root that contains it")
    return check_name(Path(relative).as_posix(), what)


def digest_of(path: str | os.PathLike[str]) -> tuple[str, int]:
    """SHA-256 (hex) and size of a file, read in chunks."""
    hasher = hashlib.sha256()
    size = 0
    with open(path, "rb") as source:
        while chunk := source.read(CHUNK):
            hasher.update(chunk)
            size += len(chunk)
    return hasher.hexdigest(), size


def _chunks(path: str | os.PathLike[str], progress: Callable[[int], None] | None = None,
            offset: int = 0) -> Iterator[bytes]:
    with open(path, "rb") as source:
        source.seek(offset)
        while chunk := source.read(CHUNK):
            if progress is not None:
                progress(len(chunk))
            yield chunk


def bundles(items: list[T], size_of: Callable[[T], int]) -> list[list[T]]:
    """Groups of small items of at most BUNDLE_BYTES (or BUNDLE_FILES) each, to go in one request."""
    groups: list[list[T]] = [[]]
    total = 0
    for item in items:
        if groups[-1] and (total + size_of(item) > BUNDLE_BYTES or len(groups[-1]) == BUNDLE_FILES):
            groups.append([])
            total = 0
        groups[-1].append(item)
        total += size_of(item)
    return [group for group in groups if group]


def _failure(response: httpx.Response, what: str, base_url: str) -> CommError:
    code = None
    try:
        errors = json.loads(response.read())["errors"]
        message = "; ".join(error["message"] for error in errors)
        code = (errors[0].get("extensions") or {}).get("code") if errors else None
    except (ValueError, KeyError, TypeError, AttributeError):
        message = response.reason_phrase
    if response.status_code == 401:
        return AuthenticationError(f"the server at {base_url} refused the API key: {message}", status=401)
    return CommError(f"{what}: HTTP {response.status_code} from {base_url}: {message}",
                     retryable=response.status_code >= 500 or response.status_code == 429,
                     status=response.status_code, code=code if isinstance(code, str) else None)


def split_run_path(path: str, entity: str | None = None, project: str | None = None) -> tuple[str | None, str, str]:
    """entity/project/run_id (or entity/project/runs/run_id, project/run_id, run_id) with defaults filled in."""
    parts = [part for part in path.strip().split("/") if part]
    if "runs" in parts[:-1]:
        parts.remove("runs")
    if len(parts) == 3:
        return parts[0], parts[1], parts[2]
    if len(parts) == 2:
        return entity, parts[0], parts[1]
    if len(parts) == 1 and project:
        return entity, project, parts[0]
    raise UsageError(f"cannot read a run path from {path!r}: use entity/project/run_id")


class FileClient:
    """Uploads and downloads file contents for one server, with a Connection's authenticated HTTP client."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.http = connection.http
        self.transfer = connection.network.transfer_options()  # x_file_transfer_timeout_seconds
        self.base_url = connection.base_url

    def _retry(self, action: Callable[[], T]) -> T:
        """The request again after a passing failure (connection errors, 429, 5xx), with backoff, per the
        connection's x_file_transfer_* settings. Safe for every request here: blobs are named by their
        contents and downloads restart into a fresh temporary file."""
        return self.connection.network.transfer_retry.run(action)

    def absolute(self, url: str) -> str:
        """A File's url (a path on the server) as a full URL."""
        return url if url.startswith(("http://", "https://")) else self.base_url + url

    def has_blob(self, digest: str) -> bool:
        return self._retry(lambda: self._has_blob(digest))

    def _has_blob(self, digest: str) -> bool:
        return self._kept(digest) is None

    def _kept(self, digest: str) -> int | None:
        """None when the viewer's blob is stored, else how much of their interrupted upload the server kept."""
        try:
            response = self.http.head(f"{self.base_url}/files/blobs/{digest}", **self.transfer)
        except httpx.TransportError as exc:
            raise CommError(f"cannot reach the runbase server at {self.base_url}: {exc!r}", retryable=True) from exc
        if response.status_code == 404:
            kept = response.headers.get("x-runbase-upload-offset", "0")
            return int(kept) if kept.isdigit() else 0
        if response.status_code != 200:
            raise _failure(response, f"checking for blob {digest}", self.base_url)
        return None

    def _offer(self) -> direct.Offer | None:
        """The server's offer of direct transfers to its object store (asked once per connection)."""
        def ask() -> Any:
            try:
                return self._get_json("/files/direct", "asking about direct transfers")
            except CommError as exc:
                if exc.status == 404:  # a server from before direct transfers
                    return None
                raise

        return self.connection.direct.offer(lambda: self._retry(ask))

    def put_blob(self, path: str | os.PathLike[str], digest: str, size: int,
                 progress: Callable[[int], None] | None = None) -> None:
        """Stream the file to the server, or straight to its object store where it offers that (direct.py); it
        refuses contents that do not hash to `digest`. A retry after a broken connection sends only what the
        server (or the store) did not keep. `progress` is told the size of each chunk as it goes (a retry first
        corrects it to the part kept)."""
        attempts = reported = 0
        lock = threading.Lock()

        def report(count: int) -> None:
            nonlocal reported
            with lock:
                reported += count
            if progress is not None:
                progress(count)

        offer = self._offer()
        if offer is not None and size >= offer.min_bytes:
            def send() -> None:
                nonlocal attempts
                attempts += 1
                if attempts > 1 and self._has_blob(digest):  # another process of this user stored it meanwhile
                    report(size - reported)
                    return
                report(-reported)  # from what the store holds: the upload says
                self.connection.direct.upload(self._post_json, path, digest, size, offer, report)

            try:
                self._retry(send)
                return
            except direct.DirectTransfersOff:  # this server (of several behind one address) takes none: through it
                attempts = 0

        def attempt() -> None:
            nonlocal attempts
            attempts += 1
            offset = 0 if attempts == 1 else self._kept(digest)
            if offset is None:
                return  # the broken request got through after all
            report(offset - reported)
            self._put_blob(path, digest, size, report, offset=offset)

        self._retry(attempt)

    def _put_blob(self, path: str | os.PathLike[str], digest: str, size: int,
                  progress: Callable[[int], None] | None, *, offset: int = 0) -> None:
        headers = {"Content-Length": str(size - offset), "Content-Type": "application/octet-stream"}
        if offset:
            headers["Content-Range"] = f"bytes {offset}-{size - 1}/{size}"
        try:
            response = self.http.put(f"{self.base_url}/files/blobs/{digest}", content=_chunks(path, progress, offset),
                                     headers=headers, **self.transfer)
        except httpx.TransportError as exc:
            raise CommError(f"uploading {os.fspath(path)!r} to {self.base_url} failed: {exc!r}",
                            retryable=True) from exc
        if response.status_code == 400 and "DIGEST_MISMATCH" in response.text:
            raise CommError(f"{os.fspath(path)!r} changed while it was being uploaded (the server got contents "
                            f"that do not hash to {digest}); nothing was stored")
        if response.status_code == 409:  # the kept part changed under us: start again from where it is now
            raise CommError(f"resuming the upload of {os.fspath(path)!r} at byte {offset} was refused",
                            retryable=True, status=409)
        if response.status_code not in (200, 201):
            raise _failure(response, f"uploading {os.fspath(path)!r}", self.base_url)

    def send(self, files: Sequence[tuple[str | os.PathLike[str], str, int]],
             progress: Callable[[int], None] | None = None) -> None:
        """Upload blobs (local path, digest, size) several requests at a time: small files in bundles, large
        ones alone (streamed, resumable)."""
        small = [item for item in files if item[2] <= SMALL_FILE_BYTES]
        large = [item for item in files if item[2] > SMALL_FILE_BYTES]
        if len(small) <= BUNDLE_FILES and sum(item[2] for item in small) <= BUNDLE_BYTES and len(large) <= 1:
            for group in bundles(small, lambda item: item[2]):  # one request or none: no threads needed
                self.put_bundle(group, progress)
            for path, digest, size in large:
                self.put_blob(path, digest, size, progress)
            return
        from .console import ignore_this_thread

        with ThreadPoolExecutor(WORKERS, initializer=ignore_this_thread) as pool:
            jobs = [pool.submit(self.put_bundle, group, progress) for group in bundles(small, lambda item: item[2])]
            jobs += [pool.submit(self.put_blob, path, digest, size, progress) for path, digest, size in large]
            for job in jobs:
                job.result()

    def upload(self, entity: str | None, project: str, run: str,
               files: Sequence[tuple[str, str | os.PathLike[str]]]) -> list[FileFields]:
        """Save local files to a run as (name, local path): blobs the server has are not sent again."""
        entries = []
        hashed = []
        for name, path in files:
            check_name(name)
            digest, size = digest_of(path)
            entries.append({"name": name, "sha256": digest, "size": size})
            hashed.append((path, digest, size))
        held = self.held(list({digest for _, digest, _ in hashed}))
        self.send(list({digest: (path, digest, size) for path, digest, size in hashed if digest not in held}.values()))
        saved: list[FileFields] = []
        for start in range(0, len(entries), MAX_FILES_PER_REQUEST):
            batch = entries[start:start + MAX_FILES_PER_REQUEST]
            request = UpsertRunFilesInput(entity_name=entity, project_name=project, run_name=run,
                                          files=json.dumps(batch))
            result = self._retry(partial(self.connection.upsert_run_files, request))
            saved.extend(present(result.upsert_run_files, "files").files)
        return saved

    def held(self, digests: Sequence[str]) -> set[str]:
        """Which of the blobs the server holds for this user (so they need no upload), in few requests."""
        found: set[str] = set()
        for start in range(0, len(digests), MAX_BUNDLE_FILES):
            batch = list(digests[start:start + MAX_BUNDLE_FILES])
            found.update(self._retry(partial(self._post_json, "/files/blobs/held", {"digests": batch},
                                           "checking which files the server has"))["held"])
        return found

    def _post_json(self, path: str, body: dict[str, Any], what: str, expect: int = 200) -> Any:
        try:
            response = self.http.post(self.base_url + path, json=body, **self.transfer)
        except httpx.TransportError as exc:
            raise CommError(f"{what} at {self.base_url} failed: {exc!r}", retryable=True) from exc
        if response.status_code != expect:
            raise _failure(response, what, self.base_url)
        return response.json()

    def _get_json(self, path: str, what: str) -> Any:
        try:
            response = self.http.get(self.base_url + path, **self.transfer)
        except httpx.TransportError as exc:
            raise CommError(f"{what} at {self.base_url} failed: {exc!r}", retryable=True) from exc
        if response.status_code != 200:
            raise _failure(response, what, self.base_url)
        return response.json()

    def put_bundle(self, files: Sequence[tuple[str | os.PathLike[str], str, int]],
                   progress: Callable[[int], None] | None = None) -> None:
        """Upload many small files (local path, digest, size) in one request; the server checks each digest.
        A retry sends the whole bundle again, which stores nothing twice."""
        def body() -> Iterator[bytes]:
            for path, digest, size in files:
                yield f"{digest} {size}\n".encode()
                with open(path, "rb") as source:
                    contents = source.read(size + 1)
                if len(contents) != size:
                    raise CommError(f"{os.fspath(path)!r} changed size while it was being uploaded")
                if progress is not None:
                    progress(size)
                yield contents

        def send() -> None:
            try:
                response = self.http.post(f"{self.base_url}/files/blobs", **self.transfer, content=body(),
                                          headers={"Content-Type": "application/octet-stream"})
            except httpx.TransportError as exc:
                raise CommError(f"uploading {len(files)} files to {self.base_url} failed: {exc!r}",
                                retryable=True) from exc
            if response.status_code != 201:  # DIGEST_MISMATCH: a file changed since it was hashed
                raise _failure(response, f"uploading {len(files)} files", self.base_url)

        self._retry(send)

    def download_bundle(self, url: str, files: dict[str, tuple[str, Path]]) -> None:
        """Download many small files of an artifact in one request: `url` is its bundle route and `files`
        maps each path to (digest, where to write it). Each file is checked against its digest before it
        replaces anything; a file the answer lacks is an error."""
        self._retry(lambda: self._download_bundle(url, files))

    def _download_bundle(self, url: str, files: dict[str, tuple[str, Path]]) -> None:
        got: set[str] = set()
        try:
            with self.http.stream("POST", self.absolute(url), json={"paths": list(files)}, **self.transfer) as response:
                if response.status_code != 200:
                    raise _failure(response, f"downloading {len(files)} files", self.base_url)
                records = _BundleRecords(response.iter_bytes(CHUNK))
                while (record := records.header()) is not None:
                    digest, size, path = record
                    if path not in files or files[path][0] != digest:
                        raise CommError(f"the server sent {path!r} ({digest}), which was not asked for")
                    _write_checked(records.body(size), files[path][1], digest, path)
                    got.add(path)
        except httpx.TransportError as exc:
            raise CommError(f"downloading {len(files)} files from {self.base_url} failed: {exc!r}",
                            retryable=True) from exc
        missing = [path for path in files if path not in got]
        if missing:
            raise CommError(f"the server did not send {len(missing)} of the files asked for, e.g. {missing[0]!r}")

    def download(self, url: str, target: Path, digest: str) -> None:
        """Stream a file to `target` through a temporary file beside it, checking its SHA-256 before
        it replaces anything."""
        self._retry(lambda: self._download(url, target, digest))

    def _download(self, url: str, target: Path, digest: str) -> None:
        """A large file of a server with an object store comes from the store, where the server redirects."""
        try:
            with self.http.stream("GET", self.absolute(url), headers={direct.HEADER: "1"},
                                  **self.transfer) as response:
                if response.status_code == 307 and "location" in response.headers:
                    with self.connection.direct.stream(response.headers["location"]) as stored:
                        if stored.status_code != 200:
                            raise CommError(f"downloading {url} from the object store: HTTP {stored.status_code}",
                                            retryable=stored.status_code in (403, 429) or stored.status_code >= 500)
                        _write_checked(stored.iter_bytes(CHUNK), target, digest, url)
                    return
                if response.status_code != 200:
                    raise _failure(response, f"downloading {url}", self.base_url)
                _write_checked(response.iter_bytes(CHUNK), target, digest, url)
        except httpx.TransportError as exc:
            raise CommError(f"downloading {url} failed: {exc!r}", retryable=True) from exc


class _BundleRecords:
    """Reads a download bundle ("SHA256 SIZE PATH\\n" then SIZE bytes, repeated) from a byte stream."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.chunks = chunks
        self.buffer = b""

    def _fill(self) -> bool:
        chunk = next(self.chunks, None)
        if chunk is None:
            return False
        self.buffer += chunk
        return True

    def header(self) -> tuple[str, int, str] | None:
        while b"\n" not in self.buffer:
            if not self._fill():
                if self.buffer:
                    raise CommError("the server's answer ended inside a file header")
                return None
        line, self.buffer = self.buffer.split(b"\n", 1)
        digest, size, path = line.decode().split(" ", 2)
        return digest, int(size), unquote(path)

    def body(self, size: int) -> Iterator[bytes]:
        left = size
        while left:
            if not self.buffer and not self._fill():
                raise CommError("the server's answer ended inside a file")
            piece, self.buffer = self.buffer[:left], self.buffer[left:]
            left -= len(piece)
            yield piece


def _write_checked(chunks: Iterable[bytes], target: Path, digest: str, what: str) -> None:
    """Write chunks to `target` through a temporary file beside it, replacing it only if they hash to digest."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        hasher = hashlib.sha256()
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                hasher.update(chunk)
                out.write(chunk)
        if hasher.hexdigest() != digest:
            raise CommError(f"the download of {what} does not hash to {digest}; nothing was written")
        os.replace(temp, target)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)


def restore_file(connection: Connection, entity: str | None, project: str, run: str, *, name: str, replace: bool,
                 root: str | os.PathLike[str]) -> IO[str] | None:
    """runbase.restore: None when the run has no such file; an existing local copy is kept unless `replace`."""
    check_name(name)
    found = connection.run_file(entity=entity, project=project, run=run, name=name).project
    if found is None or found.run is None:
        raise ValueError(f"no run {entity or '(default entity)'}/{project}/{run} (or no access to it)")
    attrs = found.run.file
    if attrs is None:
        return None
    target = Path(root) / name
    if replace or not target.exists():
        FileClient(connection).download(attrs.url, target, attrs.digest)
    return open(target)  # noqa: SIM115 - W&B returns the open file



def restore(name: str, run_path: str | None = None, replace: bool = False,
            root: str | os.PathLike[str] | None = None) -> IO[str] | None:
    """runbase.restore(): a file of the active run (or of `run_path`, needed when no run is active),
    downloaded into the run directory (or `root`, else the current directory) and returned open."""
    import runbase

    if runbase.run is not None:
        return runbase.run.restore(name, run_path=run_path, replace=replace, root=root)
    if run_path is None:
        raise UsageError("runbase.restore() needs run_path='entity/project/run_id' when no run is active")
    from .apis.public import Api

    api = Api()
    entity, project, run_id = split_run_path(run_path, api.default_entity, api.settings["project"])
    try:
        return restore_file(api.client, entity, project, run_id, name=name, replace=replace,
                            root=root if root is not None else ".")
    finally:
        api.client.close()


def save(glob_str: str | os.PathLike[str], base_path: str | os.PathLike[str] | None = None,
         policy: str = "live") -> list[str]:
    """runbase.save(): run.save() on the active run, as W&B scripts call it."""
    import runbase

    if runbase.run is None:
        raise UsageError("call runbase.init() before runbase.save()")
    return runbase.run.save(glob_str, base_path=base_path, policy=policy)
