"""A round-robin TCP load balancer on 127.0.0.1, standing in for the one production puts in front of several
runbase servers. Each new connection goes to the next backend that accepts it (one that refuses, being down, is
skipped, as a load balancer's health checks would skip it); bytes then flow both ways until either side
closes, so a backend that dies mid-request cuts its clients' connections, and they retry through a new one."""

from __future__ import annotations

import itertools
import socket
import threading
from collections import Counter
from collections.abc import Callable
from types import TracebackType

_HOST = "127.0.0.1"
CONNECT_TIMEOUT = 2.0


def _close(*sockets: socket.socket) -> None:
    for sock in sockets:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()


def _pipe(source: socket.socket, sink: socket.socket, counted: Callable[[int], None] | None = None) -> None:
    try:
        while data := source.recv(1 << 16):
            sink.sendall(data)
            if counted is not None:
                counted(len(data))
    except OSError:
        pass
    finally:
        _close(source, sink)


class Balancer:
    """`ports()` names the backends at each new connection, so a restarted server is found where it listens."""

    def __init__(self, ports: Callable[[], list[int]]) -> None:
        self.ports = ports
        self.turns = itertools.count()
        self.connections: Counter[int] = Counter()  # per backend port: connections it was handed
        self.received: Counter[int] = Counter()  # per backend port: bytes clients sent it
        self.listener = socket.create_server((_HOST, 0))
        self.url = f"http://{_HOST}:{self.listener.getsockname()[1]}"
        self.thread = threading.Thread(target=self._accept, name="balancer", daemon=True)

    def __enter__(self) -> Balancer:
        self.thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        _close(self.listener)
        self.thread.join(5)

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:  # closed: the balancer stops
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def busiest(self, since: Counter[int]) -> int:
        """The port of the backend that clients sent the most bytes since `since` (a copy of `received`)."""
        return max(self.ports(), key=lambda port: self.received[port] - since[port])

    def _backend(self) -> tuple[socket.socket, int] | None:
        ports = self.ports()
        start = next(self.turns)
        for offset in range(len(ports)):
            port = ports[(start + offset) % len(ports)]
            try:
                backend = socket.create_connection((_HOST, port), timeout=CONNECT_TIMEOUT)
            except OSError:
                continue
            backend.settimeout(None)
            self.connections[port] += 1
            return backend, port
        return None

    def _serve(self, client: socket.socket) -> None:
        found = self._backend()
        if found is None:  # every backend is down: the client sees its connection closed, and retries
            _close(client)
            return
        backend, port = found

        def counted(size: int) -> None:
            self.received[port] += size

        threading.Thread(target=_pipe, args=(client, backend, counted), daemon=True).start()
        _pipe(backend, client)
