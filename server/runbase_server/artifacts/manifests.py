"""W&B's artifact manifest (JSON, storage policy wandb-storage-policy-v1), the document the official wandb client
uploads for a version it logs and downloads for one it uses: {"version": 1, "storagePolicy", "storagePolicyConfig",
"contents": {path: {"digest", "size", "ref"?, "extra"?}}}, a stored file named by the base64 MD5 of its contents.
runbase keeps its own entries (by SHA-256); this module reads the client's manifest into them and writes theirs
out in W&B's form."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from ..errors import UserError
from ..runs import files as run_files
from ..tables import ArtifactEntry

NAME = "wandb_manifest.json"
VERSION = 1
STORAGE_POLICY = "wandb-storage-policy-v1"
STORAGE_LAYOUT = "V2"
MAX_ENTRIES = 1_000_000


def check_md5(text: object, what: str) -> str:
    """A base64 MD5 digest (16 bytes), as W&B's clients name contents."""
    try:
        ok = isinstance(text, str) and len(base64.b64decode(text, validate=True)) == 16
    except (binascii.Error, ValueError):
        ok = False
    if not ok:
        raise UserError(f"{what} must be the base64 of a 16-byte MD5 digest, not {str(text)[:60]!r}")
    return str(text)


def _entry(path: str, entry: object) -> dict[str, Any]:
    """What runbase keeps of an entry; the client's own fields (local_path, skip_cache, ...) are not kept."""
    if not isinstance(entry, dict):
        raise UserError(f"manifest entry {path!r} must be a JSON object")
    size, ref, extra = entry.get("size"), entry.get("ref"), entry.get("extra") or {}
    if size is not None and (type(size) is not int or size < 0):
        raise UserError(f"manifest entry {path!r}: size must be a non-negative integer, not {size!r}")
    if not isinstance(extra, dict):
        raise UserError(f"manifest entry {path!r}: extra must be a JSON object")
    if ref is not None:
        if not isinstance(ref, str) or not isinstance(entry.get("digest"), str):
            raise UserError(f"manifest entry {path!r}: a reference needs a string ref and digest")
        return {"ref": ref, "digest": entry["digest"], "size": size, "extra": extra}
    if size is None:
        raise UserError(f"manifest entry {path!r}: a stored file needs its size")
    return {"digest": check_md5(entry.get("digest"), f"manifest entry {path!r}: digest"), "size": size,
            "extra": extra}


def parse(body: bytes) -> dict[str, dict[str, Any]]:
    """The contents of a manifest the client uploaded, by path, each checked; UserError names what is wrong."""
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        raise UserError("the artifact manifest is not JSON") from None
    if not isinstance(document, dict) or document.get("version") != VERSION:
        raise UserError(f"the artifact manifest must be a JSON object with version {VERSION}")
    if document.get("storagePolicy") != STORAGE_POLICY:
        raise UserError(f"the artifact manifest's storagePolicy must be {STORAGE_POLICY!r}, not "
                        f"{document.get('storagePolicy')!r}")
    contents = document.get("contents")
    if not isinstance(contents, dict) or len(contents) > MAX_ENTRIES:
        raise UserError(f"the artifact manifest's contents must be an object of at most {MAX_ENTRIES} entries")
    return {run_files.check_name(path): _entry(path, entry) for path, entry in contents.items()}


def render(entries: list[ArtifactEntry], birth_artifact_id: int) -> bytes:
    """A version's manifest in W&B's form; every stored entry's MD5 is known (the caller computed missing ones)."""
    contents: dict[str, dict[str, Any]] = {}
    for entry in entries:
        item: dict[str, Any] = {"digest": entry.md5 if entry.ref is None else entry.digest, "size": entry.size}
        if entry.ref is not None:
            item["ref"] = entry.ref
        else:
            item["birthArtifactID"] = str(birth_artifact_id)
        if entry.extra:
            item["extra"] = entry.extra
        contents[entry.path] = item
    return json.dumps({"version": VERSION, "storagePolicy": STORAGE_POLICY,
                       "storagePolicyConfig": {"storageLayout": STORAGE_LAYOUT}, "contents": contents}).encode()
