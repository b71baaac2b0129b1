"""JSON documents that clients send inside GraphQL strings (W&B's JSONString).

Python's JSON dialect is used on the wire so NaN and infinities round-trip."""

from __future__ import annotations

import json
import math
import re
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


_BIG_FLOAT = 2.0**63


def has_big_float(value: Any) -> bool:
    """Whether a parsed document holds a finite float of 2^63 or more, which orjson may have made of an
    integer beyond 64 bits. A loop, not recursion: orjson parses 1,024 levels of nesting."""
    pending = [value]
    while pending:
        item = pending.pop()
        if type(item) is float:
            if abs(item) >= _BIG_FLOAT and math.isfinite(item):
                return True
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, dict):
            pending.extend(item.values())
    return False


# An integer of 2^63 or more is written as 19 digits or more in a row; a text without such a run holds none. The
# digits are found by mapping each to "1" (the rest to "0") and looking for 19 of them, 10x faster than a regex.
_DIGIT_RUN = 19
_DIGITS_BYTES = bytes(49 if 48 <= code <= 57 else 48 for code in range(256))


def _may_hold_big_integer(data: bytes | str) -> bool:
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data  # digits are ASCII
    return b"1" * _DIGIT_RUN in raw.translate(_DIGITS_BYTES)


def loads_exact(data: bytes | str, *, few_values: bool = False) -> Any:
    """Exact like Python's parser (integers beyond 64 bits, NaN and infinities), at orjson's speed where the
    document has none of them: a request body, megabytes for a batch of history rows, the stored config and
    summary of a page of runs. The document is walked for big floats only where its text could hold one, or,
    with `few_values` (a request body, whose data travels in strings), its text is scanned only where its
    values hold one: the walk then costs less than the scan."""
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)
    if few_values:
        suspect = has_big_float(value) and _may_hold_big_integer(data)
    else:
        suspect = _may_hold_big_integer(data) and has_big_float(value)
    return json.loads(data) if suspect else value


SURROGATE = "a lone surrogate (an unpaired \\ud800-\\udfff)"
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _has_surrogate(text: str) -> bool:
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def bad_character(text: str) -> str | None:
    """What in `text` no database can store: NUL (PostgreSQL's text and JSONB refuse it) or a lone
    surrogate (not encodable as UTF-8)."""
    if "\x00" in text:
        return "the NUL character (\\u0000)"
    return SURROGATE if _has_surrogate(text) else None


def may_hold_surrogates(text: str) -> bool:
    """Whether parsing the JSON `text` may give a lone surrogate (valid pairs look the same here)."""
    return ("\\u" in text and _SURROGATE_ESCAPE.search(text) is not None) or _has_surrogate(text)


def may_hold_unstorable(text: str) -> bool:
    """Whether parsing the JSON `text` may give a NUL or a lone surrogate; two passes over a text without
    escapes (a batch of numbers), the common case."""
    if "\\u" not in text:
        return _has_surrogate(text)
    return "\\u0000" in text or may_hold_surrogates(text)


def unstorable(value: Any, *, jsonb: bool = False) -> str | None:
    """What in a parsed document no database can store: a key with NUL or a lone surrogate, or a string
    with a lone surrogate (a NUL in a string survives as an escape where the JSON text is stored, but not in
    PostgreSQL's JSONB: `jsonb` refuses it too, for documents stored as such)."""
    stack = [value]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                found = bad_character(key)
                if found:
                    return f"the key {key!r} holds {found}"
                stack.append(item)
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, str) and (_has_surrogate(value) or (jsonb and "\x00" in value)):
            return f"the string {value[:40]!r} holds {bad_character(value)}"
    return None


def parse(text: str | None, what: str, kind: type = dict, *, exact: bool = True, nul: bool = False) -> Any:
    """A client's JSON document, checked to be of `kind`; exact unless the caller guards big integers.
    NUL characters only where the caller stores the text itself (`nul`): PostgreSQL's JSONB cannot hold them,
    so they are refused on every database alike, as are lone surrogates (no UTF-8 text holds them) unless
    the caller checks them itself (`nul` again: it keeps the text and refuses its parts)."""
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
    if not nul and may_hold_surrogates(text):
        found = unstorable(value)
        if found:
            raise UserError(f"{what} cannot be stored: {found}")
    return value


def wandb_values(text: str) -> Any:
    """JSON text in Python's dialect as the values W&B's server sends where its schema says JSON: NaN and the
    infinities, which standard JSON cannot hold (W&B's own client, in Go, refuses a bare NaN), become the
    strings "NaN", "Infinity" and "-Infinity"."""
    return json.loads(text, parse_constant=str)


_ENCODER = json.JSONEncoder(separators=(",", ":"))  # json.dumps with options makes an encoder per call


def stored_size(value: Any) -> int:
    """The characters (bytes: non-ASCII is escaped) of a document as the database's JSON columns store it, which
    Python's encoder writes."""
    return len(_ENCODER.encode(value))


_JSON_SCALARS = frozenset((str, int, bool, type(None)))


def _orjson_writes_it(value: Any) -> bool:
    """Whether orjson writes `value` as Python's encoder does: no NaN or infinity (orjson writes null) and
    nothing but JSON's own types (orjson writes dataclasses, dates and others that Python's encoder refuses).
    Integers beyond 64 bits and lone surrogates make orjson raise instead."""
    pending = [value]
    while pending:
        item = pending.pop()
        kind = type(item)
        if kind is dict:
            pending.extend(item.values())
        elif kind is list or kind is tuple:
            pending.extend(item)
        elif kind is float:
            if item - item != 0.0:  # NaN or an infinity
                return False
        elif kind not in _JSON_SCALARS:
            return False
    return True


def dump(value: Any) -> str:
    """JSON text in Python's dialect (NaN, Infinity, integers beyond 64 bits), written by orjson where that is
    exact: 5-10x faster, the config and summary of a page of runs and every answer."""
    if _orjson_writes_it(value):
        try:
            return orjson.dumps(value).decode()
        except TypeError:  # an integer beyond 64 bits or a lone surrogate
            pass
    return _ENCODER.encode(value)
