"""The Public API: query and change what has been logged (W&B's `wandb.apis.public`)."""

from .api import Api
from .artifacts import (
    ArtifactCollection,
    ArtifactCollections,
    ArtifactFile,
    ArtifactFiles,
    Artifacts,
    ArtifactType,
    ArtifactTypes,
    RunArtifacts,
)
from .files import File, Files
from .projects import Project, Projects
from .registries import AddOnlyArtifactTypesList, Collections, Registries, Registry, RegistryMember, Versions
from .runs import Run, Runs
from .sweeps import Sweep, Sweeps
from .teams import Member, Team
from .users import User

__all__ = [
    "AddOnlyArtifactTypesList", "Api", "ArtifactCollection", "ArtifactCollections", "ArtifactFile", "ArtifactFiles",
    "ArtifactType", "ArtifactTypes", "Artifacts", "Collections", "File", "Files", "Member", "Project", "Projects",
    "Registries", "Registry", "RegistryMember", "Run", "RunArtifacts", "Runs", "Sweep", "Sweeps", "Team", "User",
    "Versions",
]
