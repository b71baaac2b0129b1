"""Download URLs for a version's files and its W&B manifest (File.directUrl, Artifact.currentManifest), and for a
run's files (File.url, File.directUrl): the official wandb client GETs them without an API key, as it would a cloud
bucket's signed URLs, so each holds a token naming the user and the version and path (none: the manifest) or the
run and file name, sealed as upload URLs are (runs/uploads.py) with a key of its own. The GET is then checked as
the user's own read of the version or run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from ..runs import uploads
from ..settings import ServerSettings

ROUTE = "/files/downloads/"
_PURPOSE = b"runbase: artifact download URLs"


@dataclass(frozen=True)
class Grant:
    """What a valid token allows: reading as one user one file of one version (`artifact_id`; `path` None: its
    manifest), or one file of one run (`run_id`, `path` its name)."""

    user_id: int
    artifact_id: int | None
    path: str | None
    run_id: int | None = None


def url(settings: ServerSettings, grant: Grant, *, base_url: str) -> str:
    fields: dict[str, Any] = {"u": grant.user_id, "p": grant.path}
    fields.update({"a": grant.artifact_id} if grant.run_id is None else {"r": grant.run_id})
    token = uploads.seal(settings, _PURPOSE, fields)
    name = "wandb_manifest.json" if grant.path is None else grant.path.rsplit("/", 1)[-1]
    return f"{base_url}{ROUTE}{token}/{quote(name, safe='')}"  # the name: what a browser saves it as


def verify(settings: ServerSettings, token: str) -> Grant:
    fields = uploads.unseal(settings, _PURPOSE, token, what="download URL (File.url, File.directUrl)")
    return Grant(user_id=fields["u"], artifact_id=fields.get("a"), path=fields["p"], run_id=fields.get("r"))
