"""`runbase server --demo`: the demo (the client's, given by the command) logs through the API like any
script, with a key of its own that is made here and revoked when the demo ends. Its automation, which it
saves under the name given here, is disabled when the server stops, since the demo's receiver goes with
it. Either is also done at the next start, should the server die first. The server never imports the
client."""

from __future__ import annotations

import functools
import sys
import threading
from collections.abc import Callable
from urllib.parse import urlsplit

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from .auth import new_key, store_key
from .database import Database
from .settings import of_session
from .tables import ApiKey, Entity, Trigger, User
from .users import admin_viewer

KEY_DESCRIPTION = "runbase --demo (temporary; revoked when the demo ends)"
AUTOMATION = "runbase-demo"  # in the admin's entity; reserved for the demo, which replaces it at each start
# Given the API key it may use, the name of its automation, and a function that allows deliveries to exactly
# one URL (its own receiver's, on 127.0.0.1) for this process: loopback stays refused for everyone else.
Demo = Callable[[str, str, Callable[[str], None]], None]


def _revoke_demo_keys(session: Session) -> None:
    admin = admin_viewer(session).user_id
    session.execute(delete(ApiKey).where(ApiKey.user_id == admin, ApiKey.description == KEY_DESCRIPTION))


def _disable_demo_automation(session: Session) -> None:
    admin = admin_viewer(session)
    entity = select(Entity.id).where(Entity.name == admin.username).scalar_subquery()
    session.execute(update(Trigger).where(Trigger.entity_id == entity, Trigger.name == AUTOMATION)
                    .values(enabled=False))


def stop(db: Database) -> None:
    """The demo's receiver is gone with this process: nothing the demo made may act on."""
    with db.session() as session:
        _revoke_demo_keys(session)
        _disable_demo_automation(session)


def _allow_receiver(db: Database, url: str) -> None:
    """Let this server's deliveries reach the demo's own receiver, and nothing else on loopback."""
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname != "127.0.0.1" or not parts.port:
        raise ValueError("the demo's receiver must be an http://127.0.0.1:PORT/ URL")
    of_session(db.info).webhook_allowed_urls.add(url)


def _run(db: Database, demo: Demo, api_key: str) -> None:
    try:
        demo(api_key, AUTOMATION, functools.partial(_allow_receiver, db))
    except Exception as exc:  # the demo is a show; a failure must not take the server down
        print(f"runbase demo: failed: {exc}", file=sys.stderr, flush=True)
    finally:
        with db.session() as session:
            _revoke_demo_keys(session)


def start(db: Database, demo: Demo) -> threading.Thread:
    """Log the demo from a thread with a key of its own, made here and revoked when the demo ends
    (and at the next start, should this server die first)."""
    stop(db)
    with db.session() as session:
        key = new_key()
        store_key(session, session.get_one(User, admin_viewer(session).user_id), key, KEY_DESCRIPTION)
    thread = threading.Thread(target=_run, args=(db, demo, key), name="runbase-demo", daemon=True)
    thread.start()
    return thread
