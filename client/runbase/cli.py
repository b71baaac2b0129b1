"""The `runbase` command: server, sync, login."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _server(args: argparse.Namespace) -> int:
    from runbase_server.cli import serve

    return serve(args)


def _sync(args: argparse.Namespace) -> int:
    from . import credentials
    from .connection import Connection
    from .sync import record_logs, sync_log

    base_url = credentials.normalize_host(args.host) if args.host else credentials.default_base_url()
    with Connection(base_url, credentials.resolve_key(base_url)) as connection:
        for path in args.paths:
            for log in record_logs(Path(path)):
                result = sync_log(connection, log)
                print(f"synced {result['path']}: {result['new_rows']} new history rows")
    return 0


def _login(args: argparse.Namespace) -> int:
    from .credentials import login

    login(key=args.key, host=args.host, relogin=args.relogin, verify=True)
    print("runbase: logged in")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="runbase", description="Self-hosted experiment tracking.")
    commands = parser.add_subparsers(dest="command", required=True)
    server = commands.add_parser("server", help="run the runbase server")
    try:
        from runbase_server.cli import add_arguments
    except ImportError:
        server.set_defaults(func=lambda _args: sys.exit("runbase server needs the server extra: "
                                                        "pip install 'runbase[server]'"))
    else:
        add_arguments(server)
        server.set_defaults(func=_server)
    sync = commands.add_parser("sync", help="upload offline runs or runs the server missed")
    sync.add_argument("paths", nargs="+", help="a run directory or a directory of runs")
    sync.add_argument("--host", help="server URL (default: the one you logged in to)")
    sync.set_defaults(func=_sync)
    login = commands.add_parser("login", help="store an API key for a server")
    login.add_argument("key", nargs="?")
    login.add_argument("--host")
    login.add_argument("--relogin", action="store_true")
    login.set_defaults(func=_login)
    args = parser.parse_args(argv)
    from .errors import Error

    try:
        return args.func(args)
    except Error as exc:
        print(f"runbase: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
