"""`runbase server` and `runbase admin`: serve the API with uvicorn, and recover access from the server's machine.

Everything a user can get wrong on the command line (port, log level, database URL, data
directory) is checked before anything is created, and reported as one line."""

from __future__ import annotations

import argparse
import errno
import functools
import os
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from .settings import ServerSettings, check_blob_store

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")


class StartupError(Exception):
    """A setting the server cannot start with; its message is the one line the user sees."""


class HelpFormatter(argparse.HelpFormatter):
    """Shows each option's default, where it has one worth showing."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if action.default not in (None, False, argparse.SUPPRESS) and "%(default)" not in text:
            text += " (default: %(default)s)"
        return text


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number (1-65535)")
    return port


def _database_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=Path, metavar="DIR",
                        help="where file contents (run files, artifacts) and the SQLite database live "
                             "(default: $RUNBASE_DATA_DIR or ./runbase-data)")
    parser.add_argument("--database-url", metavar="URL",
                        help="PostgreSQL, e.g. postgresql://user@host/db (postgres:// and "
                             "postgresql+psycopg:// work too); default: $RUNBASE_DATABASE_URL, else SQLite in the "
                             "data dir")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = HelpFormatter
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (0.0.0.0: every interface)")
    parser.add_argument("--port", type=_port, default=8080, help="port to listen on")
    _database_arguments(parser)
    parser.add_argument("--blob-store", metavar="URL",
                        help="keep file contents in an S3 or S3-compatible bucket, s3://BUCKET/PREFIX, instead of "
                             "the data dir (default: $RUNBASE_BLOB_STORE); endpoint, region and credentials from "
                             "$RUNBASE_S3_ENDPOINT_URL, $RUNBASE_S3_REGION, $RUNBASE_S3_ACCESS_KEY_ID and "
                             "$RUNBASE_S3_SECRET_ACCESS_KEY, else the usual AWS_* variables")
    parser.add_argument("--log-level", default="warning", type=str.lower, choices=LOG_LEVELS,
                        help="how much the server logs")
    parser.add_argument("--demo", action="store_true",
                        help="once the server is up, log a demo run and fire a demo automation")


def add_admin_arguments(parser: argparse.ArgumentParser) -> None:
    tasks = parser.add_subparsers(dest="task", required=True)
    key = tasks.add_parser(
        "new-key", formatter_class=HelpFormatter,
        help="issue a new API key for a user, straight into the server's database (e.g. a lost admin key)")
    key.add_argument("username", nargs="?", default="admin", help="whose key")
    key.add_argument("--description", default="issued with runbase admin new-key", help="the key's description")
    _database_arguments(key)
    forget = tasks.add_parser(
        "forget-secret-key", formatter_class=HelpFormatter,
        help="when the servers' secret key is lost for good: let the next server to start record its own "
             "(integration secrets sealed with the lost key stay unreadable: enter them again)")
    _database_arguments(forget)


def _database_url(url: str) -> str:
    """The SQLAlchemy URL for what a user passes: `postgres://` and `postgresql://` (what hosts hand out)
    mean psycopg 3, the driver runbase ships with."""
    from sqlalchemy import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StartupError(f"--database-url {url!r} is not a database URL (e.g. postgresql://user@host/db)") from None
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername not in ("postgresql+psycopg", "sqlite", "sqlite+pysqlite"):
        raise StartupError(f"--database-url: runbase runs on PostgreSQL (postgresql://...) or SQLite "
                           f"(sqlite:///path), not {parsed.drivername!r}")
    if parsed.drivername.startswith("sqlite") and parsed.database in (None, "", ":memory:"):
        raise StartupError("--database-url: an in-memory SQLite database would vanish with the server; "
                           "give a file (sqlite:///path/runbase.db)")
    return parsed.render_as_string(hide_password=False)


def _check_data_dir(data_dir: Path) -> None:
    if data_dir.exists() and not data_dir.is_dir():
        raise StartupError(f"the data dir {data_dir} is a file, not a directory")
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StartupError(f"cannot create the data dir {data_dir}: {exc.strerror}") from None
    if not data_dir.is_dir() or not os.access(data_dir, os.W_OK | os.X_OK):
        raise StartupError(f"the data dir {data_dir} is not a writable directory")


def _check_port(host: str, port: int) -> None:
    """Bind and release the address, so a taken port fails before a database or key is made."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise StartupError(f"--host {host!r}: {exc.strerror}") from None
    family, kind, proto, _name, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise StartupError(f"port {port} on {host} is already in use (try --port)") from None
            raise StartupError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def _check_database(url: str) -> None:
    """Connect and read once, so a wrong URL, a server that is down or a file that is not a database is one
    line, not a traceback."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import SQLAlchemyError

    postgres = url.startswith("postgresql")
    engine = create_engine(url, connect_args={"connect_timeout": 10} if postgres else {})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1" if postgres else "SELECT count(*) FROM sqlite_master"))
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise StartupError(f"cannot connect to the database: {reason}") from None
    finally:
        engine.dispose()


def _check_blob_store(settings: ServerSettings) -> None:
    """One request to the object store, so that a wrong bucket, endpoint or credential is one line at start."""
    if not settings.blob_store:
        return
    from .artifacts.object_store import S3BlobStore, reason
    from .artifacts.stores import store_for

    store = store_for(settings)  # the one the server uses, which the check tells whether to transfer directly
    assert isinstance(store, S3BlobStore)
    try:
        store.check()
    except Exception as exc:  # noqa: BLE001 - whatever the store answers, the server cannot use it
        raise StartupError(f"cannot use the blob store {store.describe()}: {reason(exc)}") from None


def _check_secret_key(settings: ServerSettings) -> None:
    """The key must be the one the database was used with (servers sharing it share the key): one line here,
    where the server's start would fail with a traceback."""
    from sqlalchemy import create_engine

    from .automations import sealing

    engine = create_engine(settings.resolved_database_url())
    try:
        with engine.connect() as connection:
            problem = sealing.key_problem(connection, sealing.box_for(settings))
    finally:
        engine.dispose()
    if problem:
        raise StartupError(problem)


def _settings(args: argparse.Namespace) -> ServerSettings:
    try:
        settings = ServerSettings()
        if getattr(args, "blob_store", None):
            settings.blob_store = check_blob_store(args.blob_store, "--blob-store")
    except ValueError as exc:
        raise StartupError(str(exc)) from None
    if args.data_dir is not None:
        settings.data_dir = args.data_dir
    if args.database_url:
        settings.database_url = args.database_url
    if settings.database_url:
        settings.database_url = _database_url(settings.database_url)
    return settings


def serve(args: argparse.Namespace,
          show_demo: Callable[[str, str, str, Callable[[str], None]], None] | None = None) -> int:
    """Serve until interrupted; with --demo, `show_demo(base_url, key, automation_name, allow_receiver)` runs
    once the server is up."""
    from .auth import check_key_shape
    from .errors import UserError

    try:
        settings = _settings(args)
        if settings.admin_api_key:
            try:
                check_key_shape(settings.admin_api_key)
            except UserError as exc:
                raise StartupError(f"RUNBASE_ADMIN_API_KEY: {exc}") from None
        _check_port(args.host, args.port)
        if settings.database_url:
            _check_database(settings.database_url)
        _check_data_dir(settings.data_dir)
        if not settings.database_url:
            _check_database(settings.resolved_database_url())
        _check_blob_store(settings)
        _check_secret_key(settings)  # last: it makes the data dir's key when none is given
    except StartupError as exc:
        print(f"runbase: error: {exc}", file=sys.stderr)
        return 2
    import uvicorn
    from sqlalchemy import make_url

    from .artifacts.stores import store_for
    from .http.app import create_app
    from .http.protocol import deadlined_h11

    host = {"0.0.0.0": "127.0.0.1", "::": "[::1]"}.get(args.host, f"[{args.host}]" if ":" in args.host else args.host)
    local_url = f"http://{host}:{args.port}"
    settings.local_url = local_url
    demo = None if show_demo is None or not args.demo else functools.partial(show_demo, local_url)
    from .garbage_collector import tune_for_serving
    from .malloc import keep_freed_memory

    keep_freed_memory()  # before the app's first large arrays
    app = create_app(settings, demo)
    tune_for_serving()
    database = make_url(settings.resolved_database_url()).render_as_string(hide_password=True)
    listen = f"[{args.host}]" if ":" in args.host else args.host
    print(f"runbase: serving on http://{listen}:{args.port} (GraphiQL at /graphql), database {database}, "
          f"files in {store_for(settings).describe()}", file=sys.stderr, flush=True)
    # h11 and asyncio's loop, also where httptools and uvloop are installed (uvicorn would take them): h11 refuses a
    # request line or headers past 16 KiB, where httptools buffers them without limit, so that a few connections
    # could fill the server's memory before any auth, and queues every pipelined request it reads; uvloop saved
    # nothing measurable here. With deadlines for reading each request (http/protocol.py).
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, timeout_graceful_shutdown=5,
                http=deadlined_h11(settings.request_head_timeout_seconds, settings.request_body_idle_seconds),
                loop="asyncio")
    return 0


def _new_key(session: Session, args: argparse.Namespace) -> tuple[str, str | None]:
    from .auth import new_key, store_key
    from .errors import NotFound
    from .users import get_user

    try:
        user = get_user(session, args.username)
    except NotFound as exc:
        raise StartupError(str(exc)) from None
    key = new_key()
    store_key(session, user, key, args.description)
    return f"new API key for {args.username!r} (shown once):", key


def _forget_secret_key(session: Session, _args: argparse.Namespace) -> tuple[str, str | None]:
    from .automations import sealing

    sealing.forget_key(session.connection())
    return "forgot which secret key this database was used with: the next server to start records its own", None


ADMIN_TASKS: dict[str, Callable[[Session, argparse.Namespace], tuple[str, str | None]]] = {
    "new-key": _new_key, "forget-secret-key": _forget_secret_key}


def admin(args: argparse.Namespace) -> int:
    """`runbase admin TASK`: whoever runs the server has its database, so may mint a key (a lost admin key) or
    forget which secret key the servers use (a lost secret key)."""
    from sqlalchemy import inspect

    from .database import Database

    try:
        settings = _settings(args)
        if not settings.database_url and not (settings.data_dir / "runbase.db").is_file():
            raise StartupError(f"no runbase database in {settings.data_dir} (give --data-dir or --database-url)")
        if settings.database_url:
            _check_database(settings.database_url)
        db = Database(settings.resolved_database_url())
        try:
            if not inspect(db.engine).has_table("users"):
                raise StartupError("that database has no runbase tables: start `runbase server` on it first")
            with db.session() as session:
                said, shown = ADMIN_TASKS[args.task](session, args)
        finally:
            db.dispose()
    except StartupError as exc:
        print(f"runbase: error: {exc}", file=sys.stderr)
        return 2
    print(f"runbase: {said}", file=sys.stderr)
    if shown is not None:
        print(shown, flush=True)
    return 0
