"""uvicorn's h11 protocol with deadlines for reading a request. uvicorn has none: a client that connects and
sends nothing, sends its headers a byte at a time (slowloris), or stops in the middle of a body holds its
connection, and a file descriptor, for as long as it likes, before any auth. Here a request's head (its line and
headers) must arrive whole within `head_seconds` of its first byte, or of the connection for the first request,
and a body may not pause for longer than `body_idle_seconds`; else the connection is closed. Idle connections
between requests keep uvicorn's keep-alive timeout."""

from __future__ import annotations

import asyncio
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol


class _DeadlinedH11(H11Protocol):
    head_seconds: float
    body_idle_seconds: float

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._head_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.transport.is_closing():
            self._disarm()
        elif self.conn.their_state is h11.SEND_BODY:  # a body under way: it may pause, but not for long
            self._arm(self.body_idle_seconds)
        elif self.conn.their_state is h11.IDLE and self._waiting_for_head():
            if self._deadline is None:  # from the first byte of this head on, however slowly the rest comes
                self._head_deadline()
        else:  # a whole request is in: the app answers in its own time
            self._disarm()

    def on_response_complete(self) -> None:
        self._disarm()  # until the next request's first byte, uvicorn's keep-alive timeout holds
        super().on_response_complete()

    def _waiting_for_head(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def _head_deadline(self) -> None:
        self._arm(self.head_seconds)

    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if self.flow.read_paused:  # the app has not taken what came: the client is not the one waiting
            self._arm(self.body_idle_seconds)
            return
        reading = self.conn.their_state is h11.SEND_BODY or (self.conn.their_state is h11.IDLE
                                                             and self._waiting_for_head())
        if reading and not self.transport.is_closing():
            self.logger.info("closed a connection that was too slow to send its request")
            self.transport.close()


def deadlined_h11(head_seconds: float, body_idle_seconds: float) -> type[H11Protocol]:
    """The protocol class for uvicorn's `http` setting."""
    return type("DeadlinedH11", (_DeadlinedH11,), {"head_seconds": head_seconds,
                                                   "body_idle_seconds": body_idle_seconds})
