"""What an artifact holds: manifest entries (stored files named by SHA-256, or references to
outside URIs) and the manifest digest, which the server computes the same way to tell a new
version from one it already has."""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .._generated.fragments import ArtifactFileFields

if TYPE_CHECKING:
    from .artifact import Artifact

POLICIES = ("mutable", "immutable")
SHA256 = re.compile(r"[0-9a-f]{64}")


def check_sha256(digest: object, what: str) -> str:
    """A stored file's digest, which also names its place in the cache: anything but 64 hex digits (say
    "ab/../../x" from a bad server) could point outside it."""
    if not isinstance(digest, str) or not SHA256.fullmatch(digest):
        raise ValueError(f"{what}: {digest!r} is not a SHA-256 digest (64 lowercase hex digits)")
    return digest


def manifest_digest(entries: Iterable[ArtifactManifestEntry]) -> str:
    """SHA-256 (hex) of one line "path\\tdigest\\tsize\\tref\\n" per entry in path order; b"" when empty."""
    hasher = hashlib.sha256()
    for entry in sorted(entries, key=lambda e: e.path):
        size = "" if entry.size is None else str(entry.size)
        hasher.update(f"{entry.path}\t{entry.digest or ''}\t{size}\t{entry.ref or ''}\n".encode())
    return hasher.hexdigest()


@dataclass
class ArtifactManifestEntry:
    """One file of an artifact. A stored file has a SHA-256 `digest` and, while it is a draft's, a
    `local_path` to upload from; a reference has a `ref` URI and the checksum recorded for it (or none).
    `policy` and `skip_cache` say what the local copy is: see Artifact.add_file."""

    path: str
    digest: str | None
    size: int | None = None
    ref: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    local_path: str | None = None
    policy: str = "mutable"
    skip_cache: bool = False
    url: str | None = field(default=None, repr=False)  # where a logged stored file's contents are served
    _parent: Artifact | None = field(default=None, repr=False, compare=False)

    @property
    def is_reference(self) -> bool:
        return self.ref is not None

    def parent_artifact(self) -> Artifact:
        if self._parent is None:
            raise ValueError(f"the manifest entry {self.path!r} belongs to no artifact")
        return self._parent

    def ref_target(self) -> str:
        """The URI a reference points to."""
        if self.ref is None:
            raise ValueError(f"{self.path!r} is a stored file, not a reference")
        return self.ref

    def download(self, root: str | os.PathLike[str] | None = None, skip_cache: bool | None = None) -> str:
        """Download this one file of a logged artifact; returns its local path."""
        return self.parent_artifact()._download_entries([self], root, skip_cache, allow_missing_references=False)[0]

    def detached(self, parent: Artifact) -> ArtifactManifestEntry:
        """The same contents for another draft: the server holds them already, so no local copy."""
        return ArtifactManifestEntry(self.path, self.digest, self.size, ref=self.ref, extra=dict(self.extra),
                                     _parent=parent)

    def server_json(self) -> dict[str, Any]:
        """The entry as addArtifactFiles takes it."""
        if self.ref is None:
            return {"path": self.path, "sha256": self.digest, "size": self.size}
        return {"path": self.path, "ref": self.ref, "digest": self.digest, "size": self.size, "extra": self.extra}

    def record(self) -> dict[str, Any]:
        """The entry as the run's record log keeps it, local copy included, for `runbase sync`."""
        return {**self.server_json(), "local": self.local_path, "policy": self.policy, "skipCache": self.skip_cache}

    @classmethod
    def from_record(cls, data: dict[str, Any]) -> ArtifactManifestEntry:
        return cls(path=data["path"], digest=data.get("sha256") or data.get("digest"), size=data.get("size"),
                   ref=data.get("ref"), extra=data.get("extra") or {}, local_path=data.get("local"),
                   policy=data.get("policy", "mutable"), skip_cache=bool(data.get("skipCache")))

    @classmethod
    def from_fields(cls, fields: ArtifactFileFields) -> ArtifactManifestEntry:
        """An entry as the server lists it; a stored file's digest is checked, since it names a cache file."""
        digest = fields.digest if fields.ref is not None else check_sha256(
            fields.digest, f"the server listed the artifact file {fields.path!r} with a bad digest")
        return cls(path=fields.path, digest=digest, size=fields.size, ref=fields.ref,
                   extra=json.loads(fields.extra or "{}"), url=fields.url)


def folders_of(path: str) -> Iterable[str]:
    """The folders an entry (or object key) at `path` is in, innermost first."""
    while "/" in path:
        path = path.rsplit("/", 1)[0]
        yield path


class ArtifactManifest:
    """An artifact's entries by path, and how many of them each folder holds: a file and a folder of one name
    cannot both be written to disk, so adding one beside the other is refused."""

    def __init__(self, entries: Iterable[ArtifactManifestEntry] = ()) -> None:
        self.entries: dict[str, ArtifactManifestEntry] = {}
        self.folders: Counter[str] = Counter()
        for entry in entries:
            self.put(entry)

    def put(self, entry: ArtifactManifestEntry) -> None:
        """Keep an entry as it is, replacing the one at its path: one of a logged version, say."""
        if entry.path not in self.entries:
            self.folders.update(folders_of(entry.path))
        self.entries[entry.path] = entry

    def add_entry(self, entry: ArtifactManifestEntry, overwrite: bool = False, flag: str = "overwrite") -> None:
        """Add an entry; a different entry already at its path is an error unless `overwrite` (an argument
        the caller knows as `flag`), and so is a file where the artifact has a folder, or the reverse."""
        existing = self.entries.get(entry.path)
        if existing is not None and not overwrite and (existing.digest, existing.ref) != (entry.digest, entry.ref):
            raise ValueError(f"the artifact already has a different file at {entry.path!r}; pass {flag}=True "
                             "to replace it")
        below = next((path for path in self.entries if path.startswith(entry.path + "/")), None) \
            if self.folders[entry.path] else None
        above = next((folder for folder in folders_of(entry.path) if folder in self.entries), None)
        if below is not None or above is not None:
            file, inside = (entry.path, below) if below is not None else (above, entry.path)
            raise ValueError(f"the artifact cannot hold {inside!r} as well as {file!r}: no folder on disk can hold "
                             f"both a file and a folder named {file!r}; add one of them under another name")
        self.put(entry)

    def remove_entry(self, entry: ArtifactManifestEntry) -> None:
        if self.entries.get(entry.path) is not entry:
            raise FileNotFoundError(f"the artifact has no entry {entry.path!r}")
        del self.entries[entry.path]
        self.folders.subtract(folders_of(entry.path))

    def get_entry_by_path(self, path: str) -> ArtifactManifestEntry | None:
        return self.entries.get(path)

    def get_entries_in_directory(self, directory: str) -> list[ArtifactManifestEntry]:
        prefix = directory.rstrip("/") + "/"
        return [entry for path, entry in self.entries.items() if path.startswith(prefix)]

    def digest(self) -> str:
        return manifest_digest(self.entries.values())

    @property
    def size(self) -> int:
        """Total bytes of the entries whose size is known."""
        return sum(entry.size or 0 for entry in self.entries.values())

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Any:
        return iter(self.entries.values())

    def __repr__(self) -> str:
        return f"<ArtifactManifest {len(self.entries)} entries>"
