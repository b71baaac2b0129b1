"""Engine, sessions and schema migrations for SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import sqlite3
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Connection, Engine, Table, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import DBAPIError, InvalidatePoolError
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.orm import Session, sessionmaker

from .documents import loads_exact
from .errors import READ_ONLY, UserError, lost_race, unreachable
from .regex import install_sqlite_functions
from .tables import postgres_json

MIGRATIONS = Path(__file__).with_name("migrations")
MAX_LOGGED_SQL = 2000  # characters of a failed statement kept for the log (an IN list may run to megabytes)
# What SQLite and psycopg say when a statement has more parameters than they take.
TOO_MANY_PARAMETERS = ("too many SQL variables", "number of parameters must be between")
ATTEMPTS = 3  # tries of a unit of work that meets a dropped connection or loses a race
# After a failover the pool's connections are replaced when a standby refuses a write, at most this often
# (seconds): requests meeting it meanwhile fail fast on the connections there are, not each on new ones.
REPLACE_ON_STANDBY_EVERY = 1.0
_CHECKED_IN = "runbase.checked_in"  # in a pool entry's info: it has been handed back at least once
_WROTE = "runbase.wrote"  # in a connection's info: its transaction sent more than SELECTs (on PostgreSQL)
_CONNECTION = "runbase.connection"  # in a session's info: its transaction's connection
log = logging.getLogger("runbase.server")
# Set while Database.attempt runs work that it would run again on a dropped connection.
_RETRIED: ContextVar[bool] = ContextVar("runbase.retried", default=False)
T = TypeVar("T")


class Unavailable(Exception):
    """The database stayed unreachable or busy through every attempt (503: try again later)."""

    code = "SERVICE_UNAVAILABLE"

    def __init__(self, attempts: int) -> None:
        super().__init__(f"the database could not be reached or was busy ({attempts} tries); try again")
        self.attempts = attempts


class CommitUnknown(Unavailable):
    """The connection was lost in the COMMIT itself: the work may or may not be stored, so it is not run again
    (running it again could store it twice: a second API key nobody was given, say). Its own code tells a client
    that sending it again is safe only for work that a resend does not repeat."""

    code = "COMMIT_UNKNOWN"

    def __init__(self) -> None:
        Exception.__init__(self, "the connection to the database was lost while the request's changes were being "
                                 "committed: they may or may not be stored; look before sending it again")
        self.attempts = 1


def transient(exc: DBAPIError) -> bool:
    """A connection dropped (the pool replaces it) or a race lost: the whole unit of work may run again."""
    return unreachable(exc) or lost_race(exc)


def _tune_sqlite(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    # WAL lets readers run beside the writer; NORMAL sync is durable across
    # process crashes (only an OS crash can lose the last commits).
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
    install_sqlite_functions(dbapi_connection)  # $regex in filters


def _on_error(context: ExceptionContext) -> None:
    """A statement with more parameters than the database takes is the request's doing (a huge list), not
    a race to retry. A write refused as read-only came to a standby: after a failover the old primary comes back
    as one, or a connection was made before the address moved to the new primary. The work runs again as on a
    dropped connection (errors.unreachable; 503 while every try meets a standby), and the pool's connections are
    all replaced, at most once a second, so that new ones reach wherever the primary now is. Whatever failed,
    the log gets the start of its SQL, not megabytes of it."""
    if getattr(context.original_exception, "sqlstate", None) == READ_ONLY and _replace_pool(context.engine):
        context.is_disconnect = True
    if any(phrase in str(context.original_exception) for phrase in TOO_MANY_PARAMETERS):
        raise UserError("the request names more values at once than the database takes in one statement; send "
                        "fewer (shorter lists)") from context.original_exception
    error = context.sqlalchemy_exception
    if error is not None and error.statement and len(error.statement) > MAX_LOGGED_SQL:
        error.statement = f"{error.statement[:MAX_LOGGED_SQL]}... ({len(error.statement)} characters in all)"


_replaced: weakref.WeakKeyDictionary[Engine, float] = weakref.WeakKeyDictionary()  # when, by time.monotonic()


def _replace_pool(engine: Engine | None) -> bool:
    """Whether a standby's refusal should replace the pool now: not if it was replaced under a second ago."""
    if engine is None:
        return True
    now = time.monotonic()
    if now - _replaced.get(engine, -REPLACE_ON_STANDBY_EVERY) < REPLACE_ON_STANDBY_EVERY:
        return False
    _replaced[engine] = now
    return True


def make_engine(url: str) -> Engine:
    # hide_parameters: a database error must not carry secrets (integration tokens) into the log. Stored documents
    # are read with orjson where that is exact (loads_exact): parsing the config and summary of a page of runs was
    # a fifth of a run search's time with Python's parser.
    if url.startswith("sqlite"):
        if sqlite3.sqlite_version_info < (3, 35):  # UPDATE ... RETURNING claims deliveries and marks crashes
            raise RuntimeError(f"runbase needs SQLite 3.35 or newer; this Python has {sqlite3.sqlite_version}")
        engine = create_engine(url, pool_size=8, max_overflow=8, hide_parameters=True, json_deserializer=loads_exact)
        event.listen(engine, "connect", _tune_sqlite)
    else:
        engine = create_engine(url, pool_size=8, max_overflow=8, hide_parameters=True,
                               json_serializer=postgres_json, json_deserializer=loads_exact)
        _ping_unless_retried(engine)
        event.listen(engine, "before_cursor_execute", _note_writes)
    event.listen(engine, "handle_error", _on_error)
    return engine


def _note_writes(connection: Connection, _cursor: Any, statement: str, *_rest: Any) -> None:
    """Mark a transaction that sent more than SELECTs: when its COMMIT is lost with the connection, whether
    anything was stored is unknown only if it wrote (Database.session)."""
    if statement.lstrip()[:6].upper() != "SELECT":
        connection.info[_WROTE] = True


def _ping_unless_retried(engine: Engine) -> None:
    """Ping a pooled connection on checkout, as SQLAlchemy's pool_pre_ping does, except for work that
    Database.attempt runs again when its connection turns out dropped (every request): the ping was a round
    trip that cost each request 0.2-0.4 ms. Such work meets a connection dropped since its last use (a
    restarted database) at its first statement, and runs again on a fresh one; SQLAlchemy then replaces every
    connection pooled before it. The background jobs, which are not run again, keep the ping."""

    @event.listens_for(engine, "checkin")
    def used(_dbapi_connection: Any, entry: ConnectionPoolEntry) -> None:
        entry.info[_CHECKED_IN] = True

    @event.listens_for(engine, "checkout")
    def ping(dbapi_connection: Any, entry: ConnectionPoolEntry, _proxy: Any) -> None:
        if _RETRIED.get() or not entry.info.get(_CHECKED_IN):
            return  # work that is run again, or a connection just made (its info goes with a dropped one)
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            if not engine.dialect.is_disconnect(exc, dbapi_connection, None):
                raise
            alive = False
        if not alive:  # this one and every connection pooled before it are replaced
            raise InvalidatePoolError("a pooled connection failed its ping")


def insert_or_ignore(session: Session, table: Table, values: dict[str, object], *, keys: tuple[str, ...]) -> None:
    """Insert a row unless one with the same unique `keys` is there, stored by a request racing this one
    included: such requests then both go on with the one row, where a plain INSERT would fail one of them (and
    every later statement of its transaction)."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(table).values(values).on_conflict_do_nothing(index_elements=list(keys)))


STARTUP_LOCK = 0x72756E62  # any constant shared by every runbase server; jobs.py numbers its locks after it


def upgrade(engine: Engine, *, secret_keys: tuple[str, ...] = (), then: Callable[[Connection], None] | None = None
            ) -> None:
    """Bring the database to the newest schema, then run `then` in the same transaction.

    `secret_keys` (current first, then previous ones) are for the migrations that seal stored secrets: they
    take keys, not the server's code, so that they keep doing what they did when written.

    On PostgreSQL an advisory lock makes servers starting together take turns,
    so one migrates and bootstraps while the others wait; SQLite's write lock
    does the same there."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": STARTUP_LOCK})
        config.attributes["connection"] = connection
        config.attributes["secret_keys"] = secret_keys
        command.upgrade(config, "head")
        if then is not None:
            then(connection)


def writable(session: Session) -> bool:
    """Whether the session may write: not on a PostgreSQL standby (read-only), where a write that is only
    bookkeeping would fail the whole request."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    return bool(session.scalar(text("SELECT current_setting('transaction_read_only')")) == "off")


def _begun(session: Session, transaction: Any, connection: Connection) -> None:
    if transaction.nested:  # a savepoint within the transaction: what it wrote before still counts
        return
    connection.info.pop(_WROTE, None)
    session.info[_CONNECTION] = connection


class Database:
    """The engine plus a session factory; one per server process."""

    def __init__(self, url: str, info: dict[str, object] | None = None) -> None:
        self.url = url
        self.info = info or {}  # put in every session's `info`, e.g. the server's settings
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        event.listen(self._sessions, "after_begin", _begun)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: commits on success, rolls back on any error; CommitUnknown where the connection is lost
        in the COMMIT of work that wrote (its changes are flushed before, so that failing to store them is told
        apart). Work that only read fails as a dropped connection then, which Database.attempt runs again."""
        with self._sessions() as session:
            session.begin()
            session.info.update(self.info)
            try:
                yield session
                session.flush()
            except BaseException:
                session.rollback()
                raise
            connection = session.info.get(_CONNECTION)  # closed: its transaction was rolled back, none followed
            wrote = connection is not None and not connection.closed and connection.info.pop(_WROTE, False)
            try:
                session.commit()
            except DBAPIError as exc:
                if unreachable(exc) and wrote:
                    raise CommitUnknown() from exc
                raise

    def attempt(self, work: Callable[[Session], T], *, again: Callable[[T], bool] | None = None) -> T:
        """`work` in a session of its own, run again in a fresh one (ATTEMPTS in all) when the database fails
        transiently or `again` finds a lost race in its answer: one retry rule for GraphQL and file requests
        alike. The last answer is returned as it is; Unavailable when the database failed every time."""
        for number in range(1, ATTEMPTS + 1):
            retried = _RETRIED.set(number < ATTEMPTS)  # the last try is not run again: it pings as jobs do
            try:
                with self.session() as session:
                    answer = work(session)
            except DBAPIError as exc:
                if not transient(exc):
                    raise
                if number < ATTEMPTS:
                    continue
                raise Unavailable(number) from exc
            finally:
                _RETRIED.reset(retried)
            if number == ATTEMPTS or again is None or not again(answer):
                return answer
        raise AssertionError("unreachable: the last attempt returns or raises")

    @contextmanager
    def exclusive(self, lock: int) -> Iterator[bool]:
        """Whether this server holds `lock` through the block, where no other server sharing the database
        can: a PostgreSQL advisory lock, taken without waiting and held by a connection of its own (it goes
        with the connection, so a server that dies holds nothing). On SQLite always true: one server per
        database is the supported mode there."""
        if self.dialect != "postgresql":
            yield True
            return
        connection = self.engine.connect()
        taken = released = False
        try:
            taken = bool(connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": lock}))
            connection.commit()
            yield taken
        finally:
            try:
                released = not taken or self._unlock(connection, lock)
            finally:
                if not released:  # the lock must not go back to the pool with its connection: the backend goes
                    connection.invalidate()
                connection.close()

    @staticmethod
    def _unlock(connection: Connection, lock: int) -> bool:
        """Whether the lock was let go on the connection that holds it, also when the block failed: closing the
        connection instead would free it only once its backend has exited, a moment after, when another server
        may already have been refused a turn that was free."""
        try:
            released = bool(connection.scalar(text("SELECT pg_advisory_unlock(:key)"), {"key": lock}))
            connection.commit()
            return released
        except Exception:
            log.warning("the connection holding advisory lock %d was lost during the work it guarded: another "
                        "server may have started the same work meanwhile", lock, exc_info=True)
            return False

    def dispose(self) -> None:
        self.engine.dispose()
