"""Local stand-ins for the outside services automations talk to: a webhook endpoint and Slack.

Both are real HTTP servers on 127.0.0.1, so the runbase server under test reaches them exactly as
it would reach the real thing, over sockets, with real clients, timeouts and connection errors.
Every request is recorded; answers can be scripted ahead of time; `down()` makes a fake stop
listening (connection refused) until `up()` brings it back on the same port.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import itertools
import json
import secrets
import selectors
import socket
import socketserver
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal, TypeVar
from urllib.parse import parse_qsl, urlsplit

SIGNATURE_HEADER = "X-Runbase-Signature"
TIMESTAMP_HEADER = "X-Runbase-Timestamp"
DELIVERY_HEADER = "X-Runbase-Delivery"
DEFAULT_SLACK_TOKEN = "xoxb-runbase-test-token"

_HOST = "127.0.0.1"


# --------------------------------------------------------------------------- shared pieces


class Headers(Mapping[str, str]):
    """Request headers; lookups ignore case, as HTTP does, so tests need not guess a client's casing."""

    def __init__(self, items: Iterable[tuple[str, str]]) -> None:
        self._items: dict[str, tuple[str, str]] = {}
        for name, value in items:
            previous = self._items.get(name.lower())
            # Repeated headers combine with ", " (RFC 9110 5.3).
            self._items[name.lower()] = (name, value if previous is None else f"{previous[1]}, {value}")

    def __getitem__(self, name: str) -> str:
        return self._items[name.lower()][1]

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"Headers({dict(self._items.values())!r})"


@dataclass(frozen=True)
class RecordedRequest:
    """One request as it arrived; `response_status` is what the fake chose to answer it with."""

    method: str
    path: str
    query: dict[str, str]
    headers: Headers
    body: bytes
    json: Any
    received_monotonic: float
    received_at: float
    response_status: int = 0


@dataclass(frozen=True)
class Response:
    """A canned answer. A dict or list body is sent as JSON, a str as text; `delay` holds it back
    (seconds) so client timeouts can be provoked; a fake going down meanwhile drops it unanswered.
    `drip` sends the status line, then one more header line every `drip` seconds for `drip_for`
    seconds (a receiver that is slow but never silent long enough for a per-read timeout); `repeat`
    sends the body that many times over (a huge answer without holding it in memory)."""

    status: int = 200
    body: bytes | str | dict[str, Any] | list[Any] = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drip: float = 0.0
    drip_for: float = 0.0
    repeat: int = 1

    def encoded(self) -> tuple[bytes, str]:
        """The body's bytes and the Content-Type they call for."""
        if isinstance(self.body, bytes):
            return self.body, "application/octet-stream"
        if isinstance(self.body, str):
            return self.body.encode(), "text/plain; charset=utf-8"
        return json.dumps(self.body).encode(), "application/json; charset=utf-8"


def _as_response(item: Response | int) -> Response:
    return item if isinstance(item, Response) else Response(status=item)


class _HTTPServer(ThreadingHTTPServer):
    """One listening period of a fake; `down()` discards it and `up()` makes a new one on the same port."""

    # Non-daemon handler threads are the ones server_close() joins, so nothing outlives stop().
    daemon_threads = False

    def __init__(self, port: int, owner: _LocalServer) -> None:
        self.owner = owner
        self.closing = threading.Event()
        super().__init__((_HOST, port), _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS lookup (getfqdn) that can take seconds; skip it.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = _HOST, self.server_address[1]


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    # A client that connects and then says nothing must not hold stop() up for long.
    timeout = 5

    def _dispatch(self) -> None:
        received_monotonic, received_at = time.monotonic(), time.time()
        body = self._read_body()
        target = urlsplit(self.path)
        request = RecordedRequest(
            method=self.command,
            path=target.path,
            query=dict(parse_qsl(target.query, keep_blank_values=True)),
            headers=Headers(self.headers.items()),
            body=body,
            json=_parse_json(body),
            received_monotonic=received_monotonic,
            received_at=received_at,
        )
        response = self.server.owner._respond(request)
        if response.delay and self.server.closing.wait(response.delay):
            return  # the fake went down while holding the answer back: drop the connection unanswered
        self._send(response)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _dispatch

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0], 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass  # trailers
            return b"".join(chunks)
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _send(self, response: Response) -> None:
        body, content_type = response.encoded()
        try:
            self.send_response(response.status)
            if response.drip and not self._drip(response):
                return
            if not any(name.lower() == "content-type" for name in response.headers):
                self.send_header("Content-Type", content_type)
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body) * response.repeat))
            self.end_headers()
            for _ in range(response.repeat):
                self.wfile.write(body)
        except ConnectionError:
            pass  # the client gave up (timed out) first, which is what delays are for

    def _drip(self, response: Response) -> bool:
        """Send filler header lines one at a time; False if the fake went down meanwhile."""
        self.flush_headers()
        until = time.monotonic() + response.drip_for
        count = 0
        while time.monotonic() < until:
            if self.server.closing.wait(response.drip):
                return False
            count += 1
            self.wfile.write(f"X-Drip-{count}: {'.' * 8}\r\n".encode())
            self.wfile.flush()
        return True

    def log_message(self, format: str, *args: Any) -> None:
        """Silenced: tests read `requests`, not an access log on stderr."""


def _parse_json(body: bytes) -> Any:
    try:
        return json.loads(body) if body else None
    except ValueError:
        return None


def _accept_loop(httpd: _HTTPServer, wake: socket.socket) -> None:
    """Accept until `wake` is written to; unlike serve_forever() this stops at once, not at the next poll."""
    with wake, selectors.DefaultSelector() as selector:
        selector.register(httpd.socket, selectors.EVENT_READ)
        selector.register(wake, selectors.EVENT_READ)
        while True:
            for key, _ in selector.select():
                if key.fileobj is wake:
                    return
                try:
                    connection, address = httpd.get_request()
                except OSError:
                    continue
                httpd.process_request(connection, address)


@dataclass(frozen=True)
class _Listening:
    httpd: _HTTPServer
    wake: socket.socket
    loop: threading.Thread


_S = TypeVar("_S", bound="_LocalServer")
_T = TypeVar("_T")


class _LocalServer:
    """Lifecycle, recording and response scripts shared by the fakes."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._lifecycle = threading.Lock()
        self._port = 0
        self._listening: _Listening | None = None
        self._requests: list[RecordedRequest] = []
        self._script: deque[tuple[str | None, Response]] = deque()

    # lifecycle

    def start(self: _S) -> _S:
        """Listen on a free port (the same one again after a stop); returns self for chaining."""
        self._listen()
        return self

    def stop(self) -> None:
        """Stop listening and wait for in-flight requests; safe to call twice."""
        self._close()

    def down(self) -> None:
        """Simulate an outage: stop listening, so clients get connection refused, until `up()`.
        Answers still held back by a delay are dropped unanswered."""
        if not self.is_up:
            raise RuntimeError(f"{type(self).__name__} is not up")
        self._close()

    def up(self) -> None:
        """End an outage: listen again on the same port."""
        self._listen()

    def __enter__(self: _S) -> _S:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def is_up(self) -> bool:
        """Whether it is listening (started and not down)."""
        return self._listening is not None

    @property
    def port(self) -> int:
        """The port it listens on; fixed at the first start, so URLs stay valid across down/up."""
        if not self._port:
            raise RuntimeError(f"{type(self).__name__} was never started")
        return self._port

    @property
    def origin(self) -> str:
        """`http://127.0.0.1:PORT`, for building URLs to other paths."""
        return f"http://{_HOST}:{self.port}"

    def _listen(self) -> None:
        with self._lifecycle:
            if self._listening is not None:
                raise RuntimeError(f"{type(self).__name__} is already listening on port {self._port}")
            httpd = _HTTPServer(self._port, self)
            self._port = httpd.server_address[1]
            wake_reader, wake_writer = socket.socketpair()
            name = f"{type(self).__name__}:{self._port}"
            loop = threading.Thread(target=_accept_loop, args=(httpd, wake_reader), name=name, daemon=True)
            loop.start()
            self._listening = _Listening(httpd, wake_writer, loop)

    def _close(self) -> None:
        with self._lifecycle:
            if self._listening is None:
                return
            listening, self._listening = self._listening, None
            listening.httpd.closing.set()
            with listening.wake:
                listening.wake.send(b"\0")
            listening.loop.join()
            listening.httpd.server_close()  # closes the listening socket, then joins handler threads

    # recording and scripts

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request so far, oldest first (a copy)."""
        with self._cond:
            return list(self._requests)

    def _add_script(self, responses: Iterable[Response | int], path_prefix: str | None) -> None:
        with self._cond:
            self._script.extend((path_prefix, _as_response(item)) for item in responses)

    def _pop_scripted(self, path: str) -> Response | None:
        """The first scripted response meant for `path`, consumed; call with `_cond` held."""
        for index, (prefix, response) in enumerate(self._script):
            if prefix is None or path.startswith(prefix):
                del self._script[index]
                return response
        return None

    def _record(self, request: RecordedRequest, response: Response) -> None:
        """Call with `_cond` held."""
        self._requests.append(replace(request, response_status=response.status))
        self._cond.notify_all()

    def _clear(self) -> None:
        with self._cond:
            self._requests.clear()
            self._script.clear()

    def _wait(self, items: Callable[[], list[_T]], count: int, timeout: float, what: str) -> list[_T]:
        with self._cond:
            if self._cond.wait_for(lambda: len(items()) >= count, timeout):
                return list(items())
            arrived = "\n  ".join(map(repr, items())) or "(none)"
            got = f"got {len(items())}:\n  {arrived}"
            raise AssertionError(f"expected at least {count} {what} within {timeout}s, {got}")

    def _respond(self, request: RecordedRequest) -> Response:
        """Choose the answer to `request` and record it; called on the request's handler thread."""
        raise NotImplementedError


# --------------------------------------------------------------------------- webhooks


def sign(body: bytes, secret: str | bytes, timestamp: int) -> str:
    """The `X-Runbase-Signature` value the runbase server computes for a delivery."""
    key = secret.encode() if isinstance(secret, str) else secret
    return "sha256=" + hmac.new(key, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_headers(
    body: bytes, secret: str | bytes, *, timestamp: int | None = None, delivery: str = "test-delivery"
) -> dict[str, str]:
    """Headers of a signed delivery, so tests can send valid (or deliberately broken) ones themselves."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        SIGNATURE_HEADER: sign(body, secret, timestamp),
        TIMESTAMP_HEADER: str(timestamp),
        DELIVERY_HEADER: delivery,
    }


def verify_signature(request: RecordedRequest, secret: str | bytes, *, tolerance_s: float = 300.0) -> bool:
    """Whether `request` is a delivery signed with `secret`, carrying a delivery id, and stamped within
    `tolerance_s` of its arrival (either way, so replays and skewed clocks both fail)."""
    headers = request.headers
    try:
        timestamp = int(headers[TIMESTAMP_HEADER])
        signature, delivery = headers[SIGNATURE_HEADER], headers[DELIVERY_HEADER]
    except (KeyError, ValueError):
        return False
    fresh = abs(request.received_at - timestamp) <= tolerance_s
    matches = hmac.compare_digest(signature.encode(), sign(request.body, secret, timestamp).encode())
    return bool(delivery) and fresh and matches


class WebhookReceiver(_LocalServer):
    """A webhook endpoint that records deliveries and answers as scripted (default: `default`)."""

    def __init__(
        self,
        *,
        path: str = "/hook",
        default: Response | int = 200,
        require_secret: str | bytes | None = None,
        tolerance_s: float = 300.0,
    ) -> None:
        """`require_secret`: answer 401 to any request `verify_signature` rejects for that secret,
        before consulting the script (a 401 consumes no scripted response)."""
        super().__init__()
        self.path = path
        self._default = _as_response(default)
        self._secret = require_secret
        self._tolerance_s = tolerance_s

    @property
    def url(self) -> str:
        """`http://127.0.0.1:PORT/hook`: the endpoint to register with the server."""
        return self.origin + self.path

    @property
    def default(self) -> Response:
        """The answer when no scripted response is pending."""
        with self._cond:
            return self._default

    @default.setter
    def default(self, response: Response | int) -> None:
        with self._cond:
            self._default = _as_response(response)

    def script(self, *responses: Response | int, path: str | None = None) -> None:
        """Queue answers for the next requests, in order (an int is a bare status), then `default`
        resumes. With `path`, they go only to requests whose path starts with it."""
        self._add_script(responses, path)

    def wait_for(self, count: int, timeout: float = 5.0) -> list[RecordedRequest]:
        """Block until at least `count` requests arrived; all of them, or AssertionError listing what did."""
        return self._wait(lambda: self._requests, count, timeout, "webhook requests")

    def clear(self) -> None:
        """Forget recorded requests and unused scripted responses (the default stays)."""
        self._clear()

    def _respond(self, request: RecordedRequest) -> Response:
        with self._cond:
            if self._secret is not None and not verify_signature(request, self._secret, tolerance_s=self._tolerance_s):
                response = Response(401, body="invalid signature")
            else:
                response = self._pop_scripted(request.path) or self._default
            self._record(request, response)
        return response


# --------------------------------------------------------------------------- Slack


@dataclass(frozen=True)
class SlackMessage:
    """A message posted through chat.postMessage (`via="api"`) or an incoming webhook (`via="webhook"`)."""

    via: Literal["api", "webhook"]
    channel: str  # the channel's name, without "#"
    channel_id: str
    text: str | None
    blocks: list[dict[str, Any]] | None
    ts: str
    token: str | None  # the bot token it was posted with; None for webhooks
    payload: dict[str, Any]  # every parameter as sent (thread_ts, username, attachments, ...)


@dataclass
class _Channel:
    id: str
    name: str
    joined: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "is_channel": True,
            "is_private": False,
            "is_archived": False,
            "is_member": self.joined,
        }


class _SlackError(Exception):
    """Ends a Web API call with `{"ok": false, "error": <args[0]>}`."""


_TEAM = {"team": "Runbase Test", "team_id": "T0RUNBASE", "url": "https://runbase-test.slack.com/"}
_BOT = {"user": "runbase-bot", "user_id": "U0RUNBASE", "bot_id": "B0RUNBASE"}


class FakeSlack(_LocalServer):
    """Enough of the Slack Web API and incoming webhooks for `slack_sdk.WebClient(base_url=fake.api_url)`
    and `slack_sdk.webhook.WebhookClient(fake.webhook_url())`."""

    def __init__(
        self,
        *,
        tokens: Iterable[str] = (DEFAULT_SLACK_TOKEN,),
        channels: Iterable[str] | None = None,
        require_join: bool = False,
    ) -> None:
        """`channels`: names of the only channels that exist (others get `channel_not_found`); by
        default any channel exists on first use. `require_join`: chat.postMessage answers
        `not_in_channel` until the bot called conversations.join, as for a bot without chat:write.public."""
        super().__init__()
        self._tokens = set(tokens)
        self._open_world = channels is None
        self._channels: dict[str, _Channel] = {}
        for name in channels or ():
            self._create_channel(name)
        self._require_join = require_join
        self._webhooks: dict[str, str] = {}  # path -> channel id
        self._messages: list[SlackMessage] = []
        self._ts = itertools.count(1)
        self._epoch = int(time.time())

    @property
    def api_url(self) -> str:
        """`http://127.0.0.1:PORT/api/` (the trailing slash is required by slack_sdk's base_url)."""
        return self.origin + "/api/"

    @property
    def messages(self) -> list[SlackMessage]:
        """Messages posted so far through either path, oldest first (a copy)."""
        with self._cond:
            return list(self._messages)

    def add_token(self, token: str) -> None:
        """Make `token` a valid bot token."""
        with self._cond:
            self._tokens.add(token)

    def remove_token(self, token: str) -> None:
        """Revoke `token`: calls with it get `invalid_auth` from now on."""
        with self._cond:
            self._tokens.discard(token)

    def webhook_url(self, channel: str = "general") -> str:
        """A new valid incoming-webhook URL that posts to `channel`."""
        with self._cond:
            found = self._find_channel(channel)
            if found is None:
                raise ValueError(f"no channel {channel!r} in {[c.name for c in self._channels.values()]}")
            path = f"/services/{_TEAM['team_id']}/B{len(self._webhooks) + 1:08d}/{secrets.token_hex(12)}"
            self._webhooks[path] = found.id
        return self.origin + path

    def channel_id(self, name: str) -> str:
        """The id of channel `name` (created if any channel may exist), for configuring by id."""
        with self._cond:
            found = self._find_channel(name)
            if found is None:
                raise ValueError(f"no channel {name!r}")
            return found.id

    def script(self, *responses: Response | int, method: str | None = None) -> None:
        """Queue raw answers that replace the next requests' normal handling (an int is a bare status),
        e.g. `Response(429, headers={"Retry-After": "1"}, body={"ok": False, "error": "ratelimited"})`.
        `method`: only for that Web API method ("chat.postMessage"), or "webhook" for incoming webhooks."""
        prefix = None if method is None else "/services/" if method == "webhook" else f"/api/{method}"
        self._add_script(responses, prefix)

    def wait_for(self, count: int, timeout: float = 5.0) -> list[SlackMessage]:
        """Block until at least `count` messages were posted; all of them, or AssertionError listing what was."""
        return self._wait(lambda: self._messages, count, timeout, "Slack messages")

    def clear(self) -> None:
        """Forget messages, recorded requests and unused scripted responses (tokens, channels and
        webhook URLs stay)."""
        with self._cond:
            self._messages.clear()
            self._clear()

    # handling; everything below runs with `_cond` held

    def _respond(self, request: RecordedRequest) -> Response:
        with self._cond:
            response = self._pop_scripted(request.path) or self._route(request)
            self._record(request, response)
        return response

    def _route(self, request: RecordedRequest) -> Response:
        if request.path.startswith("/services/"):
            return self._incoming_webhook(request)
        handler = self._methods.get(request.path.removeprefix("/api/")) if request.path.startswith("/api/") else None
        if handler is None:
            return Response(404, body={"ok": False, "error": "unknown_method"})
        params = _slack_params(request)
        try:
            token = self._authenticate(request, params)
            return Response(body={"ok": True, **handler(self, params, token)})
        except _SlackError as error:
            return Response(body={"ok": False, "error": error.args[0]})

    def _authenticate(self, request: RecordedRequest, params: dict[str, Any]) -> str:
        authorization = request.headers.get("Authorization", "")
        token = authorization.removeprefix("Bearer ") if authorization.startswith("Bearer ") else params.get("token")
        if not token:
            raise _SlackError("not_authed")
        if token not in self._tokens:
            raise _SlackError("invalid_auth")
        return str(token)

    def _auth_test(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        return {**_TEAM, **_BOT, "is_enterprise_install": False}

    def _post_message(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        channel = self._find_channel(str(params.get("channel") or ""))
        if channel is None:
            raise _SlackError("channel_not_found")
        if self._require_join and not channel.joined:
            raise _SlackError("not_in_channel")
        try:
            blocks = _blocks(params.get("blocks"))
        except ValueError:
            raise _SlackError("invalid_blocks") from None
        text = params.get("text")
        if not text and not blocks and not params.get("attachments"):
            raise _SlackError("no_text")
        message = self._add_message("api", channel, text, blocks, token, params)
        posted = {
            "type": "message",
            "text": text or "",
            "ts": message.ts,
            "user": _BOT["user_id"],
            "bot_id": _BOT["bot_id"],
        }
        if blocks is not None:
            posted["blocks"] = blocks
        return {"channel": channel.id, "ts": message.ts, "message": posted}

    def _conversations_list(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        try:
            limit = min(max(int(params.get("limit") or 100), 1), 1000)
            cursor = params.get("cursor")
            offset = int(base64.b64decode(cursor, validate=True).decode().removeprefix("offset:")) if cursor else 0
        except (ValueError, binascii.Error):
            raise _SlackError("invalid_cursor") from None
        channels = list(self._channels.values())
        more = offset + limit < len(channels)
        next_cursor = base64.b64encode(f"offset:{offset + limit}".encode()).decode() if more else ""
        return {
            "channels": [channel.as_json() for channel in channels[offset : offset + limit]],
            "response_metadata": {"next_cursor": next_cursor},
        }

    def _conversations_join(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        channel = self._find_channel(str(params.get("channel") or ""))
        if channel is None:
            raise _SlackError("channel_not_found")
        channel.joined = True
        return {"channel": channel.as_json()}

    _methods: dict[str, Callable[[FakeSlack, dict[str, Any], str], dict[str, Any]]] = {
        "auth.test": _auth_test,
        "chat.postMessage": _post_message,
        "conversations.list": _conversations_list,
        "conversations.join": _conversations_join,
    }

    def _incoming_webhook(self, request: RecordedRequest) -> Response:
        channel_id = self._webhooks.get(request.path)
        if channel_id is None:
            return Response(404, body="invalid_token")
        payload = request.json
        if not isinstance(payload, dict):
            return Response(400, body="invalid_payload")
        try:
            blocks = _blocks(payload.get("blocks"))
        except ValueError:
            return Response(400, body="invalid_blocks")
        if not payload.get("text") and not blocks and not payload.get("attachments"):
            return Response(400, body="no_text")
        self._add_message("webhook", self._channels[channel_id], payload.get("text"), blocks, None, payload)
        return Response(body="ok")

    def _add_message(
        self,
        via: Literal["api", "webhook"],
        channel: _Channel,
        text: str | None,
        blocks: list[dict[str, Any]] | None,
        token: str | None,
        payload: dict[str, Any],
    ) -> SlackMessage:
        ts = f"{self._epoch}.{next(self._ts):06d}"
        message = SlackMessage(via, channel.name, channel.id, text, blocks, ts, token, dict(payload))
        self._messages.append(message)
        return message

    def _find_channel(self, ref: str) -> _Channel | None:
        """By id or name ("#name" too); unknown names are created unless a channel list was given."""
        ref = ref.removeprefix("#")
        if not ref:
            return None
        if ref in self._channels:
            return self._channels[ref]
        for channel in self._channels.values():
            if channel.name == ref:
                return channel
        return self._create_channel(ref) if self._open_world else None

    def _create_channel(self, name: str) -> _Channel:
        channel = _Channel(id=f"C{len(self._channels) + 1:08d}", name=name.removeprefix("#"))
        self._channels[channel.id] = channel
        return channel


def _slack_params(request: RecordedRequest) -> dict[str, Any]:
    """Arguments from the query string and a form or JSON body, the ways Slack accepts them."""
    params: dict[str, Any] = dict(request.query)
    content_type = request.headers.get("Content-Type", "")
    if content_type.startswith("application/json") and isinstance(request.json, dict):
        params.update(request.json)
    elif content_type.startswith("application/x-www-form-urlencoded"):
        params.update(parse_qsl(request.body.decode(), keep_blank_values=True))
    return params


def _blocks(value: Any) -> list[dict[str, Any]] | None:
    """Blocks as a list of dicts; a form body carries them as a JSON string. ValueError if malformed."""
    if value is None:
        return None
    blocks = json.loads(value) if isinstance(value, str) else value
    if not isinstance(blocks, list) or not all(isinstance(block, dict) for block in blocks):
        raise ValueError(f"blocks must be a list of objects, not {value!r}")
    return blocks
