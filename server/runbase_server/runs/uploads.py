"""Upload URLs for run files (W&B's createRunFiles) and for a PENDING artifact version's files and manifest
(createArtifactFiles, createArtifactManifest). The official wandb client PUTs each file's contents to the URL it
was handed and sends no API key there, so the URL holds a token naming the run or version, the file (with the MD5
the client declared for an artifact file) and the user it was made for, signed with a key derived from the
server's secret key (servers sharing a database share it), that expires after LIFETIME_SECONDS. The PUT is then
checked as the user's own write to the run or version."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any

from ..automations import sealing
from ..errors import Forbidden, UserError
from ..settings import ServerSettings
from ..tables import Artifact, Run
from . import files

LIFETIME_SECONDS = 3600
ROUTE = "/files/uploads/"
_PURPOSE = b"runbase: run file upload URLs"


@dataclass(frozen=True)
class Grant:
    """What a valid token allows: one file of one run, or of one artifact version (its contents' MD5 named, or
    the version's W&B manifest, or one part of a multipart upload of the file: artifacts/multipart.py), written
    as one user."""

    run_id: int | None
    user_id: int
    name: str
    artifact_id: int | None = None
    md5: str | None = None  # base64: the file's, or the part's
    manifest: bool = False
    upload: str | None = None  # the key of the multipart upload the part belongs to
    part: int | None = None


def _keys(settings: ServerSettings, purpose: bytes) -> list[bytes]:
    """The signing key first, then those of previous secret keys (still accepted during a rotation)."""
    return [hmac.new(key.encode(), purpose, hashlib.sha256).digest() for key in sealing.box_for(settings).keys]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def seal(settings: ServerSettings, purpose: bytes, fields: dict[str, Any], *, now: float | None = None) -> str:
    """A token holding `fields` and an expiry LIFETIME_SECONDS away, signed with a key for `purpose` alone (an
    upload token is no download token)."""
    expires = int((time.time() if now is None else now) + LIFETIME_SECONDS)
    payload = _b64(json.dumps({**fields, "x": expires}, separators=(",", ":")).encode())
    return f"{payload}.{_b64(hmac.new(_keys(settings, purpose)[0], payload.encode(), hashlib.sha256).digest())}"


def unseal(settings: ServerSettings, purpose: bytes, token: str, *, what: str, now: float | None = None
           ) -> dict[str, Any]:
    """The fields of a token this server (or one sharing its secret key) sealed for `purpose` that has not
    expired; `what` names the URL and where to ask for a new one in the refusal."""
    refused = Forbidden(f"the {what} is not valid (its token was not made by this server, or was changed); "
                        "ask for a new one")
    payload, _, signature = token.partition(".")
    try:
        mac = _unb64(signature)
        fields = json.loads(_unb64(payload)) if any(
            hmac.compare_digest(mac, hmac.new(key, payload.encode(), hashlib.sha256).digest())
            for key in _keys(settings, purpose)) else None
    except (binascii.Error, ValueError, UnicodeError):
        raise refused from None
    if not isinstance(fields, dict):
        raise refused
    if fields["x"] < (time.time() if now is None else now):
        raise Forbidden(f"the {what} expired (they last {LIFETIME_SECONDS} seconds); ask for a new one")
    return fields


def sign(settings: ServerSettings, grant: Grant, *, now: float | None = None) -> str:
    fields: dict[str, Any] = {"r": grant.run_id, "u": grant.user_id, "n": grant.name}
    if grant.artifact_id is not None:
        fields.update(a=grant.artifact_id, m=grant.md5, k=grant.manifest)
    if grant.upload is not None:
        fields.update(up=grant.upload, pt=grant.part)
    return seal(settings, _PURPOSE, fields, now=now)


def verify(settings: ServerSettings, token: str, *, now: float | None = None) -> Grant:
    """The grant of a token this server (or one sharing its secret key) signed and that has not expired."""
    fields = unseal(settings, _PURPOSE, token, what="upload URL (createRunFiles, createArtifactFiles)", now=now)
    return Grant(run_id=fields["r"], user_id=fields["u"], name=fields["n"], artifact_id=fields.get("a"),
                 md5=fields.get("m"), manifest=bool(fields.get("k")), upload=fields.get("up"), part=fields.get("pt"))


def urls(settings: ServerSettings, run: Run, user_id: int, names: list[str], *, base_url: str
         ) -> list[tuple[str, str]]:
    """(name, upload URL) for each file of a run the user may write (runs.writable found it)."""
    if len(names) > files.MAX_FILES_PER_REQUEST:
        raise UserError(f"at most {files.MAX_FILES_PER_REQUEST} files per request, not {len(names)}")
    return [(name, base_url + ROUTE + sign(settings, Grant(run.id, user_id, files.check_name(name))))
            for name in names]


def artifact_urls(settings: ServerSettings, artifact: Artifact, user_id: int, named: list[tuple[str, str]], *,
                  base_url: str) -> list[str]:
    """An upload URL for each (path, base64 MD5) of a PENDING version the user may write
    (versions.pending_writable found it): the PUT must bring contents with that MD5."""
    if len(named) > files.MAX_FILES_PER_REQUEST:
        raise UserError(f"at most {files.MAX_FILES_PER_REQUEST} files per request, not {len(named)}")
    return [base_url + ROUTE + sign(settings, Grant(artifact.run_id, user_id, files.check_name(path),
                                                    artifact_id=artifact.id, md5=md5)) for path, md5 in named]


def manifest_url(settings: ServerSettings, artifact: Artifact, user_id: int, name: str, *, base_url: str) -> str:
    """The upload URL of the W&B manifest of a PENDING version the user may write."""
    return base_url + ROUTE + sign(settings, Grant(artifact.run_id, user_id, name, artifact_id=artifact.id,
                                                   manifest=True))
