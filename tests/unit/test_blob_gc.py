"""Blob garbage collection: unused blobs past the grace period go, with their holders; blobs a run file
uses, blobs touched recently and fresh uploads stay."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

from runbase_server.artifacts import blobs
from runbase_server.database import Database, upgrade
from runbase_server.tables import BlobHolder, Entity, Project, Run, RunFile, User
from sqlalchemy import select


def _store(store: blobs.LocalBlobStore, contents: bytes, age_s: float) -> str:
    digest = hashlib.sha256(contents).hexdigest()
    path = store.path(digest)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(contents)
    then = time.time() - age_s
    os.utime(path, (then, then))
    return digest


def test_unused_old_blobs_are_collected_and_used_or_recent_ones_kept(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'gc.db'}")
    upgrade(db.engine)
    store = blobs.LocalBlobStore(tmp_path / "blobs")
    used = _store(store, b"used by a run file", 7200)
    unused = _store(store, b"nothing points here", 7200)
    recent = _store(store, b"uploaded a moment ago", 10)
    touched = _store(store, b"found by a HEAD just now", 7200)
    store.touch(touched)
    store.incoming.mkdir(parents=True)
    abandoned = store.incoming / "abandoned.part"
    abandoned.write_bytes(b"half an upload")
    os.utime(abandoned, (time.time() - 7200,) * 2)
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
        session.add(RunFile(run_id=run.id, name="model.pt", sha256=used, size=18))
        session.add_all([BlobHolder(sha256=digest, user_id=user.id) for digest in (used, unused, recent, touched)])

    assert blobs.collect_garbage(db, store, grace_seconds=3600) == 1

    assert store.size(unused) is None and not abandoned.exists()
    assert all(store.size(digest) is not None for digest in (used, recent, touched))
    with db.session() as session:
        holders = set(session.scalars(select(BlobHolder.sha256)))
    assert holders == {used, recent, touched}
    db.dispose()
