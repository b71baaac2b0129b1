"""How often Python's cyclic garbage collector runs in the server.

A batch of history rows is parsed into tens of thousands of dicts at once, which the collector tracks, and
they live until the batch is stored. With CPython's default threshold (a young collection every 700
allocations) ingesting 1M points ran about 670 collections, and the few full ones walked every object the
server had made at start-up (its GraphQL schema, SQLAlchemy's metadata, its modules): 0.4-0.7 s of the
1.0 s of CPU the server spent on those points. The objects made at start-up live as long as the process, so
they are moved out of the collector's sight, and young collections wait for more allocations."""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 50_000  # allocations (less deallocations) between young collections; CPython's default: 700


def tune_for_serving() -> None:
    """Call once the app is built, before serving."""
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *gc.get_threshold()[1:])
