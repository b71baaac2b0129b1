"""Upload URLs for run files (W&B's createRunFiles). The official wandb client PUTs each file's contents to the
URL it was handed and sends no API key there, so the URL holds a token naming the run, the file and the user it
was made for, signed with a key derived from the server's secret key (servers sharing a database share it),
that expires after LIFETIME_SECONDS. The PUT is then checked as the user's own write to the run."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from dataclasses import dataclass

from ..automations import sealing
from ..errors import Forbidden, UserError
from ..settings import ServerSettings
from ..tables import Run
from . import files

LIFETIME_SECONDS = 3600
ROUTE = "/files/uploads/"
_PURPOSE = b"runbase: run file upload URLs"


@dataclass(frozen=True)
class Grant:
    """What a valid token allows: one file of one run, written as one user."""

    run_id: int
    user_id: int
    name: str


def _keys(settings: ServerSettings) -> list[bytes]:
    """The signing key first, then those of previous secret keys (still accepted during a rotation)."""
    return [hmac.new(key.encode(), _PURPOSE, hashlib.sha256).digest() for key in sealing.box_for(settings).keys]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(settings: ServerSettings, grant: Grant, *, now: float | None = None) -> str:
    expires = int((time.time() if now is None else now) + LIFETIME_SECONDS)
    payload = _b64(json.dumps({"r": grant.run_id, "u": grant.user_id, "n": grant.name, "x": expires},
                              separators=(",", ":")).encode())
    return f"{payload}.{_b64(hmac.new(_keys(settings)[0], payload.encode(), hashlib.sha256).digest())}"


def verify(settings: ServerSettings, token: str, *, now: float | None = None) -> Grant:
    """The grant of a token this server (or one sharing its secret key) signed and that has not expired."""
    refused = Forbidden("the upload URL is not valid (its token was not made by this server, or was changed); "
                        "ask for a new one (createRunFiles)")
    payload, _, signature = token.partition(".")
    try:
        mac = _unb64(signature)
        fields = json.loads(_unb64(payload)) if any(
            hmac.compare_digest(mac, hmac.new(key, payload.encode(), hashlib.sha256).digest())
            for key in _keys(settings)) else None
    except (binascii.Error, ValueError, UnicodeError):
        raise refused from None
    if not isinstance(fields, dict):
        raise refused
    if fields["x"] < (time.time() if now is None else now):
        raise Forbidden(f"the upload URL expired (they last {LIFETIME_SECONDS} seconds); ask for a new one "
                        "(createRunFiles)")
    return Grant(run_id=fields["r"], user_id=fields["u"], name=fields["n"])


def urls(settings: ServerSettings, run: Run, user_id: int, names: list[str], *, base_url: str
         ) -> list[tuple[str, str]]:
    """(name, upload URL) for each file of a run the user may write (runs.writable found it)."""
    if len(names) > files.MAX_FILES_PER_REQUEST:
        raise UserError(f"at most {files.MAX_FILES_PER_REQUEST} files per request, not {len(names)}")
    return [(name, base_url + ROUTE + sign(settings, Grant(run.id, user_id, files.check_name(name))))
            for name in names]
