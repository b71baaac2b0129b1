"""The SDK's one way to the server: the generated GraphQL client over httpx,
with the server's answers turned into runbase errors."""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

import httpx
import orjson
from pydantic_core import to_jsonable_python

from . import __version__
from ._generated import GraphQLClient
from ._generated.base_client import Response
from ._generated.exceptions import (
    GraphQLClientError,
    GraphQLClientGraphQLMultiError,
    GraphQLClientHttpError,
    GraphQLClientInvalidResponseError,
)
from .direct import DirectStore
from .errors import AuthenticationError, CommError
from .network import Network

if TYPE_CHECKING:
    from .settings import Settings

RETRY_STATUSES = {408, 425, 429, 500, 502, 503, 504}


def _message(response: Any) -> str:
    try:
        return "; ".join(error["message"] for error in response.json()["errors"])
    except (ValueError, KeyError, TypeError):
        return str(response.text[:500])


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
        code = next(iter(codes - {None}), None)
        return CommError(str(exc), retryable=None in codes, code=None if code is None else str(code))
    if isinstance(exc, GraphQLClientInvalidResponseError):
        text = str(getattr(exc.response, "text", ""))
        return CommError(f"unexpected answer from {base_url}: {text[:200]!r}", retryable=True)
    return CommError(str(exc))


_PLAIN = (str, int, bool, type(None))


def _needs_python_encoder(value: Any) -> bool:
    """Whether a payload holds NaN or an infinity (orjson would write null where Python's encoder refuses), or
    anything but plain JSON values (a model or dataclass could hold either, out of this walk's sight)."""
    pending = [value]
    while pending:
        item = pending.pop()
        kind = type(item)
        if kind is float:
            if not math.isfinite(item):
                return True
        elif kind is dict:
            pending.extend(item.values())
        elif kind is list or kind is tuple:
            pending.extend(item)
        elif kind not in _PLAIN:
            return True
    return False


def request_body(payload: dict[str, Any]) -> bytes:
    """A GraphQL request as JSON, as httpx would write it. orjson writes a batch of history rows (megabytes in one
    string) 3x faster than Python's encoder, time the sender would otherwise take from the training loop;
    integers beyond 64 bits take Python's encoder, and so do NaN and infinities, which orjson writes as null
    and Python's encoder refuses (ValueError), as httpx does."""
    if not _needs_python_encoder(payload):
        try:
            return orjson.dumps(payload)
        except TypeError:  # an integer beyond 64 bits
            pass
    return json.dumps(to_jsonable_python(payload), ensure_ascii=False, separators=(",", ":"),
                      allow_nan=False).encode()


class _PassingStatus(CommError):
    """An answer with a status that may pass (503, ...), for the retry to try again."""

    def __init__(self, response: Response) -> None:
        super().__init__(f"HTTP {response.status_code}", retryable=True)
        self.response = response


class Connection(GraphQLClient):
    """An authenticated client for one server; thread-safe, reuses connections.

    It is the generated client itself, so every operation keeps its generated
    argument and result types; only the two steps that touch the wire
    (execute, get_data) are wrapped to raise CommError subclasses.
    """

    def __init__(self, base_url: str, api_key: str | None, timeout: float = 30.0,
                 network: Network | None = None) -> None:
        if not api_key:
            raise AuthenticationError(
                f"no API key for {base_url}: call runbase.login(key=..., host=...) or set RUNBASE_API_KEY")
        self.base_url, self.api_key = base_url, api_key
        self.network = network or Network()
        self.http = self.network.client(
            {"Authorization": f"Bearer {api_key}", "User-Agent": f"runbase-sdk/{__version__}"}, timeout)
        self.direct = DirectStore(self.network)  # the server's object store, where it offers direct transfers
        # httpx.Client is what the generated protocol describes; only its keyword-only post() differs.
        super().__init__(url=f"{base_url}/graphql", http_client=self.http)  # type: ignore[arg-type]

    @classmethod
    def from_settings(cls, settings: Settings, *, host: str | None = None, api_key: str | None = None,
                      timeout: float = 30.0) -> Connection:
        """init()'s way to the server, for every caller (sync, login, Api, a run's files): the server `host`
        or the settings name, with the key given, the settings' or the stored one, over their network options."""
        from . import credentials

        base_url = credentials.server_url(settings, host)
        return cls(base_url, credentials.resolve_key(base_url, api_key or settings.api_key), timeout=timeout,
                   network=Network.from_settings(settings))

    def execute(self, query: str, operation_name: str | None = None, variables: dict[str, Any] | None = None,
                **kwargs: Any) -> Response:
        """The request, tried again per the network's GraphQL retry settings after a failure that may pass."""
        def attempt() -> Response:
            try:
                response = super(Connection, self).execute(query, operation_name, variables, **kwargs)
            except httpx.HTTPError as exc:
                raise _translate(exc, self.base_url) from exc
            if response.status_code in RETRY_STATUSES:
                raise _PassingStatus(response)
            return response

        try:
            return self.network.retry.run(attempt)
        except _PassingStatus as exc:
            return exc.response  # get_data turns it into the CommError it is

    def _execute_json(self, query: str, operation_name: str | None, variables: dict[str, Any],
                      **kwargs: Any) -> Response:
        """The generated client's JSON request, encoded by request_body."""
        headers = {"Content-Type": "application/json", **(kwargs.pop("headers", None) or {})}
        return self.http.post(self.url, content=request_body(
            {"query": query, "operationName": operation_name, "variables": variables}), headers=headers, **kwargs)

    def get_data(self, response: Response) -> dict[str, Any]:
        try:
            return super().get_data(response)
        except (GraphQLClientError, json.JSONDecodeError) as exc:
            raise _translate(exc, self.base_url) from exc

    def close(self) -> None:
        self.http.close()
        self.direct.close()
