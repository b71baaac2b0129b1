"""The delivery worker: a thread per server that claims due deliveries from the
outbox, sends them from a small pool (webhooks over httpx, Slack through
slack_sdk), records each attempt, and fires due schedules.

It wakes at once when a request of this server wrote a delivery, and polls
the database for those written by other servers and for retries."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from . import __version__, deliveries, events
from .database import Database
from .settings import ServerSettings
from .tables import Delivery, Integration, utcnow

log = logging.getLogger("runbase.deliveries")
# slack_sdk logs request URLs at DEBUG, and an incoming-webhook URL is a secret.
_slack_log = logging.getLogger("runbase.deliveries.slack")
_slack_log.setLevel(logging.WARNING)
POLL_SECONDS = 0.5
PRUNE_SECONDS = 3600
MAX_RESPONSE_BYTES = 64 * 1024
SLACK_RETRYABLE = ("ratelimited", "internal_error", "service_unavailable", "fatal_error", "request_timeout")


@dataclass(frozen=True)
class _Message:
    """What a send needs, read in one short transaction."""

    id: int
    token: str
    event_type: str
    action_type: str
    payload: Any
    integration: Integration | None

    def secrets(self) -> list[str]:
        """What an error message might quote (the HMAC secret itself is never sent)."""
        found = self.integration
        if found is None:
            return []
        hidden = [found.access_token, found.bot_token, found.url if found.kind == "SLACK" else None]
        return [value for value in hidden if value]


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header: a number or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(value) - utcnow()).total_seconds())
    except (TypeError, ValueError):
        return None


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 over "<timestamp>.<body>": binding the time stops replays of an old request."""
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


class DeliveryWorker:
    def __init__(self, db: Database, settings: ServerSettings) -> None:
        self.db = db
        self.settings = settings
        self.wake = threading.Event()
        self.stopping = threading.Event()
        self.slots = threading.Semaphore(settings.delivery_concurrency)
        self.pool = ThreadPoolExecutor(settings.delivery_concurrency, thread_name_prefix="runbase-delivery")
        self.http = httpx.Client(timeout=settings.delivery_timeout_seconds, follow_redirects=False)
        self.thread = threading.Thread(target=self._loop, name="runbase-delivery-worker", daemon=True)
        self.pruned_at = 0.0

    def start(self) -> None:
        self.thread.start()

    def notify(self) -> None:
        self.wake.set()

    def stop(self) -> None:
        """Let the sends under way finish, so that their outcomes are recorded."""
        self.stopping.set()
        self.wake.set()
        self.thread.join(10)
        self.pool.shutdown(wait=True, cancel_futures=False)
        self.http.close()

    # -- the loop -------------------------------------------------------------------
    def _loop(self) -> None:
        while not self.stopping.is_set():
            self.wake.clear()
            for step in (self._fire_schedules, self._dispatch, self._prune):
                try:  # a database hiccup in one must not stop the other, or end deliveries for good
                    step()
                except Exception:
                    log.exception("the delivery worker failed a pass; retrying")
            self.wake.wait(POLL_SECONDS)

    def _fire_schedules(self) -> None:
        with self.db.session() as session:
            due = events.due_schedules(session)
        for trigger_id in due:  # each in its own transaction: one failing schedule holds up no other
            with self.db.session() as session:
                events.fire_schedule(session, trigger_id)
            self.wake.set()

    def _prune(self) -> None:
        if time.monotonic() - self.pruned_at < PRUNE_SECONDS:
            return
        self.pruned_at = time.monotonic()
        with self.db.session() as session:
            deliveries.prune(session, utcnow() - timedelta(days=self.settings.delivery_retention_days))

    def _dispatch(self) -> None:
        free = 0
        while self.slots.acquire(blocking=False):
            free += 1
        submitted = 0
        try:
            if free and not self.stopping.is_set():
                # Longer than any send can take: each phase of a request is bounded by the timeout.
                lease = timedelta(seconds=self.settings.delivery_timeout_seconds * 4 + 30)
                with self.db.session() as session:
                    due = deliveries.next_due(session)
                    claimed, token = (deliveries.claim(session, free, lease) if due is not None and due <= utcnow()
                                      else ([], ""))
                for delivery_id in claimed:
                    self.pool.submit(self._deliver, delivery_id, token)
                    submitted += 1
        finally:
            for _ in range(free - submitted):
                self.slots.release()

    def _deliver(self, delivery_id: int, token: str) -> None:
        try:
            with self.db.session() as session:
                delivery = session.get(Delivery, delivery_id)
                if delivery is None:
                    return
                trigger = delivery.trigger
                if trigger is not None and not trigger.enabled and delivery.redelivery_of is None:
                    deliveries.suppress(session, delivery_id, token, "its automation was disabled")
                    return
                integration = session.get(Integration, delivery.integration_id) if delivery.integration_id else None
                if integration is not None:
                    session.expunge(integration)
                message = _Message(delivery.id, token, delivery.event_type, delivery.action_type, delivery.payload,
                                   integration)
            outcome = self._send(message)
            with self.db.session() as session:
                recorded = deliveries.record(session, delivery_id, token, outcome)
                status = recorded.status if recorded else "claimed by another worker; outcome dropped"
            if status != deliveries.SUCCEEDED:
                log.warning("delivery %s attempt failed (%s): %s", delivery_id, status, outcome.error)
        except Exception:
            log.exception("delivery %s could not be sent or recorded", delivery_id)
        finally:
            self.slots.release()
            self.wake.set()

    # -- sending --------------------------------------------------------------------
    def _send(self, message: _Message) -> deliveries.Outcome:
        started, clock = utcnow(), time.perf_counter()
        try:
            if message.integration is None:
                fields: dict[str, Any] = {"error": "its integration was deleted"}
            elif message.action_type == "GENERIC_WEBHOOK":
                fields = self._post_webhook(message, message.integration)
            else:
                fields = self._post_slack(message, message.integration)
        except Exception as exc:  # network failures of every kind: retry later
            fields = {"error": f"{type(exc).__name__}: {exc}", "retryable": True}
        error = fields.get("error")
        if error:
            for secret in message.secrets():  # errors may quote URLs or tokens
                error = error.replace(secret, "***")
            fields["error"] = error[:500]
        return deliveries.Outcome(started_at=started, duration_ms=(time.perf_counter() - clock) * 1000, **fields)

    def _post_webhook(self, message: _Message, integration: Integration) -> dict[str, Any]:
        body = json.dumps(message.payload, separators=(",", ":")).encode()
        timestamp = str(int(time.time()))
        headers = {"Content-Type": "application/json", "User-Agent": f"runbase/{__version__}",
                   "X-Runbase-Delivery": str(message.id), "X-Runbase-Timestamp": timestamp,
                   "X-Runbase-Event": message.event_type}
        if integration.secret:
            headers["X-Runbase-Signature"] = signature(integration.secret, timestamp, body)
        if integration.access_token:
            headers["Authorization"] = f"Bearer {integration.access_token}"
        deadline = time.monotonic() + self.settings.delivery_timeout_seconds
        try:
            with self.http.stream("POST", integration.url or "", content=body, headers=headers) as response:
                answer = b""
                for chunk in response.iter_bytes():  # a receiver that drips its answer cannot hold the send
                    answer += chunk
                    if len(answer) > MAX_RESPONSE_BYTES or time.monotonic() > deadline:
                        break
        except httpx.TimeoutException:
            return {"error": f"timed out after {self.settings.delivery_timeout_seconds:g} s", "retryable": True}
        code = response.status_code
        if 200 <= code < 300:
            return {"response_code": code}
        return {"response_code": code, "error": f"HTTP {code}: {answer.decode(errors='replace')}",
                "retryable": code in (408, 429) or code >= 500,
                "retry_after": _retry_after(response.headers.get("retry-after"))}

    def _post_slack(self, message: _Message, integration: Integration) -> dict[str, Any]:
        text, blocks = message.payload["text"], message.payload["blocks"]
        timeout = int(max(1, self.settings.delivery_timeout_seconds))
        if integration.bot_token:
            client = WebClient(token=integration.bot_token, base_url=self.settings.slack_api_url, timeout=timeout,
                               retry_handlers=[], logger=_slack_log)
            try:
                response = client.chat_postMessage(channel=integration.name, text=text, blocks=blocks)
            except SlackApiError as exc:
                code, reason = exc.response.status_code, exc.response.get("error")
                return {"response_code": code, "error": f"Slack answered {code}: {reason}",
                        "retryable": code == 429 or code >= 500 or reason in SLACK_RETRYABLE,
                        "retry_after": _retry_after(exc.response.headers.get("Retry-After")
                                                    or exc.response.headers.get("retry-after"))}
            return {"response_code": response.status_code}
        hook = WebhookClient(url=integration.url or "", timeout=timeout, retry_handlers=[], logger=_slack_log)
        answer = hook.send(text=text, blocks=blocks)
        if answer.status_code == 200:
            return {"response_code": 200}
        headers = {key.lower(): value for key, value in (answer.headers or {}).items()}
        retry_after = headers.get("retry-after")
        return {"response_code": answer.status_code, "error": f"Slack answered {answer.status_code}: {answer.body}",
                "retryable": answer.status_code == 429 or answer.status_code >= 500,
                "retry_after": _retry_after(retry_after[0] if isinstance(retry_after, list) else retry_after)}
