"""JSON documents that clients send inside GraphQL strings (W&B's JSONString).

Python's JSON dialect is used on the wire so NaN and infinities round-trip."""

from __future__ import annotations

import json
from typing import Any

import orjson

from .errors import UserError


def loads(text: str) -> Any:
    """Fast but inexact: orjson is 3x faster than Python's parser, yet reads integers beyond
    64 bits as floats (callers must check, as history does) and knows no NaN or Infinity
    (documents holding them take Python's parser)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def parse(text: str | None, what: str, kind: type = dict, exact: bool = True, nul: bool = False) -> Any:
    """A client's JSON document, checked to be of `kind`; exact unless the caller guards big integers.
    NUL characters only where the caller stores the text itself (`nul`): PostgreSQL's JSONB cannot hold them,
    so they are refused on every database alike."""
    if text is None:
        return None
    if not nul and "\\u0000" in text:
        raise UserError(f"{what} must not contain the NUL character (\\u0000)")
    try:
        value = json.loads(text) if exact else loads(text)
    except (TypeError, ValueError) as exc:
        raise UserError(f"{what} is not valid JSON: {exc}") from None
    except RecursionError:
        raise UserError(f"{what} is nested too deeply") from None
    if not isinstance(value, kind):
        raise UserError(f"{what} must be a JSON {'object' if kind is dict else 'list'}")
    return value


def dump(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))
