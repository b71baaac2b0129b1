"""Artifacts: versioned datasets, models and code, built locally and logged by runs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .artifact import Artifact
    from .manifest import ArtifactManifest, ArtifactManifestEntry

__all__ = ["Artifact", "ArtifactManifest", "ArtifactManifestEntry"]


def __getattr__(name: str) -> Any:
    """Artifact and its manifest are imported when first asked for: they load the generated GraphQL models and
    httpx, which the run-side modules here (code.py's defaults, names.py) and a run that logs none need not."""
    if name == "Artifact":
        from .artifact import Artifact

        return Artifact
    if name in ("ArtifactManifest", "ArtifactManifestEntry"):
        from . import manifest

        return getattr(manifest, name)
    raise AttributeError(f"module 'runbase.artifacts' has no attribute {name!r}")
