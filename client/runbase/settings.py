"""SDK settings with W&B's names: init() arguments over Settings over RUNBASE_*/WANDB_* variables."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from typing import Any

from .errors import UsageError

DEFAULT_BASE_URL = "http://127.0.0.1:8080"
MODES = ("online", "offline", "disabled")
MODE_ALIASES = {"run": "online", "dryrun": "offline"}
RESUME = ("allow", "never", "must", "auto")
REINIT = ("default", "return_previous", "finish_previous", "create_new")
# W&B's console modes. runbase captures by wrapping sys.stdout/sys.stderr for all but "off";
# "redirect" (file-descriptor capture in W&B) falls back to that with a warning.
CONSOLE = ("auto", "off", "wrap", "redirect", "wrap_raw", "wrap_emu")


def env(name: str) -> str | None:
    """RUNBASE_X, or WANDB_X so that W&B users' environments keep working."""
    value = os.environ.get(f"RUNBASE_{name}")
    if value in (None, ""):
        value = os.environ.get(f"WANDB_{name}")
    return value or None


@dataclass
class Settings:
    api_key: str | None = None
    base_url: str | None = None
    entity: str | None = None
    project: str | None = None
    mode: str | None = None
    root_dir: str | None = None
    run_id: str | None = None
    run_name: str | None = None
    run_notes: str | None = None
    run_tags: tuple[str, ...] | None = None
    run_group: str | None = None
    run_job_type: str | None = None
    resume: str | None = None
    reinit: str | bool | None = None
    allow_val_change: bool | None = None
    heartbeat_seconds: float = 30.0
    init_timeout: float = 90.0
    quiet: bool = False
    silent: bool = False
    # Console capture (W&B's Settings.console); None means "auto".
    console: str | None = None
    # Seconds finish() waits for an unreachable server before leaving the data for `runbase sync`.
    x_finish_timeout: float = 300.0
    # Largest serialized history row the SDK accepts.
    x_max_row_bytes: int = 16 * 1024 * 1024
    extra: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_environment(cls) -> Settings:
        tags = env("TAGS")
        return cls(
            api_key=env("API_KEY"),
            base_url=env("BASE_URL"),
            entity=env("ENTITY"),
            project=env("PROJECT"),
            mode=env("MODE"),
            root_dir=env("DIR"),
            run_id=env("RUN_ID"),
            run_name=env("NAME"),
            run_notes=env("NOTES"),
            run_tags=tuple(t.strip() for t in tags.split(",") if t.strip()) if tags else None,
            run_group=env("RUN_GROUP"),
            run_job_type=env("JOB_TYPE"),
            resume=env("RESUME"),
            console=env("CONSOLE"),
        )

    def updated(self, values: Settings | dict[str, Any] | None) -> Settings:
        """A copy with the given non-None values applied; unknown names are an error."""
        if values is None:
            return dataclasses.replace(self)
        if isinstance(values, Settings):
            values = {f.name: getattr(values, f.name) for f in dataclasses.fields(values) if f.name != "extra"}
        if not isinstance(values, dict):
            raise UsageError(f"settings must be a runbase.Settings or a dict, not {type(values).__name__}")
        known = {f.name for f in dataclasses.fields(self)} - {"extra"}
        unknown = sorted(set(values) - known)
        if unknown:
            raise UsageError(f"unknown setting(s): {', '.join(unknown)}")
        return dataclasses.replace(self, **{k: v for k, v in values.items() if v is not None})

    def checked(self) -> Settings:
        mode = MODE_ALIASES.get(self.mode or "online", self.mode or "online")
        if mode == "shared":
            raise NotImplementedError("mode='shared' (several processes logging to one run) is not supported yet")
        if mode not in MODES:
            raise UsageError(f"mode must be one of {', '.join(MODES)}, not {self.mode!r}")
        if self.resume is not None and self.resume not in RESUME:
            raise UsageError(f"resume must be one of {', '.join(RESUME)} (or True/False), not {self.resume!r}")
        if self.reinit is not None and not isinstance(self.reinit, bool) and self.reinit not in REINIT:
            raise UsageError(f"reinit must be one of {', '.join(REINIT)} (or True/False), not {self.reinit!r}")
        console = self.console or "auto"
        if console not in CONSOLE:
            raise UsageError(f"console must be one of {', '.join(CONSOLE)}, not {self.console!r}")
        return dataclasses.replace(self, mode=mode, console=console)
