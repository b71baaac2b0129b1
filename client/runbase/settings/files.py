"""W&B's settings files: INI files whose [default] section holds settings by name (`wandb login --host`
and `wandb init` write them). The system file is `settings` in the config directory (runbase's, and W&B's
WANDB_CONFIG_DIR or ~/.config/wandb); the workspace file is `settings` in the run folder of the root
directory (runbase/ and W&B's wandb/). Where both names exist, runbase's wins."""

from __future__ import annotations

import configparser
import os
from pathlib import Path
from typing import Any

from ..errors import UsageError
from .fields import FIELDS

SECTION = "default"
FILE_NAME = "settings"
RUN_FOLDERS = ("wandb", "runbase")  # read in this order: the later one wins


def wandb_config_dir() -> Path:
    return Path(os.environ.get("WANDB_CONFIG_DIR") or "~/.config/wandb").expanduser()


def system_files() -> list[Path]:
    """The system settings files, W&B's before runbase's."""
    from ..credentials import config_dir

    return [wandb_config_dir() / FILE_NAME, config_dir() / FILE_NAME]


def workspace_files(root_dir: str | None) -> list[Path]:
    """The workspace settings files under the root directory (the working directory if None)."""
    root = Path(root_dir or os.getcwd())
    return [root / folder / FILE_NAME for folder in RUN_FOLDERS]


def read(path: Path) -> dict[str, Any]:
    """The settings a file's [default] section sets (nothing if the file does not exist), each read as its
    variable would be; an unknown name or an unreadable value is an error naming the file and the key."""
    if not path.is_file():
        return {}
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, OSError, UnicodeDecodeError) as e:
        raise UsageError(f"cannot read the settings file {path}: {e}") from None
    if not parser.has_section(SECTION):
        return {}
    values: dict[str, Any] = {}
    for key, text in parser.items(SECTION):
        if key not in FIELDS:
            raise UsageError(f"unknown setting {key!r} in the settings file {path}")
        if text.strip():
            values[key] = FIELDS[key].kind.parse(f"{key} in the settings file {path}", text)
    return values


def read_all(paths: list[Path]) -> dict[str, Any]:
    """The files' settings merged, a later file's over an earlier one's."""
    merged: dict[str, Any] = {}
    for path in paths:
        merged.update(read(path))
    return merged
