"""Integration secrets at rest: bot tokens, Slack incoming-webhook URLs, HMAC
secrets and access tokens are stored encrypted (Fernet: AES-128-CBC with an
HMAC-SHA256 tag) under the server's key, so a copy of the database or a backup
does not give them away.

The key is RUNBASE_SECRET_KEY, or else `secret.key` in the data dir, made on
first start with mode 0600. Rotation: make a new key, set it as
RUNBASE_SECRET_KEY and the old one in RUNBASE_SECRET_KEY_PREVIOUS; at start the
server re-encrypts every stored secret under the new key, after which the old
one can be dropped.

Servers sharing a database must share the key: it also signs upload URLs (runs/uploads.py), which any server
may be asked to check. The database keeps the key's fingerprint (an HMAC, which tells nothing of the key), so
a server with another key refuses to start instead of failing deliveries and uploads one by one."""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import os
import time
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Connection, delete, inspect, insert, select
from sqlalchemy.orm import Session

from ..settings import ServerSettings, of_session
from ..tables import Integration, ServerState, utcnow

log = logging.getLogger("runbase.secrets")
PREFIX = "fernet:"  # tells a sealed value from a plaintext one written before encryption
KEY_FILE = "secret.key"
COLUMNS = ("url", "secret", "access_token", "bot_token")  # Integration columns that may hold a secret
FINGERPRINT = "secret key fingerprint"  # its ServerState row


class WrongKey(Exception):
    """This server's secret key is not the one the database was used with."""


class Unreadable(Exception):
    """A stored secret that none of this server's keys decrypts."""


class SecretBox:
    """Seals with the current key; opens with it or any previous one."""

    def __init__(self, current: str | bytes, previous: tuple[str, ...] = ()) -> None:
        self.keys = (current if isinstance(current, str) else current.decode(), *previous)  # for the migrations
        self.current = Fernet(current)
        self.all = MultiFernet([self.current, *(Fernet(key) for key in previous)])

    def seal(self, value: str | None) -> str | None:
        return None if value is None else PREFIX + self.current.encrypt(value.encode()).decode()

    def open(self, value: str | None) -> str | None:
        """The plaintext of a sealed value; an unsealed one (from before encryption) is returned as it is."""
        if value is None or not value.startswith(PREFIX):
            return value
        try:
            return self.all.decrypt(value.removeprefix(PREFIX).encode()).decode()
        except InvalidToken:
            raise Unreadable("an integration secret cannot be decrypted with this server's keys (servers sharing "
                             "a database need the same RUNBASE_SECRET_KEY)") from None

    def reseal(self, value: str | None) -> str | None:
        """`value` sealed under the current key: unchanged if it already is, so restarts rewrite nothing."""
        if value is None:
            return None
        if value.startswith(PREFIX):
            token = value.removeprefix(PREFIX).encode()
            try:
                self.current.decrypt(token)
                return value
            except InvalidToken:
                return PREFIX + self.all.rotate(token).decode()
        return self.seal(value)


def _key_file(data_dir: Path) -> str:
    """The data dir's key, made on first use; O_EXCL makes servers starting together agree on one."""
    path = data_dir / KEY_FILE
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if path.stat().st_mode & 0o077:
            log.warning("%s can be read by other users; chmod 600 it", path)
        for _ in range(50):  # another server may have created it a moment ago and still be writing it
            key = path.read_text().strip()
            if key:
                return key
            time.sleep(0.1)
        raise RuntimeError(f"{path} is empty; delete it only if no secret was ever stored with it") from None
    with os.fdopen(descriptor, "w") as out:
        key = Fernet.generate_key().decode()
        out.write(key + "\n")
    log.warning("made a new secret key in %s; back it up with the database: stored integration secrets need it",
                path)
    return key


@functools.lru_cache(maxsize=8)
def _box(secret_key: str | None, previous: tuple[str, ...], data_dir: str) -> SecretBox:
    return SecretBox(secret_key or _key_file(Path(data_dir)), previous)


def box_for(settings: ServerSettings) -> SecretBox:
    return _box(settings.secret_key, settings.secret_key_previous, str(settings.data_dir.resolve()))


def box_of(session: Session) -> SecretBox:
    return box_for(of_session(session.info))


def fingerprint(key: str) -> str:
    return hmac.new(key.encode(), b"runbase: which secret key this is", hashlib.sha256).hexdigest()


def key_problem(connection: Connection, box: SecretBox) -> str | None:
    """Why this server may not use its keys on the database; None when the database was used with one of them
    (the current key, or a previous one during a rotation) or with none yet."""
    if not inspect(connection).has_table(ServerState.__tablename__):  # new, or older than the fingerprint
        return None
    recorded = connection.scalar(select(ServerState.value).where(ServerState.name == FINGERPRINT))
    if recorded is None or recorded in {fingerprint(key) for key in box.keys}:
        return None
    return ("this server's secret key (RUNBASE_SECRET_KEY, else secret.key in its data dir) is not the one this "
            "database was used with; every server sharing a database needs the same key (it seals integration "
            "secrets and signs upload URLs): give it as RUNBASE_SECRET_KEY (with the old one in "
            "RUNBASE_SECRET_KEY_PREVIOUS to change keys); if that key is lost for good, "
            "`runbase admin forget-secret-key`")


def agree_on_key(connection: Connection, box: SecretBox) -> None:
    """Record the current key's fingerprint (at each start, under the startup lock, so servers starting
    together agree), after refusing keys the database was not used with (WrongKey)."""
    problem = key_problem(connection, box)
    if problem:
        raise WrongKey(problem)
    current = fingerprint(box.keys[0])
    if connection.scalar(select(ServerState.value).where(ServerState.name == FINGERPRINT)) != current:
        forget_key(connection)
        connection.execute(insert(ServerState).values(name=FINGERPRINT, value=current, updated_at=utcnow()))


def forget_key(connection: Connection) -> None:
    """For a key that is lost for good: the next server to start records its own (the secrets sealed with the
    lost one stay unreadable; their integrations need them entered again)."""
    connection.execute(delete(ServerState).where(ServerState.name == FINGERPRINT))


def reseal_all(session: Session, box: SecretBox) -> int:
    """Re-encrypt every stored secret under the current key (after a rotation); how many rows changed.
    Rows no key opens are left as they are and logged, so a wrong key loses nothing."""
    changed = 0
    for integration in session.scalars(select(Integration).order_by(Integration.id)):
        try:
            values = {column: box.reseal(getattr(integration, column)) for column in COLUMNS
                      if column != "url" or integration.kind == "SLACK"}
        except InvalidToken:
            log.error("integration %s: its secrets cannot be decrypted with RUNBASE_SECRET_KEY or "
                      "RUNBASE_SECRET_KEY_PREVIOUS; its deliveries will fail until the right key is given",
                      integration.id)
            continue
        for column, value in values.items():
            if value != getattr(integration, column):
                setattr(integration, column, value)
                changed += 1
    return changed
