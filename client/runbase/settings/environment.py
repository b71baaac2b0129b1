"""Settings from RUNBASE_*/WANDB_* variables, with W&B's names for them: every RUNBASE_ spelling wins over
every WANDB_ one, so runbase's own variables always beat W&B's."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from .fields import FIELDS
from .kinds import flag_text

PREFIXES = ("RUNBASE_", "WANDB_")
# W&B's variable names for settings whose own upper-cased name is not the variable's (both are read).
ENV_NAMES = {"root_dir": ("DIR",), "run_name": ("NAME",), "run_notes": ("NOTES",), "run_tags": ("TAGS",),
             "run_job_type": ("JOB_TYPE",), "x_graphql_timeout_seconds": ("HTTP_TIMEOUT",),
             "x_file_transfer_timeout_seconds": ("FILE_PUSHER_TIMEOUT",), "email": ("USER_EMAIL",),
             "x_service_transport": ("SERVICE_TRANSPORT",)}


def _first_set(names: Sequence[str], environ: Mapping[str, str]) -> tuple[str, str] | None:
    """(full name, value) of the first non-empty variable among RUNBASE_<name>, then WANDB_<name>."""
    for prefix in PREFIXES:
        for name in names:
            value = environ.get(prefix + name)
            if value:
                return prefix + name, value
    return None


def env(name: str) -> str | None:
    """RUNBASE_X, or WANDB_X so that W&B users' environments keep working."""
    found = _first_set((name,), os.environ)
    return found[1] if found is not None else None


def env_names(setting: str) -> list[str]:
    """The variables (without RUNBASE_/WANDB_) a setting is read from: W&B's name, then the setting's own
    upper-cased, and for x_ settings also W&B's double-underscore form (WANDB__FINISH_TIMEOUT)."""
    names = [*ENV_NAMES.get(setting, ()), setting.upper()]
    return names + ([f"_{setting[2:].upper()}"] if setting.startswith("x_") else [])


def env_setting(setting: str, environ: Mapping[str, str] | None = None) -> Any:
    """One setting's value from the environment (None when unset), parsed as its kind reads text, so a
    value that cannot be read is an error naming the variable wherever it is read."""
    found = _first_set(env_names(setting), os.environ if environ is None else environ)
    return None if found is None else FIELDS[setting].kind.parse(*found)


def env_values(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Every setting set in the environment; WANDB_DISABLED=true (HF's Trainer and others set it) is
    mode="disabled", over the MODE variable."""
    environ = os.environ if environ is None else environ
    values = {name: env_setting(name, environ) for name in FIELDS}
    disabled = _first_set(("DISABLED",), environ)
    if disabled is not None and flag_text(*disabled):
        values["mode"] = "disabled"
    return {name: value for name, value in values.items() if value is not None}
