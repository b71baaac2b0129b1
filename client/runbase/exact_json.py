"""JSON written at orjson's speed where that is exact: the SDK's request bodies and the server's answers and
stored documents. orjson writes NaN and the infinities as null (Python's encoder writes them as NaN and
Infinity, or refuses them) and refuses integers beyond 64 bits and lone surrogates; such values, rare, take
Python's encoder."""

from __future__ import annotations

import math
from typing import Any

_PLAIN = (str, int, bool, type(None))


def needs_python_encoder(value: Any) -> bool:
    """Whether a value holds NaN or an infinity, or anything but plain JSON values (a model or dataclass could
    hold either, out of this walk's sight, and orjson would write a type Python's encoder refuses)."""
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
