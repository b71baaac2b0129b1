"""The delivery worker: a thread per server that claims due deliveries from the
outbox, sends them from a small pool (webhooks, Slack incoming webhooks and the
Slack Web API, all through egress: bounded in time, no redirects, internal
addresses refused), records each attempt, and fires due schedules.

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

from .. import __version__, jobs
from ..database import Database
from ..settings import ServerSettings
from ..tables import Delivery, Integration, utcnow
from . import egress, engine, outbox, sealing

log = logging.getLogger("runbase.deliveries")
POLL_SECONDS = 0.5
PRUNE_SECONDS = 3600
LEASE_MARGIN_SECONDS = 30  # beyond a send's deadline, for recording its outcome
MAX_LOGGED_ANSWER_BYTES = 2048  # of an answer's body kept in the delivery log
MAX_ERROR_CHARS = MAX_LOGGED_ANSWER_BYTES + 200
SLACK_RETRYABLE = ("ratelimited", "internal_error", "service_unavailable", "fatal_error", "request_timeout")


@dataclass(frozen=True)
class _Target:
    """Where a delivery goes, with the integration's secrets decrypted."""

    kind: str
    name: str
    url: str | None
    secret: str | None
    access_token: str | None
    bot_token: str | None

    @classmethod
    def of(cls, integration: Integration, box: sealing.SecretBox) -> _Target:
        url = box.open(integration.url) if integration.kind == "SLACK" else integration.url
        return cls(integration.kind, integration.name, url, box.open(integration.secret),
                   box.open(integration.access_token), box.open(integration.bot_token))

    def secrets(self) -> list[str]:
        """What an error message might quote (the HMAC secret itself is never sent)."""
        hidden = [self.access_token, self.bot_token, self.url if self.kind == "SLACK" else None]
        return [value for value in hidden if value]


@dataclass(frozen=True)
class _Message:
    """What a send needs, read in one short transaction."""

    id: int
    token: str
    event_type: str
    action_type: str
    payload: Any
    target: _Target | None


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
        self.box = sealing.box_for(settings)  # made (with its key file) before the migrations that use it
        self.wake = threading.Event()
        self.stopping = threading.Event()
        self.slots = threading.Semaphore(settings.delivery_concurrency)
        self.pool = ThreadPoolExecutor(settings.delivery_concurrency, thread_name_prefix="runbase-delivery")
        self.thread = threading.Thread(target=self._loop, name="runbase-delivery-worker", daemon=True)
        self.pruned_at = 0.0

    def start(self) -> None:
        """Re-encrypt secrets stored under a previous key (after a rotation), then start sending."""
        try:
            with self.db.session() as session:
                if sealing.reseal_all(session, self.box):
                    log.info("re-encrypted integration secrets under the current RUNBASE_SECRET_KEY")
        except Exception:
            log.exception("could not re-encrypt integration secrets; will try at the next start")
        self.thread.start()

    def notify(self) -> None:
        self.wake.set()

    def stop(self) -> None:
        """Let the sends under way finish (each is bounded by its deadline), so that their outcomes are
        recorded."""
        self.stopping.set()
        self.wake.set()
        self.thread.join(10)
        self.pool.shutdown(wait=True, cancel_futures=False)

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
            due = engine.due_schedules(session)
        for trigger_id in due:  # each in its own transaction: one failing schedule holds up no other
            with self.db.session() as session:
                engine.fire_schedule(session, trigger_id)
            self.wake.set()

    def _prune(self) -> None:
        """Hourly over all servers sharing the database (jobs.in_turn); this server asks hourly too."""
        if time.monotonic() - self.pruned_at < PRUNE_SECONDS:
            return
        self.pruned_at = time.monotonic()

        def prune() -> None:
            with self.db.session() as session:
                outbox.prune(session, utcnow() - timedelta(days=self.settings.delivery_retention_days))

        jobs.in_turn(self.db, jobs.DELIVERY_PRUNING, prune, every=PRUNE_SECONDS)

    def _dispatch(self) -> None:
        free = 0
        while self.slots.acquire(blocking=False):
            free += 1
        submitted = 0
        try:
            if free and not self.stopping.is_set():
                # Longer than any send can take, since each is bounded by one total deadline.
                lease = timedelta(seconds=self.settings.delivery_timeout_seconds + LEASE_MARGIN_SECONDS)
                with self.db.session() as session:
                    due = outbox.next_due(session)
                    claimed, token = (outbox.claim(session, free, lease) if due is not None and due <= utcnow()
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
                    outbox.suppress(session, delivery_id, token, "its automation was disabled")
                    return
                integration = session.get(Integration, delivery.integration_id) if delivery.integration_id else None
                message = _Message(delivery.id, token, delivery.event_type, delivery.action_type, delivery.payload,
                                   None if integration is None else _Target.of(integration, self.box))
            outcome = self._send(message)
            with self.db.session() as session:
                recorded = outbox.record(session, delivery_id, token, outcome)
                status = recorded.status if recorded else "claimed by another worker; outcome dropped"
            if status != outbox.SUCCEEDED:
                log.warning("delivery %s attempt failed (%s): %s", delivery_id, status, outcome.error)
        except sealing.Unreadable as exc:
            self._record_failure(delivery_id, token, str(exc))
        except Exception:
            log.exception("delivery %s could not be sent or recorded", delivery_id)
        finally:
            self.slots.release()
            self.wake.set()

    def _record_failure(self, delivery_id: int, token: str, error: str) -> None:
        log.error("delivery %s: %s", delivery_id, error)
        with self.db.session() as session:
            outbox.record(session, delivery_id, token, outbox.Outcome(started_at=utcnow(), duration_ms=0.0,
                                                                      error=error))

    # -- sending --------------------------------------------------------------------
    def _send(self, message: _Message) -> outbox.Outcome:
        started, clock = utcnow(), time.perf_counter()
        try:
            if message.target is None:
                fields: dict[str, Any] = {"error": "its integration was deleted"}
            elif message.action_type == "GENERIC_WEBHOOK":
                fields = self._post_webhook(message, message.target)
            else:
                fields = self._post_slack(message, message.target)
        except egress.Refused as exc:  # the destination will not change by itself: no retry
            fields = {"error": f"refused: {exc}"}
        except egress.DeadlinePassed as exc:
            fields = {"error": f"timed out: {exc}", "retryable": True}
        except Exception as exc:  # noqa: BLE001 - network failures of every kind: retry later
            fields = {"error": f"{type(exc).__name__}: {exc}", "retryable": True}
        error = fields.get("error")
        if error:
            for secret in message.target.secrets() if message.target else []:  # errors may quote URLs or tokens
                error = error.replace(secret, "***")
            fields["error"] = error[:MAX_ERROR_CHARS]
        return outbox.Outcome(started_at=started, duration_ms=(time.perf_counter() - clock) * 1000, **fields)

    def _post(self, url: str, body: bytes, headers: dict[str, str], *, trusted: bool = False) -> egress.Answer:
        """Every send: bounded in total time, no redirects, a prefix of the answer; to an allowed address unless
        the operator chose the destination."""
        return egress.post(url, body, {"User-Agent": f"runbase/{__version__}", **headers},
                           timeout=self.settings.delivery_timeout_seconds,
                           allowance=None if trusted else egress.Allowance.of(self.settings))

    def _post_webhook(self, message: _Message, target: _Target) -> dict[str, Any]:
        body = json.dumps(message.payload, separators=(",", ":")).encode()
        timestamp = str(int(time.time()))
        headers = {"Content-Type": "application/json", "X-Runbase-Delivery": str(message.id),
                   "X-Runbase-Timestamp": timestamp, "X-Runbase-Event": message.event_type}
        if target.secret:
            headers["X-Runbase-Signature"] = signature(target.secret, timestamp, body)
        if target.access_token:
            headers["Authorization"] = f"Bearer {target.access_token}"
        return _judge(self._post(target.url or "", body, headers), "HTTP")

    def _post_slack(self, message: _Message, target: _Target) -> dict[str, Any]:
        fields = {"text": message.payload["text"], "blocks": message.payload["blocks"]}
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if not target.bot_token:  # an incoming webhook: a URL a user gave, so checked like any webhook
            return _judge(self._post(target.url or "", json.dumps(fields).encode(), headers), "Slack answered")
        api = self.settings.slack_api_url
        answer = self._post(f"{api}{'' if api.endswith('/') else '/'}chat.postMessage",
                            json.dumps({"channel": target.name, **fields}).encode(),
                            {**headers, "Authorization": f"Bearer {target.bot_token}"}, trusted=True)
        judged = _judge(answer, "Slack answered")
        if judged.get("error"):
            return judged
        try:
            reply = json.loads(answer.body)
        except ValueError:
            reply = None
        if not isinstance(reply, dict) or reply.get("ok") is not True:
            reason = reply.get("error") if isinstance(reply, dict) else "an answer that is not Slack's JSON"
            return {"response_code": answer.status, "error": f"Slack answered {answer.status}: {reason}",
                    "retryable": reason in SLACK_RETRYABLE}
        return {"response_code": answer.status}


def _judge(answer: egress.Answer, what: str) -> dict[str, Any]:
    """An answer's outcome: 2xx succeeded; a redirect is not followed (it would send the payload elsewhere);
    408, 429 and 5xx are retried, after Retry-After if given."""
    code = answer.status
    if 200 <= code < 300:
        return {"response_code": code}
    if 300 <= code < 400:
        return {"response_code": code, "error": f"{what} {code}: redirects are not followed"}
    text = answer.body[:MAX_LOGGED_ANSWER_BYTES].decode(errors="replace")
    return {"response_code": code, "error": f"{what} {code}: {text}",
            "retryable": code in (408, 429) or code >= 500, "retry_after": _retry_after(answer.headers.get("retry-after"))}
