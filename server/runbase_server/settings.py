"""Server settings: command-line flags over RUNBASE_* environment variables over defaults."""

from __future__ import annotations

import ipaddress
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote


MAX_PRESIGNED_SECONDS = 7 * 24 * 3600  # SigV4's limit on X-Amz-Expires


def _env_number(name: str, default: float, kind: type[float] | type[int], minimum: float,
                maximum: float = math.inf) -> float:
    """A number from the environment, refused (naming the variable) unless finite and between `minimum` and
    `maximum`, so a typo stops the server at start rather than breaking it later."""
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    try:
        number = kind(value)
    except ValueError:
        raise ValueError(f"{name}={value!r} is not {'an integer' if kind is int else 'a number'}") from None
    if not math.isfinite(number) or number < minimum:
        raise ValueError(f"{name}={value!r} must be a finite number of at least {minimum:g}")
    if number > maximum:
        raise ValueError(f"{name}={value!r} must be at most {maximum:g}")
    return number


def _env_int(name: str, default: int, minimum: int = 1, maximum: float = math.inf) -> int:
    return int(_env_number(name, default, int, minimum, maximum))


def _env_float(name: str, default: float, minimum: float = 0.0, maximum: float = math.inf) -> float:
    return _env_number(name, default, float, minimum, maximum)


def _env_flag(name: str, default: bool) -> bool:
    """true/false (1/0, yes/no, on/off) from the environment, refused (naming the variable) otherwise."""
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name}={value!r} must be true or false")


def _env_list(name: str) -> tuple[str, ...]:
    """Comma-separated entries, blanks dropped."""
    return tuple(item.strip() for item in os.environ.get(name, "").split(",") if item.strip())


_HOST_NAME = re.compile(r"(?=.{1,253}\.?$)[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*\.?",
                        re.IGNORECASE)


def _env_hosts(name: str) -> tuple[str, ...]:
    """Host names, IP addresses and networks (CIDR), checked now so a typo stops the server with one line."""
    hosts = _env_list(name)
    for host in hosts:
        try:
            ipaddress.ip_network(host.strip("[]"), strict=False)
        except ValueError:
            if not _HOST_NAME.fullmatch(host):
                raise ValueError(f"{name}: {host!r} is not a host name, IP address or network (CIDR)") from None
    return hosts


def _env_keys(name: str) -> tuple[str, ...]:
    """Fernet keys (urlsafe base64 of 32 bytes), checked now so a bad one stops the server with one line."""
    from cryptography.fernet import Fernet

    keys = _env_list(name)
    for key in keys:
        try:
            Fernet(key)
        except ValueError:
            raise ValueError(f"{name} must be Fernet keys (urlsafe base64 of 32 bytes), comma-separated; "
                             "make one with `python -c 'from cryptography.fernet import Fernet; "
                             "print(Fernet.generate_key().decode())'`") from None
    return keys


def _env_key(name: str) -> str | None:
    keys = _env_keys(name)
    if len(keys) > 1:
        raise ValueError(f"{name} is one key; earlier keys go in RUNBASE_SECRET_KEY_PREVIOUS")
    return keys[0] if keys else None


_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")


def check_blob_store(url: str | None, name: str = "RUNBASE_BLOB_STORE") -> str | None:
    """An object store for file contents, `s3://BUCKET` or `s3://BUCKET/PREFIX`, checked now so that a typo
    stops the server with one line; None (or empty) keeps them on local disk under the data directory."""
    if not url:
        return None
    bucket, _, prefix = url.removeprefix("s3://").partition("/")
    prefix = prefix.rstrip("/")
    if (not url.startswith("s3://") or not _BUCKET.fullmatch(bucket)
            or prefix and any(part in ("", ".", "..") for part in prefix.split("/"))):
        raise ValueError(f"{name}={url!r} must be s3://BUCKET or s3://BUCKET/PREFIX (an S3 or S3-compatible "
                         "bucket; endpoint, region and credentials come from RUNBASE_S3_* or the usual AWS_* "
                         "variables)")
    return url.rstrip("/")


# The web app's build output, shipped in the wheel. Resolved: a strict editable install links each file that
# existed when it ran, so a later build's new asset names are found only in the source folder itself.
STATIC_DIR = Path(__file__).resolve().with_name("web") / "static"
SESSION_KEY = "runbase.settings"  # where a server's sessions carry its settings (Database.info)


@dataclass
class ServerSettings:
    data_dir: Path = field(default_factory=lambda: Path(os.environ.get("RUNBASE_DATA_DIR", "runbase-data")))
    database_url: str | None = field(default_factory=lambda: os.environ.get("RUNBASE_DATABASE_URL") or None)
    admin_api_key: str | None = field(default_factory=lambda: os.environ.get("RUNBASE_ADMIN_API_KEY") or None)
    max_request_bytes: int = field(
        default_factory=lambda: _env_int("RUNBASE_MAX_REQUEST_BYTES", 64 * 1024 * 1024, minimum=1024))
    heartbeat_timeout_seconds: int = field(
        default_factory=lambda: _env_int("RUNBASE_HEARTBEAT_TIMEOUT_SECONDS", 300))
    # Where browsers reach the server: links in notifications point there, and it is the only origin a browser
    # session is accepted from (web/sessions.py); an https one makes the session cookie Secure.
    public_url: str | None = field(default_factory=lambda: os.environ.get("RUNBASE_PUBLIC_URL") or None)
    # Where `runbase server` listens (set by it): links point there when no public URL is configured.
    local_url: str | None = None
    slack_api_url: str = field(default_factory=lambda: os.environ.get("RUNBASE_SLACK_API_URL")
                               or "https://slack.com/api/")
    # Deliveries: per-attempt timeout, retry backoff (exponential with jitter, from
    # the base up to the cap) and how long to keep retrying before giving up.
    delivery_timeout_seconds: float = field(
        default_factory=lambda: _env_float("RUNBASE_DELIVERY_TIMEOUT_SECONDS", 10, minimum=0.001))
    delivery_retry_base_seconds: float = field(
        default_factory=lambda: _env_float("RUNBASE_DELIVERY_RETRY_BASE_SECONDS", 2, minimum=0.001))
    delivery_retry_cap_seconds: float = field(
        default_factory=lambda: _env_float("RUNBASE_DELIVERY_RETRY_CAP_SECONDS", 3600, minimum=0.001))
    delivery_max_age_seconds: float = field(
        default_factory=lambda: _env_float("RUNBASE_DELIVERY_MAX_AGE_SECONDS", 86400, minimum=0.001))
    delivery_concurrency: int = field(default_factory=lambda: _env_int("RUNBASE_DELIVERY_CONCURRENCY", 8))
    # Sends under way at once for one entity and for one integration, over every server sharing the
    # database, so that one tenant's slow receivers cannot take every sender.
    delivery_concurrency_per_entity: int = field(
        default_factory=lambda: _env_int("RUNBASE_DELIVERY_CONCURRENCY_PER_ENTITY", 4))
    delivery_concurrency_per_integration: int = field(
        default_factory=lambda: _env_int("RUNBASE_DELIVERY_CONCURRENCY_PER_INTEGRATION", 2))
    # Deliveries go only to public addresses; these hosts (names, IPs, CIDR networks) are allowed besides.
    webhook_allowed_hosts: tuple[str, ...] = field(
        default_factory=lambda: _env_hosts("RUNBASE_WEBHOOK_ALLOWED_HOSTS"))
    # Exact URLs allowed for this process only (the --demo's own receiver); never read from the environment.
    webhook_allowed_urls: set[str] = field(default_factory=set)
    # The key integration secrets are encrypted with (else one made in the data dir on first start), and
    # earlier keys still accepted for decryption while the stored secrets are re-encrypted at start.
    secret_key: str | None = field(default_factory=lambda: _env_key("RUNBASE_SECRET_KEY"))
    secret_key_previous: tuple[str, ...] = field(default_factory=lambda: _env_keys("RUNBASE_SECRET_KEY_PREVIOUS"))
    # Finished deliveries (and their attempts) older than this are deleted.
    delivery_retention_days: float = field(
        default_factory=lambda: _env_float("RUNBASE_DELIVERY_RETENTION_DAYS", 30, minimum=0.001))
    # Firings per automation per minute beyond which deliveries are suppressed.
    automation_rate_limit: int = field(default_factory=lambda: _env_int("RUNBASE_AUTOMATION_RATE_LIMIT", 60))
    # Largest file (run file or artifact blob) one upload may store.
    max_file_bytes: int = field(default_factory=lambda: _env_int("RUNBASE_MAX_FILE_BYTES", 10 * 1024**3))
    # Every interval (0: never), artifact versions past their TTL are deleted, then the blobs that no run
    # file or artifact uses and that were stored or asked for longer ago than the grace period.
    blob_gc_interval_seconds: float = field(default_factory=lambda: _env_float("RUNBASE_BLOB_GC_INTERVAL_SECONDS", 3600))
    blob_gc_grace_seconds: float = field(default_factory=lambda: _env_float("RUNBASE_BLOB_GC_GRACE_SECONDS", 86400))
    # Where file contents live: None for DATA_DIR/blobs, else an S3-compatible object store, s3://BUCKET/PREFIX.
    # Its endpoint (for stores other than AWS S3), region and credentials come from these settings where set,
    # else from the usual AWS_* variables (AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID, ...) and AWS's
    # other credential sources (web identity, container and instance credentials).
    blob_store: str | None = field(default_factory=lambda: check_blob_store(os.environ.get("RUNBASE_BLOB_STORE")))
    s3_endpoint_url: str | None = field(default_factory=lambda: os.environ.get("RUNBASE_S3_ENDPOINT_URL") or None)
    s3_region: str | None = field(default_factory=lambda: os.environ.get("RUNBASE_S3_REGION") or None)
    s3_access_key_id: str | None = field(default_factory=lambda: os.environ.get("RUNBASE_S3_ACCESS_KEY_ID") or None)
    s3_secret_access_key: str | None = field(
        default_factory=lambda: os.environ.get("RUNBASE_S3_SECRET_ACCESS_KEY") or None, repr=False)
    # Direct transfers (artifacts/direct_uploads.py): with an object store and static credentials, the SDK sends
    # and fetches files of at least 2 MiB straight to and from the store through presigned URLs, valid this
    # long, in parts of this size (S3 wants at least 5 MiB but for the last part; 8 MiB, as the AWS CLI sends
    # and the server's own multipart uploads, also bounds what a cut connection loses). Off: every byte goes
    # through the server, as with the local disk.
    direct_transfers: bool = field(default_factory=lambda: _env_flag("RUNBASE_DIRECT_TRANSFERS", True))
    direct_part_bytes: int = field(
        default_factory=lambda: _env_int("RUNBASE_DIRECT_PART_BYTES", 8 * 1024**2, minimum=5 * 1024**2))
    # At most 7 days: the longest a SigV4 presigned URL may live; stores refuse longer ones at their first use.
    direct_url_seconds: int = field(
        default_factory=lambda: _env_int("RUNBASE_DIRECT_URL_SECONDS", 900, maximum=MAX_PRESIGNED_SECONDS))
    # Rows (runs, versions, history rows, samples, files, ...) one GraphQL request may return in all.
    max_answer_rows: int = field(default_factory=lambda: _env_int("RUNBASE_MAX_ANSWER_ROWS", 1_000_000, minimum=100))
    # Bytes of history, console text and JSON documents (config, summary, metadata, ...) one request may return.
    max_answer_bytes: int = field(
        default_factory=lambda: _env_int("RUNBASE_MAX_ANSWER_BYTES", 256 * 1024 * 1024, minimum=1024))
    # How long a server keeps knowing whom a used API key belongs to: a key deleted through another server
    # sharing the database works here for at most this long (one deleted through this server stops at once).
    api_key_cache_seconds: float = field(default_factory=lambda: _env_float("RUNBASE_API_KEY_CACHE_SECONDS", 5))
    # Megabytes of decoded history segments a server keeps in memory for the reads that come back to them (a
    # chart refreshed, zoomed or opened by several people); 0 turns it off.
    history_cache_mb: int = field(default_factory=lambda: _env_int("RUNBASE_HISTORY_CACHE_MB", 64, minimum=0))
    # A request's line and headers must arrive whole within this many seconds (of its first byte, or of the
    # connection), and its body may not pause longer than the other: slow clients cannot hold connections.
    request_head_timeout_seconds: float = field(
        default_factory=lambda: _env_float("RUNBASE_REQUEST_HEAD_TIMEOUT_SECONDS", 30, minimum=0.1))
    request_body_idle_seconds: float = field(
        default_factory=lambda: _env_float("RUNBASE_REQUEST_BODY_IDLE_SECONDS", 60, minimum=0.1))
    # How long a browser's sign-in lasts (web/sessions.py); signing in again starts a new one. At most a year:
    # a session is a bearer credential, and far larger values overflow dates.
    web_session_days: float = field(
        default_factory=lambda: _env_float("RUNBASE_WEB_SESSION_DAYS", 7, minimum=0.0001, maximum=365))
    # The built web app (index.html, graphiql.html, assets/); the package's own by default.
    web_static_dir: Path = field(default_factory=lambda: Path(os.environ.get("RUNBASE_WEB_STATIC_DIR") or STATIC_DIR))
    max_query_depth: int = 12

    def link_url(self) -> str:
        """The base of links in notifications, without a trailing slash."""
        return (self.public_url or self.local_url or "").rstrip("/")

    def page_link(self, *segments: str) -> str:
        """A link to a page of the web app: each path segment percent-encoded as the page's router decodes it, so
        a name with a space, '|' or '>' neither ends the link in a terminal nor breaks Slack's <url|text>."""
        return self.link_url() + "".join("/" + quote(segment, safe="") for segment in segments)

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
