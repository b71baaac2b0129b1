"""Where deliveries may go, and how one is sent.

Any user can point a webhook at a URL, so a delivery must not become a way
into the server's own network (SSRF): by default it goes only to public
addresses, never to loopback, link-local (cloud metadata), private,
unique-local, multicast, unspecified or other non-global ones, IPv4-mapped
and NAT64 IPv6 forms included. The check is made on the resolved address when
an integration is saved and again at each send, which connects to exactly the
address it checked, so a DNS answer that changes in between (rebinding) gains
nothing. The operator may allow hosts, IPs and networks besides
(RUNBASE_WEBHOOK_ALLOWED_HOSTS); the Slack Web API URL is the operator's own
choice and trusted.

A send is bounded as a whole, not per phase: every connect, read and write
waits at most for what is left of one total deadline, so a receiver that drips
its headers or body cannot hold a sender past it. Redirects are never followed
and at most a small prefix of the answer is read."""

from __future__ import annotations

import ipaddress
import socket
import ssl
import threading
import time
import typing
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpcore

from ..errors import UserError
from ..settings import ServerSettings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
MAX_ANSWER_BYTES = 64 * 1024  # of an answer's body read, at most
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_WRITE_CHUNK = 16 * 1024


class Refused(Exception):
    """A destination this server does not send to."""


class DeadlinePassed(Exception):
    """The send's total time ran out."""


def _embedded(ip: Address) -> list[Address]:
    """The address and the IPv4 addresses an IPv6 one carries (mapped, 6to4, Teredo, NAT64), each of which
    may be where the packets really go."""
    found: list[Address] = [ip]
    if isinstance(ip, ipaddress.IPv6Address):
        carried = [ip.ipv4_mapped, ip.sixtofour, ip.teredo[1] if ip.teredo else None,
                   ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF) if ip in _NAT64 else None]
        found += [inner for inner in carried if inner is not None]
    return found


_GLOBAL_UNICAST = ipaddress.IPv6Network("2000::/3")


def forbidden(ip: Address) -> str | None:
    """Why deliveries may not go to `ip` by default, or None for a public address."""
    for address in reversed(_embedded(ip)):  # the carried IPv4 address names the kind best
        for kind, test in (("loopback", address.is_loopback), ("link-local", address.is_link_local),
                           ("multicast", address.is_multicast), ("unspecified", address.is_unspecified),
                           ("private", address.is_private), ("non-public", not address.is_global)):
            if test:
                return kind
    # Outside global unicast, IPv6 forms that carry IPv4 (IPv4-compatible ::a.b.c.d, IPv4-translated
    # ::ffff:0:a.b.c.d, ...) count as global to Python yet may be routed to the carried address.
    if isinstance(ip, ipaddress.IPv6Address) and ip not in _GLOBAL_UNICAST and ip not in _NAT64:
        return "non-public"
    return None


@dataclass(frozen=True)
class Allowance:
    """The operator's exceptions: host names, networks, and exact URLs allowed for this process."""

    names: frozenset[str]
    networks: tuple[Network, ...]
    urls: frozenset[str]

    @classmethod
    def of(cls, settings: ServerSettings) -> Allowance:
        names, networks = set(), []
        for host in settings.webhook_allowed_hosts:  # checked by the settings already
            try:
                networks.append(ipaddress.ip_network(host.strip("[]"), strict=False))
            except ValueError:
                names.add(host.lower().rstrip("."))
        return cls(frozenset(names), tuple(networks), frozenset(settings.webhook_allowed_urls))

    def trusts(self, url: str) -> bool:
        """Whether `url` may go wherever its host resolves: an allowed URL or host name."""
        host = urlsplit(url).hostname or ""
        return url in self.urls or host.rstrip(".") in self.names

    def permits(self, ip: Address) -> bool:
        return forbidden(ip) is None or any(ip in network for network in self.networks)


def _resolve(host: str, port: int, timeout: float) -> list[Address]:
    """The addresses of `host`; the lookup runs aside so that a slow DNS server cannot outlast `timeout`."""
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    found: list[list[Address]] = []
    failed: list[BaseException] = []

    def lookup() -> None:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            found.append([ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos])
        except (OSError, UnicodeError, ValueError) as exc:
            failed.append(exc)

    thread = threading.Thread(target=lookup, name="runbase-resolve", daemon=True)
    thread.start()
    thread.join(max(timeout, 0.0))
    if failed:
        raise failed[0]
    if not found:
        raise DeadlinePassed(f"looking up {host} took longer than the delivery's deadline")
    return found[0]


def check_destination(host: str, port: int, allowance: Allowance, timeout: float) -> Address:
    """The address to connect to for `host`: every address it resolves to must be allowed, so a name with
    one public and one internal address cannot be used to reach the internal one."""
    addresses = _resolve(host, port, timeout)
    for address in addresses:
        if not allowance.permits(address):
            # Neither the address nor its kind: a refusal must not tell users what internal names resolve to.
            raise Refused(f"{host} resolves to an address deliveries may not go to: only public addresses, "
                          "unless the server's RUNBASE_WEBHOOK_ALLOWED_HOSTS allows it")
    if not addresses:
        raise Refused(f"{host} has no address")
    return addresses[0]


def check_url(what: str, url: str, settings: ServerSettings) -> None:
    """When an integration is saved: refuse a URL whose host resolves to an address deliveries may not go to.
    A host that does not resolve now is accepted; it is checked again at each send."""
    allowance = Allowance.of(settings)
    if allowance.trusts(url):
        return
    parts = urlsplit(url)
    try:
        check_destination(parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80), allowance,
                          settings.delivery_timeout_seconds)
    except Refused as exc:
        # The reason names the host and address, never the whole URL (a Slack webhook URL is a secret).
        raise UserError(f"{what}: {exc}") from None
    except (OSError, UnicodeError, ValueError, DeadlinePassed):
        return


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read and write waits at most for what is left of the send's deadline."""

    def __init__(self, stream: httpcore.NetworkStream, deadline: float) -> None:
        self.stream = stream
        self.deadline = deadline

    def _left(self, timeout: float | None, error: type[Exception]) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise error("the delivery's total deadline passed")
        return left if timeout is None else min(timeout, left)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.stream.read(max_bytes, self._left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        for start in range(0, len(buffer), _WRITE_CHUNK):  # a receiver that reads slowly is bounded too
            self.stream.write(buffer[start:start + _WRITE_CHUNK], self._left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self.stream.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        # server_hostname is the URL's host name, so certificates are checked against it, not the address.
        tls = self.stream.start_tls(ssl_context, server_hostname, self._left(timeout, httpcore.ConnectTimeout))
        return _DeadlineStream(tls, self.deadline)

    def get_extra_info(self, info: str) -> typing.Any:
        return self.stream.get_extra_info(info)


class _GuardedBackend(httpcore.NetworkBackend):
    """Connects only to checked addresses (unless told the destination is trusted), within the deadline."""

    def __init__(self, deadline: float, allowance: Allowance | None) -> None:
        self.deadline = deadline
        self.allowance = allowance
        self.inner = httpcore.SyncBackend()

    # httpcore's interface, so its five parameters stay as they are (httpcore passes them by keyword).
    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: typing.Iterable[typing.Any] | None = None) -> httpcore.NetworkStream:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise httpcore.ConnectTimeout("the delivery's total deadline passed")
        address = (check_destination(host, port, self.allowance, left) if self.allowance is not None
                   else _resolve(host, port, left)[0])
        left = min(timeout or left, self.deadline - time.monotonic())
        if left <= 0:
            raise httpcore.ConnectTimeout("the delivery's total deadline passed")
        stream = self.inner.connect_tcp(str(address), port, timeout=left, local_address=local_address,
                                        socket_options=socket_options)
        return _DeadlineStream(stream, self.deadline)

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: typing.Iterable[typing.Any] | None = None) -> httpcore.NetworkStream:
        raise Refused("deliveries do not use Unix sockets")


@dataclass(frozen=True)
class Answer:
    """A receiver's answer: its status, headers (lower-case names) and at most MAX_ANSWER_BYTES of body."""

    status: int
    headers: dict[str, str]
    body: bytes


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float, allowance: Allowance | None) -> Answer:
    """POST `body` to `url` within `timeout` seconds in all; `allowance` None means a trusted destination (the
    operator's Slack API URL). Raises Refused, DeadlinePassed, or httpcore's errors."""
    deadline = time.monotonic() + timeout
    backend = _GuardedBackend(deadline, None if allowance is None or allowance.trusts(url) else allowance)
    phases = {"connect": timeout, "read": timeout, "write": timeout, "pool": timeout}
    sent = {**headers, "Content-Length": str(len(body)), "Connection": "close"}
    try:
        with httpcore.ConnectionPool(network_backend=backend, max_connections=1, retries=0) as pool, \
                pool.stream("POST", url, headers=list(sent.items()), content=body,
                            extensions={"timeout": phases}) as response:
            answer = bytearray()
            for chunk in response.iter_stream():  # never more than a prefix: the rest is not wanted
                answer += chunk[:MAX_ANSWER_BYTES - len(answer)]
                if len(answer) >= MAX_ANSWER_BYTES:
                    break
            received = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in response.headers}
            return Answer(response.status, received, bytes(answer))
    except httpcore.TimeoutException as exc:
        if time.monotonic() >= deadline:
            raise DeadlinePassed(f"no complete answer within {timeout:g} s") from None
        raise DeadlinePassed(f"timed out: {exc}") from None
