"""The server's API-key cache on one database, without a server: a key deleted through the server stops working
at once, however it was deleted; one deleted elsewhere (another server sharing the database) within the TTL;
and a lookup that raced a deletion is not kept."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import MigratedDatabases
from runbase_server import users
from runbase_server.auth import KEY_CACHE, KeyCache, Viewer, authenticate, new_key, store_key
from runbase_server.database import Database
from runbase_server.errors import Unauthenticated
from runbase_server.tables import ApiKey
from sqlalchemy import delete, select

TTL = 0.5


@pytest.fixture
def db(tmp_path: Path, migrated: MigratedDatabases) -> Iterator[Database]:
    database = Database(migrated.url("sqlite", tmp_path), info={KEY_CACHE: KeyCache(TTL)})
    yield database
    database.dispose()


def new_user_key(db: Database, name: str = "alice") -> str:
    key = new_key()
    with db.session() as session:
        store_key(session, users.create_user(session, name), key)
    return key


def viewer_of(db: Database, key: str) -> Viewer:
    with db.session() as session:
        return authenticate(session, f"Bearer {key}")


def test_a_key_deleted_through_the_server_stops_at_once(db: Database) -> None:
    key = new_user_key(db)
    assert viewer_of(db, key).username == "alice"  # now cached
    with db.session() as session:  # as deleteApiKey does
        session.delete(session.scalars(select(ApiKey)).one())
    with pytest.raises(Unauthenticated):
        viewer_of(db, key)


def test_a_bulk_deletion_empties_the_cache_too(db: Database) -> None:
    key = new_user_key(db)
    viewer_of(db, key)
    with db.session() as session:  # as the demo removes its key
        session.execute(delete(ApiKey))
    with pytest.raises(Unauthenticated):
        viewer_of(db, key)


def test_a_key_deleted_elsewhere_stops_within_the_ttl(db: Database) -> None:
    key = new_user_key(db)
    viewer_of(db, key)
    with db.engine.begin() as connection:  # another server: this one's sessions never see it
        connection.execute(delete(ApiKey))
    assert viewer_of(db, key).username == "alice"
    time.sleep(TTL)
    with pytest.raises(Unauthenticated):
        viewer_of(db, key)


def test_a_lookup_begun_before_a_deletion_is_not_kept(db: Database) -> None:
    key = new_user_key(db)
    with db.session() as reader:
        reader.execute(select(1))  # its transaction began before the deletion below
        with db.session() as session:
            session.execute(delete(ApiKey))
        with contextlib.suppress(Unauthenticated):  # whether it still sees the key depends on the database
            authenticate(reader, f"Bearer {key}")
    with pytest.raises(Unauthenticated):
        viewer_of(db, key)
    cache = KeyCache(TTL)
    begun = cache.generation
    cache.clear()
    cache.put("h", Viewer(user_id=1, username="a", admin=False), begun)
    assert cache.get("h") is None


def test_a_zero_ttl_keeps_nothing() -> None:
    cache = KeyCache(0)
    cache.put("h", Viewer(user_id=1, username="a", admin=False), cache.generation)
    assert cache.get("h") is None
