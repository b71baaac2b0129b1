"""The outbox. A firing is a delivery row written in the transaction that
caused it, so it is sent if and only if that data was stored; the delivery
worker then claims due rows, sends them and records each attempt here.

Claiming is one UPDATE that re-checks the row's status (and on PostgreSQL
skips rows another server has locked), so servers sharing a database never
claim the same delivery twice. A claim is a lease with a token: if the server
dies while sending, the row is claimed again once the lease runs out (so a
crash mid-send can mean a second send: receivers deduplicate on the delivery
id), and an outcome is recorded only by the holder of the current claim."""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from . import pagination
from .auth import Viewer
from .entities import members_only, require_writer
from .errors import NotFound, UserError
from .settings import ServerSettings, of_session
from .names import row_id
from .tables import Delivery, DeliveryAttempt, Run, Trigger, utcnow

PENDING, SENDING, SUCCEEDED, FAILED, SUPPRESSED = "PENDING", "SENDING", "SUCCEEDED", "FAILED", "SUPPRESSED"
STATUSES = (PENDING, SENDING, SUCCEEDED, FAILED, SUPPRESSED)
WAKE = "runbase.deliveries.wake"  # session.info flag: the transaction wrote deliveries to send


def enqueue(session: Session, *, entity_id: int, event_type: str, action_type: str, payload: Any,
            trigger: Trigger | None = None, integration_id: int | None = None, run: Run | None = None,
            redelivery_of: int | None = None) -> Delivery:
    """Write a delivery to send after this transaction commits, or record it as suppressed
    when its automation (or, for an alert, its run) is over the rate limit."""
    settings = of_session(session.info)
    now = utcnow()
    delivery = Delivery(entity_id=entity_id, trigger=trigger, integration_id=integration_id,
                        run_id=run.id if run else None, run_name=run.name if run else None, event_type=event_type,
                        action_type=action_type, payload=payload, status=PENDING, attempt_count=0, created_at=now,
                        next_attempt_at=now, give_up_at=now + timedelta(seconds=settings.delivery_max_age_seconds),
                        redelivery_of=redelivery_of)
    if redelivery_of is None and _over_limit(session, trigger, run, settings, now):
        delivery.status, delivery.next_attempt_at = SUPPRESSED, None
        delivery.error = f"rate limit: at most {settings.automation_rate_limit} deliveries a minute per automation"
    elif action_type == "NO_OP":  # recorded, so a dry run shows when it would have fired
        delivery.status, delivery.next_attempt_at, delivery.delivered_at = SUCCEEDED, None, now
    session.add(delivery)
    session.flush()
    if delivery.status == PENDING:
        session.info[WAKE] = True
    return delivery


def _over_limit(session: Session, trigger: Trigger | None, run: Run | None, settings: ServerSettings,
                now: datetime) -> bool:
    """Automations are limited per automation; alerts (no automation) per run."""
    if trigger is not None:
        source = Delivery.trigger_id == trigger.id
    elif run is not None:
        source = and_(Delivery.trigger_id.is_(None), Delivery.run_id == run.id)
    else:
        return False
    recent = session.scalar(select(func.count()).select_from(Delivery).where(
        source, Delivery.created_at > now - timedelta(minutes=1), Delivery.status != SUPPRESSED))
    return (recent or 0) >= settings.automation_rate_limit


def claim(session: Session, limit: int, lease: timedelta) -> tuple[list[int], str]:
    """Mark up to `limit` due deliveries as being sent by this worker; their ids and the claim's token."""
    now = utcnow()
    token = secrets.token_hex(8)
    due = or_(and_(Delivery.status == PENDING, Delivery.next_attempt_at <= now),
              and_(Delivery.status == SENDING, Delivery.lease_until < now))
    candidates = select(Delivery.id).where(due).order_by(Delivery.next_attempt_at).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    claimed = session.scalars(
        update(Delivery).where(Delivery.id.in_(candidates.scalar_subquery()), due)
        .values(status=SENDING, lease_until=now + lease, claim_token=token).returning(Delivery.id)
        .execution_options(synchronize_session=False))
    return list(claimed), token


def next_due(session: Session) -> datetime | None:
    """When the next delivery is due: a pending one's next attempt, or the end of a dead sender's lease."""
    pending = select(func.min(Delivery.next_attempt_at)).where(Delivery.status == PENDING)
    leased = select(func.min(Delivery.lease_until)).where(Delivery.status == SENDING)
    times = [when for when in (session.scalar(pending), session.scalar(leased)) if when is not None]
    return min(times, default=None)


@dataclass
class Outcome:
    """What one attempt to send gave."""

    started_at: datetime
    duration_ms: float
    response_code: int | None = None
    error: str | None = None
    retryable: bool = False
    retry_after: float | None = None

    @property
    def succeeded(self) -> bool:
        return self.error is None


def backoff(attempt: int, settings: ServerSettings) -> float:
    """Exponential from the base, capped, with half of it random so retries from many deliveries spread out."""
    delay = min(settings.delivery_retry_cap_seconds, settings.delivery_retry_base_seconds * 2 ** (attempt - 1))
    return delay / 2 + random.uniform(0, delay / 2)


def _claimed(session: Session, delivery_id: int, token: str) -> Delivery | None:
    """The delivery if `token` still holds its claim: a lease that ran out may have passed it on."""
    delivery = session.get(Delivery, delivery_id, with_for_update=True)
    if delivery is None or delivery.status != SENDING or delivery.claim_token != token:
        return None
    return delivery


def record(session: Session, delivery_id: int, token: str, outcome: Outcome) -> Delivery | None:
    """Log an attempt and decide what follows: done, retry after a backoff, or give up."""
    settings = of_session(session.info)
    delivery = _claimed(session, delivery_id, token)
    if delivery is None:
        return None
    delivery.attempt_count += 1
    session.add(DeliveryAttempt(delivery_id=delivery.id, number=delivery.attempt_count,
                                started_at=outcome.started_at, duration_ms=outcome.duration_ms,
                                response_code=outcome.response_code, error=outcome.error))
    delivery.response_code, delivery.error = outcome.response_code, outcome.error
    delivery.lease_until = delivery.claim_token = None
    now = utcnow()
    if outcome.succeeded:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = SUCCEEDED, now, None
        return delivery
    delay = backoff(delivery.attempt_count, settings)
    if outcome.retry_after is not None:  # the receiver's wish, but never a hot loop
        delay = max(outcome.retry_after, settings.delivery_retry_base_seconds / 2)
    retry_at = now + timedelta(seconds=min(delay, settings.delivery_retry_cap_seconds))
    if outcome.retryable and retry_at <= delivery.give_up_at:
        delivery.status, delivery.next_attempt_at = PENDING, retry_at
    else:
        delivery.status, delivery.next_attempt_at = FAILED, None
        if outcome.retryable:
            delivery.error = f"{outcome.error} (gave up after {delivery.attempt_count} attempts)"
    return delivery



def suppress(session: Session, delivery_id: int, token: str, reason: str) -> None:
    delivery = _claimed(session, delivery_id, token)
    if delivery is not None:
        delivery.status, delivery.error, delivery.next_attempt_at = SUPPRESSED, reason, None
        delivery.lease_until = delivery.claim_token = None


def prune(session: Session, older_than: datetime) -> int:
    """Forget finished deliveries created before `older_than`, so the log does not grow without end."""
    done = delete(Delivery).where(Delivery.status.in_((SUCCEEDED, FAILED, SUPPRESSED)),
                                  Delivery.created_at < older_than)
    return session.execute(done.execution_options(synchronize_session=False)).rowcount or 0


def readable(session: Session, viewer: Viewer, delivery_id: str | int) -> Delivery | None:
    """Members of the entity see a delivery, unless its automation is hidden from them (one scoped to a
    restricted registry they were not invited to): its payload describes that registry's versions."""
    from . import automations  # automations builds on the outbox, not the other way round

    delivery = members_only(session, viewer, session.get(Delivery, row_id(delivery_id, "delivery")))
    if delivery is None or delivery.trigger_id is None:
        return delivery
    return delivery if automations.readable(session, viewer, delivery.trigger_id) is not None else None


def redeliver(session: Session, viewer: Viewer, delivery_id: str | int) -> Delivery:
    original = readable(session, viewer, delivery_id)
    if original is None:
        raise NotFound(f"no delivery with id {delivery_id!r}")
    require_writer(session, viewer, original.entity)
    if original.action_type == "NO_OP":
        raise UserError("a NO_OP delivery sends nothing, so there is nothing to redeliver")
    if original.status in (PENDING, SENDING):
        raise UserError(f"delivery {delivery_id} is still {original.status}")
    run = session.get(Run, original.run_id) if original.run_id else None
    return enqueue(session, entity_id=original.entity_id, event_type=original.event_type,
                   action_type=original.action_type, payload=original.payload, trigger=original.trigger,
                   integration_id=original.integration_id, run=run, redelivery_of=original.id)


def of_trigger(session: Session, trigger: Trigger, status: str | None, first: int | None,
               after: str | None) -> pagination.Page[Delivery]:
    query = select(Delivery).where(Delivery.trigger_id == trigger.id)
    if status is not None:
        if status not in STATUSES:
            raise UserError(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
        query = query.where(Delivery.status == status)
    size, start = pagination.page_size(first), pagination.offset_of(after)
    rows = session.scalars(query.order_by(Delivery.id.desc()).offset(start).limit(size + 1))
    return pagination.paged(list(rows), start, size)


def attempts(session: Session, delivery: Delivery) -> list[DeliveryAttempt]:
    return list(session.scalars(select(DeliveryAttempt).where(DeliveryAttempt.delivery_id == delivery.id)
                                .order_by(DeliveryAttempt.number)))
