"""`runbase server`: serve the API with uvicorn."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import uvicorn
from sqlalchemy import make_url

from .app import create_app
from .auth import check_key_shape
from .errors import UserError
from .settings import ServerSettings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--data-dir", type=Path, help="where the SQLite database lives (default ./runbase-data)")
    parser.add_argument("--database-url", help="e.g. postgresql+psycopg://user@host/db (default: SQLite)")
    parser.add_argument("--log-level", default="warning")
    parser.add_argument("--demo", action="store_true", help="log a demo run to the server once it is up")


def serve(args: argparse.Namespace) -> int:
    settings = ServerSettings()
    if args.data_dir is not None:
        settings.data_dir = args.data_dir
    if args.database_url:
        settings.database_url = args.database_url
    if settings.admin_api_key:
        try:
            check_key_shape(settings.admin_api_key)
        except UserError as exc:
            print(f"runbase: RUNBASE_ADMIN_API_KEY: {exc}", file=sys.stderr)
            return 2
    local_url = f"http://{'127.0.0.1' if args.host in ('0.0.0.0', '::') else args.host}:{args.port}"
    settings.public_url = settings.public_url or local_url
    if args.demo:
        settings.demo_url = local_url
    app = create_app(settings)
    print(f"runbase: serving on http://{args.host}:{args.port} (GraphiQL at /graphql), "
          f"database {make_url(settings.resolved_database_url()).render_as_string(hide_password=True)}", file=sys.stderr, flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, timeout_graceful_shutdown=5)
    return 0
