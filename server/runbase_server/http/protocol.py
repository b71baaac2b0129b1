"""uvicorn's h11 protocol with deadlines for reading a request. uvicorn has none: a client that connects and
sends nothing, sends its headers a byte at a time (slowloris), or stops in the middle of a body holds its
connection, and a file descriptor, for as long as it likes, before any auth. Here a request's head (its line and
headers) must arrive whole within `head_seconds` of its first byte, or of the connection for the first request;
a body may not pause for longer than `body_idle_seconds`, nor come slower on average than MIN_BODY_RATE after
that long (so a byte every little while cannot hold it either), and what is left of a body after the answer
(a 413, a 401) is taken for `body_idle_seconds` at most; else the connection is closed. Idle connections
between requests keep uvicorn's keep-alive timeout."""

from __future__ import annotations

import asyncio
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol


MIN_BODY_RATE = 500  # bytes a second a body must average, past its first body_idle_seconds (as Apache's MinRate)


class _DeadlinedH11(H11Protocol):
    head_seconds: float
    body_idle_seconds: float

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None
        self._kind = ""  # what the deadline is for: "head", "body" or "discard"
        self._body_of: object = None  # the request cycle whose body is counted
        self._body_since = 0.0
        self._body_bytes = 0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm("head", self.head_seconds)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        cycle, held = self.cycle, len(self.cycle.body) if self.cycle is not None else 0
        super().data_received(data)
        # Body bytes only (what the cycle holds grew by; framing such as chunk extensions is not body).
        grown = len(self.cycle.body) - (held if self.cycle is cycle else 0) if self.cycle is not None else 0
        self._watch(max(grown, 0), head_started=True)

    def on_response_complete(self) -> None:
        # uvicorn then starts on requests the client sent ahead (pipelined), which no data_received announces.
        super().on_response_complete()
        self._watch(0, head_started=False)

    def _watch(self, received: int, *, head_started: bool) -> None:
        """Set the deadline that the connection's state calls for, after `received` bytes came in."""
        state = self.conn.their_state
        if self.transport.is_closing():
            self._disarm()
        elif state is h11.SEND_BODY and self.cycle is not None and self.cycle.response_complete:
            # Answered already (a 413, a 401): what is left of the body is thrown away, for a while at most.
            if self._kind != "discard":
                self._arm("discard", self.body_idle_seconds)
        elif state is h11.SEND_BODY:  # no pause past body_idle_seconds, and on average MIN_BODY_RATE
            now = self.loop.time()
            if self._body_of is not self.cycle:
                self._body_of, self._body_since, self._body_bytes = self.cycle, now, 0
            self._body_bytes += received
            rate_due = self._body_since + self.body_idle_seconds + self._body_bytes / MIN_BODY_RATE
            self._arm("body", min(self.body_idle_seconds, rate_due - now))
        elif state is h11.IDLE and self._waiting_for_head():
            if not head_started:  # resting between requests: uvicorn's keep-alive timeout holds
                self._disarm()
            elif self._kind != "head":  # from the first byte of this head on, however slowly the rest comes
                self._arm("head", self.head_seconds)
        else:  # a whole request is in: the app answers in its own time
            self._disarm()

    def _waiting_for_head(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def _arm(self, kind: str, seconds: float) -> None:
        self._disarm()
        self._kind = kind
        self._deadline = self.loop.call_later(max(seconds, 0.0), self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        self._deadline, self._kind = None, ""

    def _too_slow(self) -> None:
        kind = self._kind
        self._deadline, self._kind = None, ""
        if self.transport.is_closing():
            return
        if kind == "body" and (self.flow.read_paused or (self.cycle is not None
                                                         and self.cycle.waiting_for_100_continue)):
            # The app has not taken what came, or not yet asked for the body that the client waits to be
            # asked for (Expect: 100-continue): the client is not the one waiting. Its clock starts again.
            self._body_since, self._body_bytes = self.loop.time(), 0
            self._arm("body", self.body_idle_seconds)
            return
        self.logger.info("closed a connection that was too slow to send its request (%s)", kind)
        self.transport.close()


def deadlined_h11(head_seconds: float, body_idle_seconds: float) -> type[H11Protocol]:
    """The protocol class for uvicorn's `http` setting."""
    return type("DeadlinedH11", (_DeadlinedH11,), {"head_seconds": head_seconds,
                                                   "body_idle_seconds": body_idle_seconds})
