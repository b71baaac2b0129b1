"""`runbase server --demo`: once the server is up, save an automation, log a run
to it with the SDK and show the webhook the automation sends, so a first-time
user sees data flow end to end.

The demo leaves nothing behind that acts on its own: the server gives it a
temporary key and the name of its automation, which is disabled once its
receiver is gone. Restarting replaces both."""

from __future__ import annotations

import json
import math
import queue
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from .apis.public import Api
from .automations import OnRunMetric, RunEvent, SendWebhook
from .lifecycle import init
from .settings import Settings


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


def _save_demo_automation(api: Api, name: str, receiver_url: str) -> Any:
    """Replace the previous demo's automation and integration (the server reserves `name` for the demo)."""
    for automation in api.automations(entity="admin", name=name):
        api.delete_automation(automation)
    for integration in api.webhook_integrations(entity="admin"):
        if integration.name == f"{name}-receiver":
            api.delete_integration(integration)
    hook = api.create_webhook_integration("admin", f"{name}-receiver", receiver_url)
    event = OnRunMetric(scope="admin/demo", filter=RunEvent.metric("loss") < 0.01)
    payload = {"text": "${run_name}: ${metric_name} fell to ${metric_value} at step ${metric_step}",
               "run": "${run_url}"}
    return api.create_automation(
        event >> SendWebhook.from_integration(hook, payload=payload), name=name,
        description="runbase --demo: tell the demo's receiver when the demo's loss falls below 0.01 "
                    "(disabled when the demo ends, since its receiver is gone)")


def _log_run(base_url: str, api_key: str, received: queue.Queue[Any]) -> None:
    with tempfile.TemporaryDirectory(prefix="runbase-demo-") as root:
        settings = Settings(api_key=api_key, base_url=base_url, root_dir=root)
        with init(project="demo", config={"lr": 0.01, "layers": 4}, tags=["demo"], settings=settings,
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


def run(base_url: str, api_key: str, automation_name: str, allow_receiver: Callable[[str], None]) -> None:
    """Save the demo automation, log the demo run and show the webhook; `runbase server --demo` calls this
    with a temporary key once the server is up, and `allow_receiver`, which lets the server deliver to this
    one local URL (it sends to no loopback address otherwise)."""
    _wait_until_up(base_url)
    receiver, received = _receiver()
    url = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
    allow_receiver(url)
    api = Api(overrides={"base_url": base_url}, api_key=api_key)
    automation = _save_demo_automation(api, automation_name, url)
    try:
        _log_run(base_url, api_key, received)
    finally:
        receiver.shutdown()
        api.update_automation(automation, enabled=False)
