"""The SDK's one way to the server: the generated GraphQL client over httpx,
with the server's answers turned into runbase errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

import httpx

from . import __version__
from ._generated import GraphQLClient
from ._generated.exceptions import (
    GraphQLClientError,
    GraphQLClientGraphQLMultiError,
    GraphQLClientHttpError,
    GraphQLClientInvalidResponseError,
)
from .errors import AuthenticationError, CommError

T = TypeVar("T")
RETRY_STATUSES = {408, 425, 429, 500, 502, 503, 504}


def _message(response: Any) -> str:
    try:
        return "; ".join(error["message"] for error in response.json()["errors"])
    except (ValueError, KeyError, TypeError):
        return response.text[:500]


def _translate(exc: Exception, base_url: str) -> CommError:
    if isinstance(exc, httpx.TransportError):
        return CommError(f"cannot reach the runbase server at {base_url}: {exc!r}", retryable=True)
    if isinstance(exc, GraphQLClientHttpError):
        status = exc.status_code
        message = _message(exc.response)
        if status == 401:
            return AuthenticationError(f"the server at {base_url} refused the API key: {message}", status=status)
        return CommError(f"HTTP {status} from {base_url}: {message}", retryable=status in RETRY_STATUSES,
                         status=status)
    if isinstance(exc, GraphQLClientGraphQLMultiError):
        codes = {(error.extensions or {}).get("code") for error in exc.errors}
        # Errors without a code were masked by the server: internal and possibly passing.
        return CommError(str(exc), retryable=None in codes, code=next(iter(codes - {None}), None))
    if isinstance(exc, GraphQLClientInvalidResponseError):
        return CommError(f"unexpected answer from {base_url}: {exc.response.text[:200]!r}", retryable=True)
    return CommError(str(exc))


class Connection:
    """An authenticated client for one server; thread-safe, reuses connections."""

    def __init__(self, base_url: str, api_key: str | None, timeout: float = 30.0) -> None:
        if not api_key:
            raise AuthenticationError(
                f"no API key for {base_url}: call runbase.login(key=..., host=...) or set RUNBASE_API_KEY")
        self.base_url = base_url
        self.http = httpx.Client(
            headers={"Authorization": f"Bearer {api_key}", "User-Agent": f"runbase-sdk/{__version__}"},
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        )
        self.client = GraphQLClient(url=f"{base_url}/graphql", http_client=self.http)

    def call(self, operation: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run one generated-client operation, raising CommError subclasses on failure."""
        try:
            return operation(*args, **kwargs)
        except (httpx.HTTPError, GraphQLClientError, json.JSONDecodeError) as exc:
            raise _translate(exc, self.base_url) from exc

    def __getattr__(self, name: str) -> Callable[..., Any]:
        operation = getattr(self.client, name)
        return lambda *args, **kwargs: self.call(operation, *args, **kwargs)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

