"""Console capture: what a script prints to stdout and stderr while a run is active becomes the
run's console lines (output.log in the run directory, and the server's console view), the way
W&B's console="wrap" keeps them. The real streams still get every write, first.

Like W&B's wrap mode, capture patches `write` on the stream objects themselves rather than putting
new objects in sys.stdout and sys.stderr, so output written through references taken before
init() (a logging.StreamHandler from logging.basicConfig(), a tqdm bar) is captured too. Only a
stream whose attribute cannot be set is replaced by a stand-in object instead."""

from __future__ import annotations

import os
import re
import sys
import threading
import weakref
from collections.abc import Callable, Iterable
from typing import Any, TextIO

MAX_LINE_CHARS = 10_000
_LINE_BREAKS = re.compile("([\r\n])")
_NOT_SET = object()  # a stream had no `write` of its own before a capture patched one in


class _ThreadFlags(threading.local):
    ignored = False  # a class default: reading it never raises, which keeps writes cheap


_own = _ThreadFlags()
_active: weakref.WeakSet[ConsoleCapture] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    """A forked child has no sender thread: its writes must not pile up in a queue nobody drains."""
    for capture in list(_active):
        capture.active = False


if hasattr(os, "register_at_fork"):  # POSIX; Windows cannot fork
    os.register_at_fork(after_in_child=_after_fork_in_child)


def ignore_this_thread() -> None:
    """Leave what the calling thread prints out of every capture: runbase's sender warns about
    failed sends on stderr, and capturing those would make more to send."""
    _own.ignored = True


def _clean(line: str) -> str:
    """A line that encodes as UTF-8 and holds no NUL, which databases refuse."""
    if not line.isascii():
        line = line.encode("utf-8", "replace").decode("utf-8")  # lone surrogates become "?"
    return line.replace("\x00", "\ufffd") if "\x00" in line else line


class LineSplitter:
    """Turns written text into complete lines. A newline ends a line; a carriage return starts it
    over, so a progress bar's rewrites leave only its last state; long lines are cut with a marker."""

    def __init__(self, max_chars: int = MAX_LINE_CHARS) -> None:
        self.max_chars = max_chars
        self._pieces: list[str] = []
        self._size = 0
        self._cut = 0
        self._restart = False

    def feed(self, text: str) -> list[str]:
        """The lines this text completes."""
        if "\r" not in text and not self._restart:
            if "\n" not in text:
                self._add(text)
                return []
            return self._feed_lines(text)
        lines = []
        for part in _LINE_BREAKS.split(text):
            if part == "\n":
                lines.append(self._take())
            elif part == "\r":
                self._restart = True
            else:
                self._add(part)
        return lines

    def _feed_lines(self, text: str) -> list[str]:
        """feed() for text with newlines but no carriage return: str.split does the work."""
        lines = text.split("\n")
        rest = lines.pop()
        start = 0
        if self._pieces:  # the first line finishes one begun by an earlier write
            self._add(lines[0])
            lines[0] = self._take()
            start = 1
        if not text.isascii() or "\x00" in text or (
                len(text) > self.max_chars and max(map(len, lines)) > self.max_chars):
            lines[start:] = [self._whole(line) for line in lines[start:]]
        self._add(rest)
        return lines

    def _whole(self, line: str) -> str:
        """A complete line written in one piece, cut and cleaned as _take() does."""
        if len(line) > self.max_chars:
            line = line[:self.max_chars] + f" [runbase: {len(line) - self.max_chars} more characters cut]"
        return _clean(line)

    def rest(self) -> str | None:
        """The unfinished last line, if anything was written since the last newline."""
        return self._take() if self._pieces else None

    def _add(self, part: str) -> None:
        if not part:
            return
        if self._restart:
            self._pieces, self._size, self._cut, self._restart = [], 0, 0, False
        room = self.max_chars - self._size
        if len(part) > room:
            self._cut += len(part) - room
            part = part[:room]
        if part:
            self._pieces.append(part)
            self._size += len(part)

    def _take(self) -> str:
        line = "".join(self._pieces)
        if self._cut:
            line += f" [runbase: {self._cut} more characters cut]"
        self._pieces, self._size, self._cut, self._restart = [], 0, 0, False
        return _clean(line)


def _writer(name: str, stream: Any, capture: ConsoleCapture) -> Callable[[Any], Any]:
    """A `write` for one stream that writes as the stream did, then queues the text for the capture.
    It only queues (one deque append, no wake-up): splitting into lines is left to the sender thread."""
    before = stream.__dict__.get("write", _NOT_SET)  # an earlier patch (another run's, or another tool's)
    real_write = stream.write
    append = capture.append
    item = name  # bound once: the queue item is (stream name, text)
    own = _own

    def write(text: Any) -> Any:
        written = real_write(text)
        if capture.active and not own.ignored and type(text) is str:  # a stream may take bytes too
            append((item, text))
        return written

    write._runbase_capture = capture  # type: ignore[attr-defined]
    write._runbase_before = before  # type: ignore[attr-defined]
    return write


class _Tee:
    """Stands in for sys.stdout or sys.stderr where `write` cannot be patched on the stream itself:
    each write goes to the real stream, then to the capture's queue."""

    def __init__(self, name: str, stream: TextIO, capture: ConsoleCapture) -> None:
        self._name = name
        self._stream = stream
        self._capture = capture

    def write(self, text: str) -> int:
        written = self._stream.write(text)
        if self._capture.active and not _own.ignored and type(text) is str:
            self._capture.append((self._name, text))
        return written

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:  # encoding, fileno, isatty, flush, buffer...
        return getattr(self._stream, name)


class ConsoleCapture:
    """Captures stdout and stderr for one run: `append((stream_name, text))` gets every write, in order
    (the sender's queue.append, bound once, so a captured write costs one call more)."""

    def __init__(self, append: Callable[[tuple[str, str]], None]) -> None:
        self.append = append
        self._patched: list[tuple[Any, Callable[[Any], Any]]] = []  # (stream, the write patched onto it)
        self._tees: dict[str, _Tee] = {}
        self.active = False

    def start(self) -> None:
        for name in ("stdout", "stderr"):
            stream = getattr(sys, name)
            if stream is None:
                continue
            try:
                write = _writer(name, stream, self)
                stream.write = write
            except (AttributeError, TypeError):  # no instance dict (__slots__, a C type): swap the object
                self._tees[name] = _Tee(name, stream, self)
                setattr(sys, name, self._tees[name])
            else:
                self._patched.append((stream, write))
        self.active = True
        _active.add(self)

    def stop(self) -> None:
        """Give the real streams back."""
        self.active = False
        for stream, write in self._patched:
            if stream.__dict__.get("write") is not write:
                continue  # something patched over ours since; ours stays, inactive, passing writes through
            before = getattr(write, "_runbase_before")
            while getattr(before, "_runbase_capture", None) is not None and not before._runbase_capture.active:
                before = before._runbase_before  # a run that finished first left its patch under ours
            try:
                if before is _NOT_SET:
                    del stream.write
                else:
                    stream.write = before
            except (AttributeError, TypeError):
                pass
        self._patched = []
        for name, tee in self._tees.items():
            if getattr(sys, name) is tee:
                stream = tee._stream
                while isinstance(stream, _Tee) and not stream._capture.active:  # a run that finished first
                    stream = stream._stream
                setattr(sys, name, stream)
            # else something wrapped our tee since; it stays in place, inactive, passing writes through
        self._tees = {}


class ConsoleLines:
    """Complete lines from the text written to each stream, in order (used by the sender thread).
    Consecutive writes to one stream are split together, which is much cheaper than one by one."""

    def __init__(self) -> None:
        self._splitters: dict[str, LineSplitter] = {}
        self._stream = ""
        self._pieces: list[str] = []
        self._lines: list[str] = []

    def add(self, stream: str, text: str) -> None:
        if stream != self._stream:
            self._split()
            self._stream = stream
        self._pieces.append(text)

    def take(self, end: bool = False) -> list[str]:
        """The lines completed so far; at the end, each stream's unfinished last line too."""
        self._split()
        if end:
            self._lines.extend(line for splitter in self._splitters.values() if (line := splitter.rest()) is not None)
        lines, self._lines = self._lines, []
        return lines

    def _split(self) -> None:
        if self._pieces:
            splitter = self._splitters.get(self._stream)
            if splitter is None:
                splitter = self._splitters[self._stream] = LineSplitter()
            self._lines.extend(splitter.feed("".join(self._pieces)))
            self._pieces = []
