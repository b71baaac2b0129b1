"""login(): where API keys come from and where they are kept between sessions."""

from __future__ import annotations

import getpass
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .errors import AuthenticationError, UsageError
from .settings import DEFAULT_BASE_URL, env

if TYPE_CHECKING:
    from .settings import Settings


def config_dir() -> Path:
    if os.environ.get("RUNBASE_CONFIG_DIR"):
        return Path(os.environ["RUNBASE_CONFIG_DIR"])
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "runbase"


def _path() -> Path:
    return config_dir() / "credentials.json"


def _load() -> dict[str, Any]:
    try:
        data = json.loads(_path().read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _store(data: dict[str, Any]) -> None:
    path = _path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    # The key is a secret: readable by its owner only.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle, indent=2)
    os.replace(tmp, path)


def normalize_host(host: str) -> str:
    host = host.strip().rstrip("/")
    if not host.startswith(("http://", "https://")):
        host = "http://" + host
    return host


def default_base_url() -> str:
    return normalize_host(env("BASE_URL") or _load().get("default_host") or DEFAULT_BASE_URL)


def server_url(settings: Settings, host: str | None = None) -> str:
    """The server: `host` if given, else the settings' base_url, else the one logged in to last."""
    chosen = host or settings.base_url
    return normalize_host(chosen) if chosen else default_base_url()


def stored_key(base_url: str) -> str | None:
    key = _load().get("hosts", {}).get(normalize_host(base_url), {}).get("api_key")
    return key if isinstance(key, str) else None


def resolve_key(base_url: str, explicit: str | None = None) -> str | None:
    return explicit or env("API_KEY") or stored_key(base_url)


def login(
    anonymous: Literal["must", "allow", "never"] | None = None,
    key: str | None = None,
    relogin: bool | None = None,
    host: str | None = None,
    force: bool | None = None,
    timeout: int | None = None,
    verify: bool = False,
    referrer: str | None = None,
) -> bool:
    """Store an API key for a server so later init() and Api() calls find it. The server, when not given, and
    the network options come from the settings' sources, as init() reads them."""
    from .lifecycle import base_settings

    if anonymous == "must":
        raise NotImplementedError("anonymous logins are not supported: runbase needs an API key")
    settings = base_settings()
    base_url = server_url(settings, host)
    if key is None and not relogin:
        key = resolve_key(base_url)
    if key is None:
        if not sys.stdin.isatty():
            raise UsageError(f"no API key for {base_url}: pass login(key=...) or set RUNBASE_API_KEY")
        key = getpass.getpass(f"runbase: API key for {base_url}: ").strip()
    if not isinstance(key, str) or not key.strip():
        raise UsageError("the API key must be a non-empty string")
    key = key.strip()
    if verify:
        from .connection import Connection

        with Connection.from_settings(settings, host=base_url, api_key=key, timeout=timeout or 20) as connection:
            connection.viewer()  # raises AuthenticationError on a bad key
    data = _load()
    data.setdefault("hosts", {})[base_url] = {"api_key": key}
    data["default_host"] = base_url
    _store(data)
    return True


__all__ = ["login", "AuthenticationError"]
