"""runbase: a self-hosted experiment tracker. `import runbase as wandb` works."""

from __future__ import annotations

__version__ = "0.1.0"

from typing import TYPE_CHECKING

from .apis.public import Api
from .artifacts import Artifact
from .credentials import login
from .errors import (
    ArtifactFinalizedError,
    ArtifactNotLoggedError,
    AuthenticationError,
    CommError,
    Error,
    UsageError,
)
from .files import restore, save
from .lifecycle import (
    finish,
    init,
    link_model,
    log,
    log_artifact,
    log_model,
    setup,
    teardown,
    use_artifact,
    use_model,
)
from .run import AlertLevel, Run
from .settings import Settings

if TYPE_CHECKING:
    from .config import Config
    from .summary import Summary

# The current run and its config and summary, set by init() and cleared by finish().
run: Run | None = None
config: Config | None = None
summary: Summary | None = None

__all__ = [
    "AlertLevel", "Api", "Artifact", "ArtifactFinalizedError", "ArtifactNotLoggedError", "AuthenticationError",
    "CommError", "Error", "Run", "Settings", "UsageError", "config", "finish", "init", "link_model", "log",
    "log_artifact", "log_model", "login", "restore", "run", "save", "setup", "summary", "teardown", "use_artifact",
    "use_model",
]
