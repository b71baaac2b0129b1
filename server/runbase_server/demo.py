"""`runbase server --demo`: once the server is up, save an automation, log a run
to it with the SDK and show the webhook the automation sends, so a first-time
user sees data flow end to end.

The demo leaves nothing behind that acts on its own: its key is temporary, and its
automation is disabled once its receiver is gone. Restarting replaces both, by name."""

from __future__ import annotations

import json
import math
import queue
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
from sqlalchemy import delete
from sqlalchemy.orm import Session

from .auth import new_key, store_key
from .database import Database
from .tables import ApiKey, User
from .users import admin_viewer

KEY_DESCRIPTION = "runbase --demo (temporary; revoked when the demo ends)"
INTEGRATION = "demo-receiver"
AUTOMATION = "demo"


def _wait_until_up(base_url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server at {base_url} did not come up")


def _receiver() -> tuple[ThreadingHTTPServer, queue.Queue[Any]]:
    """A local webhook endpoint standing in for a CI system or chat bot."""
    received: queue.Queue[Any] = queue.Queue()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            received.put(json.loads(body or b"null"))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, name="runbase-demo-receiver", daemon=True).start()
    return server, received


def _save_demo_automation(api: Any, receiver_url: str) -> Any:
    from runbase.automations import OnRunMetric, RunEvent, SendWebhook

    for automation in api.automations(entity="admin", name=AUTOMATION):
        api.delete_automation(automation)
    for integration in api.webhook_integrations(entity="admin"):
        if integration.name == INTEGRATION:
            api.delete_integration(integration)
    hook = api.create_webhook_integration("admin", INTEGRATION, receiver_url)
    event = OnRunMetric(scope="admin/demo", filter=RunEvent.metric("loss") < 0.01)
    payload = {"text": "${run_name}: ${metric_name} fell to ${metric_value} at step ${metric_step}",
               "run": "${run_url}"}
    return api.create_automation(
        event >> SendWebhook.from_integration(hook, payload=payload), name=AUTOMATION,
        description="runbase --demo: tell the demo's receiver when the demo's loss falls below 0.01 "
                    "(disabled when the demo ends, since its receiver is gone)")


def _log_demo_run(base_url: str, api_key: str) -> None:
    import runbase

    _wait_until_up(base_url)
    receiver, received = _receiver()
    api = runbase.Api(overrides={"base_url": base_url}, api_key=api_key)
    automation = _save_demo_automation(api, f"http://127.0.0.1:{receiver.server_address[1]}/hook")
    settings = runbase.Settings(api_key=api_key, base_url=base_url, root_dir=tempfile.mkdtemp(prefix="runbase-demo-"))
    try:
        with runbase.init(project="demo", config={"lr": 0.01, "layers": 4}, tags=["demo"], settings=settings,
                          reinit="create_new") as run:
            for step in range(1000):
                run.log({"loss": 1 / (step + 1), "acc": step / 1000, "lr": 0.01 * math.cos(step / 1000)})
            run.summary["best_acc"] = 0.999
        print(f"runbase demo: logged run {run.path} with 1,000 steps; see it at {base_url}/graphql with\n"
              f'  {{ project(name: "demo") {{ run(name: "{run.id}") {{ state config summaryMetrics historyLineCount '
              f"history(samples: 5) }} }} }}\n"
              f"  and the header Authorization: Bearer YOUR_ADMIN_KEY", file=sys.stderr, flush=True)
        try:
            print(f"runbase demo: the automation fired; the webhook receiver got {received.get(timeout=30)}",
                  file=sys.stderr, flush=True)
        except queue.Empty:
            print("runbase demo: the automation's webhook did not arrive within 30 s", file=sys.stderr, flush=True)
    finally:
        receiver.shutdown()
        api.update_automation(automation, enabled=False)


def _revoke_demo_keys(session: Session) -> None:
    session.execute(delete(ApiKey).where(ApiKey.description == KEY_DESCRIPTION))


def _run(db: Database, base_url: str, api_key: str) -> None:
    try:
        _log_demo_run(base_url, api_key)
    except Exception as exc:  # the demo is a show; a failure must not take the server down
        print(f"runbase demo: failed: {exc}", file=sys.stderr, flush=True)
    finally:
        with db.session() as session:
            _revoke_demo_keys(session)


def start(db: Database, base_url: str) -> threading.Thread:
    """Log the demo from a thread with a key of its own, made here and revoked when the demo ends
    (and at the next start, should this server die first)."""
    with db.session() as session:
        _revoke_demo_keys(session)
        key = new_key()
        store_key(session, session.get_one(User, admin_viewer(session).user_id), key, KEY_DESCRIPTION)
    thread = threading.Thread(target=_run, args=(db, base_url, key), name="runbase-demo", daemon=True)
    thread.start()
    return thread
