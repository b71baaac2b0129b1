"""runbase: a self-hosted experiment tracker. `import runbase as wandb` works."""

from __future__ import annotations

__version__ = "0.1.0"

from typing import TYPE_CHECKING, Any

from .credentials import login
from .errors import (
    ArtifactFinalizedError,
    ArtifactNotLoggedError,
    AuthenticationError,
    CommError,
    Error,
    UnsupportedError,
    UsageError,
)
from .features import require
from .lifecycle import (
    alert,
    define_metric,
    finish,
    init,
    link_model,
    log,
    log_artifact,
    log_model,
    mark_preempting,
    setup,
    teardown,
    unwatch,
    use_artifact,
    use_model,
    watch,
)
from .run import AlertLevel, Run, RunStatus
from .settings import Settings
from .sweeps import agent, controller, sweep
from .term import termerror, termlog, termsetup, termwarn

if TYPE_CHECKING:
    from .apis.public import Api
    from .artifacts import Artifact
    from .config import Config
    from .files import restore, save
    from .summary import Summary

# The current run and its config and summary, set by init() and cleared by finish().
run: Run | None = None
config: Config | None = None
summary: Summary | None = None

# Rich data types, custom charts, the Public API, Artifact and run files are imported when first used:
# `import runbase` needs none of the optional libraries they encode with, and a training script that never asks
# the API or makes an artifact does not pay for them (nor for the generated GraphQL models and httpx they load).
_LAZY = {**{name: "runbase.data_types" for name in ("Audio", "Classes", "Graph", "Histogram", "Html", "Image",
                                                       "Molecule", "Object3D", "Plotly", "Table", "Video", "box3d")},
         "plot_table": "runbase.plot", "plot": "runbase.plot", "data_types": "runbase.data_types",
         "Api": "runbase.apis.public", "Artifact": "runbase.artifacts", "restore": "runbase.files",
         "save": "runbase.files"}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'runbase' has no attribute {name!r}")
    import importlib

    module = importlib.import_module(_LAZY[name])
    value = module if module.__name__ == f"runbase.{name}" else getattr(module, name)
    globals()[name] = value
    return value

__all__ = [
    "AlertLevel", "Api", "Artifact", "Audio", "Graph", "Histogram", "Html", "Image", "Molecule", "Object3D", "Plotly",
    "Table", "Video", "box3d", "plot", "plot_table", "ArtifactFinalizedError", "ArtifactNotLoggedError",
    "AuthenticationError", "CommError", "Error", "Run", "RunStatus", "Settings", "UnsupportedError", "UsageError",
    "agent", "alert", "config", "controller", "define_metric", "finish", "init", "link_model", "log", "log_artifact",
    "log_model", "login", "mark_preempting", "require", "restore", "run", "save", "setup", "summary", "sweep",
    "teardown", "termerror", "termlog", "termsetup", "termwarn", "unwatch", "use_artifact", "use_model", "watch",
]
