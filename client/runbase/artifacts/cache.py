"""The local artifact cache: file contents by SHA-256, so that a file already downloaded (or logged
from this machine) is copied from disk instead of fetched again, and staged copies of files added
to drafts, so that later edits by the user cannot change what gets uploaded.

The cache lives in $RUNBASE_CACHE_DIR/artifacts (default ~/.cache/runbase/artifacts). Nothing in it
is trusted: every copy out of it is hashed as it is made, and a file that no longer matches its
name is deleted and fetched again."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import uuid
from pathlib import Path

from ..files import CHUNK
from ..settings import env
from .manifest import check_sha256


def default_root() -> Path:
    base = env("CACHE_DIR")
    return (Path(base).expanduser() if base else Path.home() / ".cache" / "runbase") / "artifacts"


def copy_hashing(source: str | os.PathLike[str], target: Path, expect: str | None = None) -> tuple[str, int]:
    """Copy a file to `target` through a temporary file beside it, in chunks; returns the SHA-256
    (hex) and size of what was copied. With `expect`, contents of another digest leave the target
    as it was."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        hasher = hashlib.sha256()
        size = 0
        with open(source, "rb") as src, os.fdopen(fd, "wb") as out:
            while chunk := src.read(CHUNK):
                hasher.update(chunk)
                out.write(chunk)
                size += len(chunk)
        if expect is None or hasher.hexdigest() == expect:
            os.replace(temp, target)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)
    return hasher.hexdigest(), size


class ArtifactCache:
    """Content-addressed files under one root: obj/sha256/ab/cdef... and staging/ for private copies."""

    def __init__(self, root: str | os.PathLike[str] | None = None) -> None:
        self.root = Path(root) if root is not None else default_root()

    def path(self, digest: str) -> Path:
        check_sha256(digest, "artifact cache")
        return self.root / "obj" / "sha256" / digest[:2] / digest[2:]

    def stage(self, source: str | os.PathLike[str], skip_cache: bool) -> tuple[str, int, Path]:
        """Copy a file the user added to a draft, hashing it on the way: into the cache, or with
        `skip_cache` into a private staging file that is deleted once uploaded. Returns the digest,
        size and where the copy is."""
        staging = self.root / "staging"
        staged = staging / uuid.uuid4().hex
        digest, size = copy_hashing(source, staged)
        if skip_cache:
            return digest, size, staged
        cached = self.path(digest)
        cached.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged, cached)  # same file system: a rename, and it replaces any bad copy
        return digest, size, cached

    def add(self, source: str | os.PathLike[str], digest: str) -> None:
        """Keep a file known by its digest (an immutable file just uploaded, say) as a hard link, not a copy:
        nothing here is trusted on the way out, so a file the user changes in place later is caught then.
        Across file systems (where links fail) the file is simply not kept."""
        cached = self.path(digest)
        if cached.exists():
            return
        cached.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, cached)
        except OSError:
            pass  # a cache is an optimization

    def copy_out(self, digest: str, target: Path) -> bool:
        """Copy the cached contents for `digest` to `target`, checking them on the way; False (and the
        bad copy dropped) when the cache does not have them intact."""
        cached = self.path(digest)
        if not cached.is_file():
            return False
        try:
            copied, _ = copy_hashing(cached, target, expect=digest)
        except FileNotFoundError:  # removed meanwhile by another process
            return False
        if copied != digest:
            cached.unlink(missing_ok=True)
            return False
        return True

    def copy_fresh(self, digest: str, target: Path) -> None:
        """Put a cache file that was just written and checked (a download) at `target` without hashing it
        again: as a hard link, so a large file is written once, or as a copy across file systems. A file the
        user later changes in place changes the cached one too, which the check on the way out catches."""
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = target.parent / f".{target.name}.{uuid.uuid4().hex}"
        try:
            try:
                os.link(self.path(digest), temp)
            except OSError:
                shutil.copyfile(self.path(digest), temp)
            os.replace(temp, target)
        finally:
            if os.path.exists(temp):
                os.unlink(temp)