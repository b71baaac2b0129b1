"""Blob garbage collection, in every blob store: unused blobs past the grace period go, with their holders;
blobs a run file uses, blobs touched recently and fresh uploads stay, and abandoned uploads are cleared."""

from __future__ import annotations

import asyncio
import hashlib
import os
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from runbase_server.artifacts import blobs
from runbase_server.database import Database, upgrade
from runbase_server.errors import UserError
from runbase_server.tables import BlobHolder, Entity, Project, Run, RunFile, User
from sqlalchemy import select


async def _once(contents: bytes) -> AsyncIterator[bytes]:
    yield contents


def _store(store: blobs.BlobStore, contents: bytes) -> str:
    digest = hashlib.sha256(contents).hexdigest()
    asyncio.run(store.put(digest, _once(contents), 1 << 20))
    return digest


def test_unused_old_blobs_are_collected_and_used_or_recent_ones_kept(blob_store: blobs.BlobStore,
                                                                      tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'gc.db'}")
    upgrade(db.engine)
    store = blob_store
    used, unused, touched = (_store(store, f"{what} {uuid.uuid4()}".encode())
                             for what in ("used by a run file", "nothing points here", "found by a HEAD just now"))
    abandoned = None
    if isinstance(store, blobs.LocalBlobStore):
        store.incoming.mkdir(parents=True, exist_ok=True)
        abandoned = store.incoming / "abandoned.part"
        abandoned.write_bytes(b"half an upload")
        os.utime(abandoned, (time.time() - 7200,) * 2)
    stored_old = time.time()
    time.sleep(2.2)  # apart by more than twice the store's clock resolution (S3 keeps whole seconds)
    stored_new = time.time()
    store.touch(touched)
    recent = _store(store, b"uploaded a moment ago")
    user_id, run_id = _user_with_a_run(db)
    with db.session() as session:
        session.add(RunFile(run_id=run_id, name="model.pt", sha256=used, size=store.size(used)))
        session.add_all([BlobHolder(sha256=digest, user_id=user_id) for digest in (used, unused, recent, touched)])

    # The grace period ends halfway between the two, however long the steps in between took on a busy machine.
    assert blobs.collect_garbage(db, store, grace_seconds=time.time() - (stored_old + stored_new) / 2) == 1

    assert store.size(unused) is None and (abandoned is None or not abandoned.exists())
    assert all(store.size(digest) is not None for digest in (used, recent, touched))
    with db.session() as session:
        holders = set(session.scalars(select(BlobHolder.sha256)))
    assert holders == {used, recent, touched}
    db.dispose()


def _databases(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> tuple[Database, Database]:
    """Two servers' connections to one database: one collects garbage while the other attaches files."""
    url = request.getfixturevalue("migrated").url(kind, tmp_path)
    return Database(url), Database(url)


def _old_unused_blob(db: Database, store: blobs.BlobStore) -> tuple[str, int, int]:
    """A blob stored, and held by a user with a run, 2.2 s ago (more than the store's clock resolution):
    (digest, user id, run id)."""
    digest = _store(store, f"stored long ago {uuid.uuid4()}".encode())
    user_id, run_id = _user_with_a_run(db)
    with db.session() as session:
        session.add(BlobHolder(sha256=digest, user_id=user_id))
    time.sleep(2.2)
    return digest, user_id, run_id


def _user_with_a_run(db: Database) -> tuple[int, int]:
    """A user's id, and the id of a run in a project of theirs."""
    with db.session() as session:
        user, entity = User(username="u"), Entity(name="u")
        session.add_all([user, entity])
        session.flush()
        project = Project(entity_id=entity.id, name="p")
        session.add(project)
        session.flush()
        run = Run(project_id=project.id, name="r")
        session.add(run)
        session.flush()
        return user.id, run.id


def _attach(db: Database, store: blobs.BlobStore, user_id: int, run_id: int, digest: str) -> None:
    """What attaching a file does (runs/files.upsert): check the user holds the stored blob, point a file at it."""
    with db.session() as session:
        composites = blobs.require_held(session, store, user_id, [("model.pt", digest, store.size(digest) or 0)])
        session.add(RunFile(run_id=run_id, name="model.pt", sha256=digest, size=store.size(digest),
                            composite=composites.get(digest)))


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_a_blob_attached_while_garbage_collection_deletes_it_is_kept_or_refused(
        database: str, blob_store: blobs.BlobStore, tmp_path: Path, request: pytest.FixtureRequest,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The race of a long pass: another server attaches a file to a listed, unused blob after the pass found it
    unused and before it deletes it. The attach waits for the pass, then finds the blob gone and is refused
    (the client uploads it again); no file ever points at a deleted blob."""
    collector, attacher = _databases(database, tmp_path, request)
    store = blob_store
    digest, user_id, run_id = _old_unused_blob(collector, store)
    outcome: dict[str, object] = {}
    delete = store.delete

    def attach_meanwhile(*names: str) -> None:
        def attach() -> None:
            try:
                _attach(attacher, store, user_id, run_id, digest)
                outcome["attached"] = True
            except UserError as exc:
                outcome["refused"] = str(exc)

        racing = threading.Thread(target=attach)
        racing.start()
        racing.join(1.5)  # long enough to attach, had nothing stopped it
        outcome["waited"] = racing.is_alive()
        delete(*names)
        outcome["thread"] = racing

    monkeypatch.setattr(store, "delete", attach_meanwhile)
    assert blobs.collect_garbage(collector, store, grace_seconds=1) == 1
    racing = outcome.pop("thread")
    assert isinstance(racing, threading.Thread)
    racing.join(30)
    assert outcome["waited"] is True and "attached" not in outcome, outcome
    assert "no blob" in str(outcome["refused"]) and store.size(digest) is None
    with attacher.session() as session:
        assert session.scalars(select(RunFile)).all() == []
    collector.dispose()
    attacher.dispose()


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_blobs_attached_or_touched_after_the_listing_are_kept(
        database: str, blob_store: blobs.BlobStore, tmp_path: Path, request: pytest.FixtureRequest,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Between listing the store and deleting, another server attaches one listed blob and finds another
    (HEAD touches it, a client will attach it without uploading): both stay, with their holders."""
    collector, attacher = _databases(database, tmp_path, request)
    store = blob_store
    attached, user_id, run_id = _old_unused_blob(collector, store)
    touched = _store(store, f"found by a HEAD after the listing {uuid.uuid4()}".encode())
    with collector.session() as session:
        session.add(BlobHolder(sha256=touched, user_id=user_id))
    listed = store.stored_before

    def listing_then_more(cutoff: float) -> Iterator[str]:
        names = list(listed(cutoff))
        assert {attached, touched} <= set(names)
        yield from names
        _attach(attacher, store, user_id, run_id, attached)
        store.touch(touched)

    monkeypatch.setattr(store, "stored_before", listing_then_more)
    time.sleep(1.1)  # the touch comes a whole second of the store's clock after the cutoff
    assert blobs.collect_garbage(collector, store, grace_seconds=1) == 0
    assert store.size(attached) is not None and store.size(touched) is not None
    with collector.session() as session:
        assert set(session.scalars(select(BlobHolder.sha256))) == {attached, touched}
    collector.dispose()
    attacher.dispose()


def test_contents_collected_while_they_came_in_again_are_not_held(blob_store: blobs.BlobStore,
                                                                  tmp_path: Path) -> None:
    """An upload of contents stored already writes nothing (or only touches them); when a pass deleted them
    meanwhile, the uploader is told to send them again instead of holding contents that are gone."""
    db = Database(f"sqlite:///{tmp_path / 'gc.db'}")
    upgrade(db.engine)
    store = blob_store
    digest, user_id, _ = _old_unused_blob(db, store)
    gone = hashlib.sha256(b"deleted meanwhile").hexdigest()
    with db.session() as session:
        assert blobs.hold_stored(session, store, user_id, digest, gone) == [gone]
    with db.session() as session:
        assert set(session.scalars(select(BlobHolder.sha256))) == {digest}
        with pytest.raises(blobs.BlobCollected, match="send it again"):
            blobs.hold_uploaded(session, store, user_id, gone)
    db.dispose()
