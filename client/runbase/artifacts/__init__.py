"""Artifacts: versioned datasets, models and code, built locally and logged by runs."""

from .artifact import Artifact
from .manifest import ArtifactManifest, ArtifactManifestEntry

__all__ = ["Artifact", "ArtifactManifest", "ArtifactManifestEntry"]
