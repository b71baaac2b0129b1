"""How the SDK's HTTP client reaches the server, from W&B's settings: proxies (http_proxy, https_proxy,
x_proxies), TLS verification (insecure_disable_ssl), extra headers (x_extra_http_headers), and the timeouts
and retries of GraphQL requests (x_graphql_*) and of file transfers (x_file_transfer_*)."""

from __future__ import annotations

import functools
import random
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from .errors import CommError

if TYPE_CHECKING:
    from .settings import Settings

T = TypeVar("T")


@functools.cache
def tls_context(verify: bool = True) -> ssl.SSLContext:
    """The TLS settings all of this process's clients share: httpx loads the CA bundle afresh for every client
    it makes, about 30 ms of CPU each, and a script makes several."""
    return httpx.create_ssl_context(verify=verify)


@dataclass(frozen=True)
class Retry:
    """Up to `extra` more attempts after a failure that may pass, waiting from `wait_min` seconds, doubling,
    to at most `wait_max` (with jitter)."""

    extra: int = 0
    wait_min: float = 0.5
    wait_max: float = 2.0

    def run(self, action: Callable[[], T]) -> T:
        attempt = 0
        while True:
            try:
                return action()
            except CommError as exc:
                if not exc.retryable or attempt >= self.extra:
                    raise
                wait = min(self.wait_max, self.wait_min * 2 ** attempt)
                time.sleep(wait * random.uniform(0.8, 1.0))
                attempt += 1


@dataclass(frozen=True)
class Network:
    """The options of one server's httpx client. The defaults are runbase's own: no GraphQL retries (the
    background sender retries its requests until finish), three tries for each file transfer request."""

    proxies: dict[str, str] = field(default_factory=dict)  # httpx mount pattern ("https://") -> proxy URL
    verify: bool = True
    headers: dict[str, str] = field(default_factory=dict)
    timeout: float | None = None  # GraphQL requests; None: the caller's
    retry: Retry = Retry()
    transfer_timeout: float | None = None  # file transfers; None: the client's
    transfer_retry: Retry = Retry(2, 0.5, 2.0)

    @classmethod
    def from_settings(cls, settings: Settings) -> Network:
        proxies = {_pattern(key): url for key, url in (settings.x_proxies or {}).items()}
        for scheme, url in (("http", settings.http_proxy), ("https", settings.https_proxy)):
            if url:
                proxies[f"{scheme}://"] = url
        default, transfer = cls().retry, cls().transfer_retry
        return cls(
            proxies=proxies, verify=not settings.insecure_disable_ssl,
            headers=dict(settings.x_extra_http_headers or {}),
            timeout=settings.x_graphql_timeout_seconds,
            retry=_retry(default, settings.x_graphql_retry_max, settings.x_graphql_retry_wait_min_seconds,
                         settings.x_graphql_retry_wait_max_seconds),
            transfer_timeout=settings.x_file_transfer_timeout_seconds,
            transfer_retry=_retry(transfer, settings.x_file_transfer_retry_max,
                                  settings.x_file_transfer_retry_wait_min_seconds,
                                  settings.x_file_transfer_retry_wait_max_seconds))

    def client(self, headers: dict[str, str], timeout: float) -> httpx.Client:
        """An httpx client with these options; `headers` (the API key's) win over the extra ones."""
        timeout = self.timeout or timeout
        return httpx.Client(headers={**self.headers, **headers}, verify=tls_context(self.verify),
                            mounts=self._mounts(), timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)))

    def _mounts(self) -> dict[str, httpx.BaseTransport | None] | None:
        mounts: dict[str, httpx.BaseTransport | None] = {
            pattern: httpx.HTTPTransport(proxy=url, verify=tls_context(self.verify))
            for pattern, url in self.proxies.items()}
        return mounts or None

    def store_client(self) -> httpx.Client:
        """An httpx client for an object store's presigned URLs (direct transfers): the proxies and TLS
        verification, but none of the headers meant for the server, and the file transfer timeout."""
        timeout = self.transfer_timeout or 60.0
        return httpx.Client(verify=tls_context(self.verify), mounts=self._mounts(),
                            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)))

    def transfer_options(self) -> dict[str, Any]:
        """Keyword arguments of a file transfer request."""
        return {} if self.transfer_timeout is None else {"timeout": self.transfer_timeout}


def _pattern(key: str) -> str:
    """requests' proxy keys ("http", "https", "all", "http://host") as httpx mount patterns."""
    return key if "://" in key else f"{key}://"


def _retry(default: Retry, extra: int | None, wait_min: float | None, wait_max: float | None) -> Retry:
    wait_min = default.wait_min if wait_min is None else wait_min
    return Retry(default.extra if extra is None else extra, wait_min,
                 max(wait_min, default.wait_max if wait_max is None else wait_max))
