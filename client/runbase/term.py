"""runbase's own lines on stderr ("runbase: ...", "runbase: WARNING ...", "runbase: ERROR ..."), as W&B's
termlog, termwarn and termerror print theirs: scripts and integrations call these to speak in runbase's voice,
and a silent setup keeps them quiet."""

from __future__ import annotations

import logging
import sys
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .settings import Settings

PREFIX = "runbase"
MAX_REMEMBERED = 1000  # messages remembered for repeat=False

_lock = threading.Lock()
_silent: bool | None = None  # from termsetup(); None: the environment's SILENT
_logger: logging.Logger | None = None
_hidden: set[int] = set()  # the levels show_info, show_warnings and show_errors=False keep off stderr
_printed: set[str] = set()


def termsetup(settings: Settings, logger: logging.Logger | None = None) -> None:
    """Follow these settings' `silent` and `show_info`/`show_warnings`/`show_errors`; a line they keep off
    stderr goes to `logger` (if any) instead."""
    global _silent, _logger, _hidden
    _silent, _logger = bool(settings.silent), logger
    _hidden = {level for level, shown in ((logging.INFO, settings.show_info), (logging.WARNING, settings.show_warnings),
                                          (logging.ERROR, settings.show_errors)) if shown is False}


def _quiet() -> bool:
    if _silent is not None:
        return _silent
    from .settings import Settings

    try:
        return bool(Settings.from_environment().silent)
    except Exception:  # noqa: BLE001 - an unreadable variable must not stop a message; init reports it
        return False


def _log(text: str, *, newline: bool, repeat: bool, prefix: bool, level: int) -> None:
    with _lock:
        if not repeat:
            if text in _printed:
                return
            if len(_printed) < MAX_REMEMBERED:
                _printed.add(text)
        if prefix:
            text = "\n".join(f"{PREFIX}: {line}" for line in text.split("\n"))
        if not _quiet() and level not in _hidden:
            print(text, file=sys.stderr, end="\n" if newline else "", flush=True)
        elif _logger is not None:
            _logger.log(level, text)


def termlog(string: str = "", newline: bool = True, repeat: bool = True, prefix: bool = True) -> None:
    """An informational line; with repeat=False, not again once any of these printed the same text."""
    _log(str(string), newline=newline, repeat=repeat, prefix=prefix, level=logging.INFO)


def termwarn(string: str, newline: bool = True, repeat: bool = True, prefix: bool = True) -> None:
    _log("\n".join(f"WARNING {line}" for line in str(string).split("\n")), newline=newline, repeat=repeat,
         prefix=prefix, level=logging.WARNING)


def termerror(string: str, newline: bool = True, repeat: bool = True, prefix: bool = True) -> None:
    _log("\n".join(f"ERROR {line}" for line in str(string).split("\n")), newline=newline, repeat=repeat,
         prefix=prefix, level=logging.ERROR)
