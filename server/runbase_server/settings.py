"""Server settings: command-line flags over RUNBASE_* environment variables over defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def _env_number(name: str, default: float, kind: type[float] | type[int]) -> float:
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    try:
        return kind(value)
    except ValueError:
        raise ValueError(f"{name}={value!r} is not {'an integer' if kind is int else 'a number'}") from None


def _env_int(name: str, default: int) -> int:
    return int(_env_number(name, default, int))


def _env_float(name: str, default: float) -> float:
    return _env_number(name, default, float)


SESSION_KEY = "runbase.settings"  # where a server's sessions carry its settings (Database.info)


@dataclass
class ServerSettings:
    data_dir: Path = field(default_factory=lambda: Path(os.environ.get("RUNBASE_DATA_DIR", "runbase-data")))
    database_url: str | None = field(default_factory=lambda: os.environ.get("RUNBASE_DATABASE_URL") or None)
    admin_api_key: str | None = field(default_factory=lambda: os.environ.get("RUNBASE_ADMIN_API_KEY") or None)
    max_request_bytes: int = field(default_factory=lambda: _env_int("RUNBASE_MAX_REQUEST_BYTES", 64 * 1024 * 1024))
    heartbeat_timeout_seconds: int = field(
        default_factory=lambda: _env_int("RUNBASE_HEARTBEAT_TIMEOUT_SECONDS", 300))
    # Where links in notifications point; `runbase server` sets it from its host and port.
    public_url: str | None = field(default_factory=lambda: os.environ.get("RUNBASE_PUBLIC_URL") or None)
    slack_api_url: str = field(default_factory=lambda: os.environ.get("RUNBASE_SLACK_API_URL")
                               or "https://slack.com/api/")
    # Deliveries: per-attempt timeout, retry backoff (exponential with jitter, from
    # the base up to the cap) and how long to keep retrying before giving up.
    delivery_timeout_seconds: float = field(default_factory=lambda: _env_float("RUNBASE_DELIVERY_TIMEOUT_SECONDS", 10))
    delivery_retry_base_seconds: float = field(
        default_factory=lambda: _env_float("RUNBASE_DELIVERY_RETRY_BASE_SECONDS", 2))
    delivery_retry_cap_seconds: float = field(
        default_factory=lambda: _env_float("RUNBASE_DELIVERY_RETRY_CAP_SECONDS", 3600))
    delivery_max_age_seconds: float = field(
        default_factory=lambda: _env_float("RUNBASE_DELIVERY_MAX_AGE_SECONDS", 86400))
    delivery_concurrency: int = field(default_factory=lambda: _env_int("RUNBASE_DELIVERY_CONCURRENCY", 8))
    # Finished deliveries (and their attempts) older than this are deleted.
    delivery_retention_days: float = field(default_factory=lambda: _env_float("RUNBASE_DELIVERY_RETENTION_DAYS", 30))
    # Firings per automation per minute beyond which deliveries are suppressed.
    automation_rate_limit: int = field(default_factory=lambda: _env_int("RUNBASE_AUTOMATION_RATE_LIMIT", 60))
    # Largest file (run file or artifact blob) one upload may store.
    max_file_bytes: int = field(default_factory=lambda: _env_int("RUNBASE_MAX_FILE_BYTES", 10 * 1024**3))
    # Every interval (0: never), artifact versions past their TTL are deleted, then the blobs that no run
    # file or artifact uses and that were stored or asked for longer ago than the grace period.
    blob_gc_interval_seconds: float = field(default_factory=lambda: _env_float("RUNBASE_BLOB_GC_INTERVAL_SECONDS", 3600))
    blob_gc_grace_seconds: float = field(default_factory=lambda: _env_float("RUNBASE_BLOB_GC_GRACE_SECONDS", 86400))
    max_query_depth: int = 12
    demo_url: str | None = None  # set by --demo: log a demo run to this server once it is up

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{(self.data_dir / 'runbase.db').resolve()}"


def of_session(info: dict[str, object]) -> ServerSettings:
    """The settings of the server a session belongs to (a session's `info`); defaults outside a server."""
    settings = info.get(SESSION_KEY)
    if not isinstance(settings, ServerSettings):
        settings = info[SESSION_KEY] = ServerSettings()
    return settings
