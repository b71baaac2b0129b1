"""Download URLs for a version's files and its W&B manifest (File.directUrl, Artifact.currentManifest): the
official wandb client GETs them without an API key, as it would a cloud bucket's signed URLs, so each holds a
token naming the user, the version and the path (none: the manifest), sealed as upload URLs are
(runs/uploads.py) with a key of its own. The GET is then checked as the user's own read of the version."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from ..runs import uploads
from ..settings import ServerSettings

ROUTE = "/files/downloads/"
_PURPOSE = b"runbase: artifact download URLs"


@dataclass(frozen=True)
class Grant:
    """What a valid token allows: reading one file (or the manifest, path None) of one version as one user."""

    user_id: int
    artifact_id: int
    path: str | None


def url(settings: ServerSettings, grant: Grant, *, base_url: str) -> str:
    token = uploads.seal(settings, _PURPOSE, {"u": grant.user_id, "a": grant.artifact_id, "p": grant.path})
    name = "wandb_manifest.json" if grant.path is None else grant.path.rsplit("/", 1)[-1]
    return f"{base_url}{ROUTE}{token}/{quote(name, safe='')}"  # the name: what a browser saves it as


def verify(settings: ServerSettings, token: str) -> Grant:
    fields = uploads.unseal(settings, _PURPOSE, token, what="download URL (File.directUrl)")
    return Grant(user_id=fields["u"], artifact_id=fields["a"], path=fields["p"])
