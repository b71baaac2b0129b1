"""Blob garbage collection, in every blob store: unused blobs past the grace period go, with their holders;
blobs a run file uses, blobs touched recently and fresh uploads stay, and abandoned uploads are cleared."""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

from runbase_server.artifacts import blobs
from runbase_server.database import Database, upgrade
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
    with db.session() as session:
        user = User(username="u")
        entity = Entity(name="u")
        session.add_all([user, entity])
        session.flush()
        project = Project(entity_id=entity.id, name="p")
        session.add(project)
        session.flush()
        run = Run(project_id=project.id, name="r")
        session.add(run)
        session.flush()
        session.add(RunFile(run_id=run.id, name="model.pt", sha256=used, size=store.size(used)))
        session.add_all([BlobHolder(sha256=digest, user_id=user.id) for digest in (used, unused, recent, touched)])

    # The grace period ends halfway between the two, however long the steps in between took on a busy machine.
    assert blobs.collect_garbage(db, store, grace_seconds=time.time() - (stored_old + stored_new) / 2) == 1

    assert store.size(unused) is None and (abandoned is None or not abandoned.exists())
    assert all(store.size(digest) is not None for digest in (used, recent, touched))
    with db.session() as session:
        holders = set(session.scalars(select(BlobHolder.sha256)))
    assert holders == {used, recent, touched}
    db.dispose()
