"""What the tests of the SDK's sender share (tests/test_sender.py, tests/test_sender_while_logging.py): a run started
through the test's HTTP proxy (official_client.LoggingProxy), the rows a request of it carried, a hook for the
proxy that holds requests of rows, and the steps the server stored."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import runbase
from conftest import Server
from official_client import LoggingProxy


def start_run(proxy: LoggingProxy, server: Server, tmp_path: Path, project: str, **settings: Any) -> runbase.Run:
    """runbase.init with the server's key, through the proxy, writing under `tmp_path`, quiet (and `settings`)."""
    return runbase.init(settings=runbase.Settings(api_key=server.key, base_url=proxy.url, root_dir=str(tmp_path),
                                                  quiet=True, **settings), project=project)


def logged_rows(body: bytes) -> list[dict[str, Any]]:
    """The rows a LogHistory request carried (none for any other request)."""
    if b'"LogHistory"' not in body:
        return []
    return json.loads(json.loads(body)["variables"]["input"]["rows"])  # type: ignore[no-any-return]


def holding(release: threading.Event, first_only: threading.Event | None = None
            ) -> Callable[[str, str, bytes], None]:
    """The proxy's hook that holds requests of rows until `release` (with `first_only`: the first, which sets it)."""
    def hold(method: str, path: str, body: bytes) -> None:
        if logged_rows(body) and (first_only is None or not first_only.is_set()):
            if first_only is not None:
                first_only.set()
            release.wait(120)

    return hold


def stored_steps(server: Server, run_id: str, project: str) -> list[int]:
    """The steps of the rows the server holds for a run."""
    stored = server.run(run_id, project=project)
    assert stored is not None
    return [json.loads(row)["_step"] for row in stored["history"]]
