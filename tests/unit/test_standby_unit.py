"""A standby met after a failover replaces a server's pooled connections at most once a second: the requests
that meet it meanwhile fail fast on the connections there are instead of each reconnecting."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from runbase_server import database
from sqlalchemy import create_engine


def test_the_pool_is_replaced_at_most_once_a_second_per_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [100.0]
    monkeypatch.setattr(database, "time", SimpleNamespace(monotonic=lambda: clock[0]))
    engine, other = create_engine("sqlite://"), create_engine("sqlite://")
    assert database._replace_pool(engine)
    clock[0] += database.REPLACE_ON_STANDBY_EVERY / 2
    assert not database._replace_pool(engine)
    assert database._replace_pool(other)  # each server's (engine's) pool on its own
    clock[0] += database.REPLACE_ON_STANDBY_EVERY / 2
    assert database._replace_pool(engine)
    assert not database._replace_pool(engine)
