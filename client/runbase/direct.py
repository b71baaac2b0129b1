"""Direct transfers on the SDK's side: where the server keeps file contents in an object store, files of at least
the size it offers go to the store and come from it through presigned URLs, never through the server (the
server's artifacts/direct_uploads.py says what each URL allows and what the store checks).

An upload hashes the file's parts (the server names the blob by what the store can check), asks the server to
start it, or to go on with the one this user started before (in this process or an earlier one), sends the parts
the store lacks a few at a time, each with its signed SHA-256, and asks the server to complete it. A broken
connection, an expired URL or a part the store lacks is handled by starting again, which sends only what is
missing. A download the server redirects is fetched from the store and checked against its SHA-256 as any is."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from .errors import CommError

if TYPE_CHECKING:
    from .network import Network

HEADER = "X-Runbase-Direct"  # asks the server for a redirect to the store where it has one
OFF = "DIRECT_TRANSFERS_OFF"  # the error code of a server that takes no direct transfers
PARTS_IN_FLIGHT = 4  # parts of one file sent at once
CHUNK = 1 << 20
Post = Callable[[str, dict[str, Any], str, int], Any]  # FileClient._post_json


@dataclass(frozen=True)
class Offer:
    """What the server's GET /files/direct said: direct transfers for files of at least `min_bytes`, in parts
    of `part_bytes` (or more, so that no file needs more than `max_parts`)."""

    min_bytes: int
    part_bytes: int
    max_parts: int

    def part_size(self, size: int) -> int:
        return max(self.part_bytes, -(-size // self.max_parts))


def part_digests(path: str | os.PathLike[str], part_size: int) -> tuple[str, list[str]]:
    """The SHA-256 (hex) of the whole file and of each `part_size` bytes of it (the last part shorter), in one
    reading: the store checks the parts, so the whole must be what was declared when they are hashed."""
    whole, digests = hashlib.sha256(), list[str]()
    with open(path, "rb") as source:
        while True:
            hasher, left = hashlib.sha256(), part_size
            while left and (chunk := source.read(min(CHUNK, left))):
                hasher.update(chunk)
                whole.update(chunk)
                left -= len(chunk)
            if left == part_size:
                return whole.hexdigest(), digests or [hasher.hexdigest()]
            digests.append(hasher.hexdigest())


def _part(path: str | os.PathLike[str], offset: int, size: int, progress: Callable[[int], None]) -> Iterator[bytes]:
    with open(path, "rb") as source:
        source.seek(offset)
        left = size
        while left and (chunk := source.read(min(CHUNK, left))):
            left -= len(chunk)
            progress(len(chunk))
            yield chunk


def _store_error(response: httpx.Response) -> str:
    text = response.text
    code = text.split("<Code>", 1)[1].split("</Code>", 1)[0] if "<Code>" in text else ""
    return f"HTTP {response.status_code} {code}".strip()


class DirectTransfersOff(CommError):
    """The server that answered takes no direct transfers, though the one that made the offer did (servers behind
    one address with other settings): the file goes through the server instead."""


@contextmanager
def _again_on(*statuses: int) -> Iterator[None]:
    """The server's refusals with these statuses are passing: the next attempt starts the upload again from what
    the store holds. A server without direct transfers is DirectTransfersOff."""
    try:
        yield
    except CommError as exc:
        if exc.code == OFF:
            raise DirectTransfersOff(str(exc), status=exc.status, code=exc.code) from exc
        if exc.status not in statuses:
            raise
        raise CommError(str(exc), retryable=True, status=exc.status) from exc


class DirectStore:
    """One connection's view of its server's object store: the offer (asked once) and an HTTP client for
    presigned URLs, which carries none of the headers meant for the server (its API key least of all)."""

    def __init__(self, network: Network) -> None:
        self.network = network
        self.lock = threading.Lock()
        self.asked = False
        self.offered: Offer | None = None
        self._http: httpx.Client | None = None

    def offer(self, ask: Callable[[], Any]) -> Offer | None:
        """The server's offer, from `ask` (its GET /files/direct) the first time; None when it has none."""
        with self.lock:
            if not self.asked:
                answer = ask()
                if isinstance(answer, dict) and answer.get("direct"):
                    self.offered = Offer(int(answer["minBytes"]), int(answer["partBytes"]), int(answer["maxParts"]))
                self.asked = True
            return self.offered

    @property
    def http(self) -> httpx.Client:
        with self.lock:
            if self._http is None:
                self._http = self.network.store_client()
            return self._http

    def close(self) -> None:
        if self._http is not None:
            self._http.close()

    def upload(self, post: Post, path: str | os.PathLike[str], digest: str, size: int, offer: Offer,
               progress: Callable[[int], None]) -> None:
        """One attempt at sending the file: start (or resume) it, send the missing parts, complete it. A
        retryable CommError means the next attempt goes on from what the store holds."""
        part_size = offer.part_size(size)
        whole, parts = part_digests(path, part_size)
        if whole != digest:
            raise CommError(f"{path!r} changed since it was hashed for the upload; nothing was stored")
        # partSize: the offer's, which a server with another setting (behind the same address) takes too
        with _again_on(409):  # another process of this user is starting the same file
            started = post("/files/direct/uploads", {"sha256": digest, "size": size, "partSize": part_size,
                                                     "parts": parts}, f"starting the upload of {path!r}", 200)
        if started.get("partSize", part_size) != part_size:  # a server from before partSize, set otherwise
            raise CommError(f"the server cuts {path!r} into parts of {started['partSize']} bytes, not the "
                            f"{part_size} its offer said; nothing was stored")
        progress(sum(min(part_size, size - (number - 1) * part_size) for number in started["uploaded"]))
        with ThreadPoolExecutor(PARTS_IN_FLIGHT) as pool:
            sent = [pool.submit(self._put_part, path, part, (part["number"] - 1) * part_size, progress)
                    for part in started["parts"]]
            for each in sent:
                each.result()
        # 409: parts missing; 404: the upload is gone (another process of this user completed it, or the store
        # dropped it after the grace period)
        with _again_on(404, 409):
            post(f"/files/direct/uploads/{started['id']}/complete", {}, f"completing the upload of {path!r}", 201)

    def _put_part(self, path: str | os.PathLike[str], part: dict[str, Any], offset: int, progress: Callable[[int], None]) -> None:
        headers = part["headers"]
        try:
            response = self.http.put(part["url"], headers=headers, content=_part(
                path, offset, int(headers["content-length"]), progress), **self.network.transfer_options())
        except httpx.TransportError as exc:
            raise CommError(f"sending part {part['number']} of {path!r} to the object store failed: {exc!r}",
                            retryable=True) from exc
        if response.status_code == 400 and "BadDigest" in response.text:
            raise CommError(f"{path!r} changed while it was being uploaded (part {part['number']} does not hash to "
                            "what was declared); nothing was stored")
        # 403 for an expired URL, 404 for an upload gone (completed by another process of this user, or dropped
        # after the grace period), 5xx: the next attempt starts again with fresh URLs
        if response.status_code != 200:
            raise CommError(f"the object store refused part {part['number']} of {path!r}: {_store_error(response)}",
                            retryable=response.status_code in (403, 404, 429) or response.status_code >= 500,
                            status=response.status_code)

    def stream(self, url: str) -> Any:
        """A GET of a presigned URL, streamed (a context manager, as httpx.Client.stream)."""
        return self.http.stream("GET", url, **self.network.transfer_options())
