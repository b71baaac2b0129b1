"""W&B's settings files: INI files whose [default] section holds settings by name (`wandb login --host`
and `wandb init` write them). The system file is `settings` in the config directory (runbase's, and W&B's
WANDB_CONFIG_DIR or ~/.config/wandb); the workspace file is `settings` in the run folder of the root
directory (runbase/ and W&B's wandb/). Where both names exist, runbase's wins. A workspace file comes with
whatever folder the user runs in (a cloned repository), so it may not set WORKSPACE_REFUSED."""

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
# What a workspace file may not set: where the API key and the run's data go (the server, proxies, TLS,
# headers), which credentials are used, and which local files or URLs are read and uploaded.
WORKSPACE_REFUSED = frozenset({
    "api_key", "base_url", "http_proxy", "https_proxy", "x_proxies", "insecure_disable_ssl", "x_extra_http_headers",
    "azure_account_url_to_access_key", "identity_token_file", "credentials_file", "settings_system", "root_dir",
    "config_paths", "code_dir", "program", "program_abspath", "git_root", "x_stats_open_metrics_endpoints",
    "x_stats_open_metrics_http_headers", "x_stats_dcgm_exporter", "x_stats_coreweave_metadata_base_url",
    "x_stats_coreweave_metadata_endpoint", "x_stats_neuron_monitor_config_path", "launch_config_path"})


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
    variable would be; an unknown name or an unreadable value is an error naming the file and the key. A file
    the user may not read (or in a folder they may not enter) is left out with a warning."""
    from ..term import termwarn

    parser = configparser.ConfigParser(interpolation=None)
    try:
        if not path.is_file():
            return {}
        with path.open(encoding="utf-8") as handle:
            parser.read_file(handle)
    except OSError as e:
        termwarn(f"cannot read the settings file {path} ({e.strerror or e}): its settings are ignored")
        return {}
    except (configparser.Error, UnicodeDecodeError) as e:
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


def read_all(paths: list[Path], *, workspace: bool = False) -> dict[str, Any]:
    """The files' settings merged, a later file's over an earlier one's; from workspace files, without the
    settings they may not set (one warning per file names those ignored)."""
    from ..term import termwarn

    merged: dict[str, Any] = {}
    for path in paths:
        values = read(path)
        refused = sorted(set(values) & WORKSPACE_REFUSED) if workspace else []
        if refused:
            termwarn(f"the workspace settings file {path} cannot set {', '.join(refused)} (set them in the system "
                     "settings file, the environment or the code): ignored")
        merged.update({name: value for name, value in values.items() if name not in refused})
    return merged
