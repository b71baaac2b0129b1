"""The outbox. A firing is a delivery row written in the transaction that
caused it, so it is sent if and only if that data was stored; the delivery
worker then claims due rows, sends them and records each attempt here.

Claiming is one UPDATE that re-checks the row's status (and on PostgreSQL
skips rows another server has locked), so servers sharing a database never
claim the same delivery twice. A claim is a lease with a token, longer than a
send's total deadline: if the server dies while sending, the lost attempt is
counted once the lease runs out and the row is retried after a backoff (so a
crash mid-send can mean a second send: receivers deduplicate on the delivery
id), and an outcome is recorded only by the holder of the current claim.
Deliveries past their give-up time fail instead of being claimed, and claims
keep to per-entity and per-integration limits on sends under way."""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.orm import Session

from .. import access, pagination
from ..auth import Viewer
from ..errors import UserError
from ..names import row_id
from ..settings import ServerSettings, of_session
from ..tables import Delivery, DeliveryAttempt, Run, Trigger, utcnow

PENDING, SENDING, SUCCEEDED, FAILED, SUPPRESSED = "PENDING", "SENDING", "SUCCEEDED", "FAILED", "SUPPRESSED"
STATUSES = (PENDING, SENDING, SUCCEEDED, FAILED, SUPPRESSED)
MAX_CANDIDATES = 1000  # due deliveries looked at per claim
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
    if redelivery_of is None and _over_limit(session, trigger, run, settings, now=now):
        delivery.status, delivery.next_attempt_at = SUPPRESSED, None
        delivery.error = f"rate limit: at most {settings.automation_rate_limit} deliveries a minute per automation"
    elif action_type == "NO_OP":  # recorded, so a dry run shows when it would have fired
        delivery.status, delivery.next_attempt_at, delivery.delivered_at = SUCCEEDED, None, now
    session.add(delivery)
    session.flush()
    if delivery.status == PENDING:
        session.info[WAKE] = True
    return delivery


def _over_limit(session: Session, trigger: Trigger | None, run: Run | None, settings: ServerSettings, *,
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
    """Mark up to `limit` due deliveries as being sent by this worker; their ids and the claim's token.

    First the attempts whose lease ran out are recorded as failed (their sender died or overran) and the
    deliveries past their give-up time are failed. Then due deliveries are taken oldest first, but no more
    than the per-entity and per-integration limits allow to be sending at once, so one tenant's slow
    receivers leave senders for everyone else."""
    settings = of_session(session.info)
    now = utcnow()
    _settle_lost_attempts(session, now, lease)
    _give_up_expired(session, now)
    token = secrets.token_hex(8)
    picked = _fair_share(session, now, limit, settings)
    if not picked:
        return [], token
    due = and_(Delivery.status == PENDING, Delivery.next_attempt_at <= now)  # re-checked: another server may
    claimed = session.scalars(                                                # have claimed some meanwhile
        update(Delivery).where(Delivery.id.in_(picked), due)
        .values(status=SENDING, lease_until=now + lease, claim_token=token).returning(Delivery.id)
        .execution_options(synchronize_session=False))
    return list(claimed), token


def _fair_share(session: Session, now: datetime, limit: int, settings: ServerSettings) -> list[int]:
    """Due deliveries to claim, oldest first, within the concurrency limits (counted over every server)."""
    per_entity, per_integration = settings.delivery_concurrency_per_entity, settings.delivery_concurrency_per_integration
    entities: dict[int | None, int] = _sending_per(session, Delivery.entity_id)
    integrations = _sending_per(session, Delivery.integration_id)
    rank = func.row_number().over(partition_by=func.coalesce(Delivery.integration_id, -Delivery.id),
                                  order_by=(Delivery.next_attempt_at, Delivery.id)).label("rank")
    ranked = (select(Delivery.id, Delivery.entity_id, Delivery.integration_id, Delivery.next_attempt_at, rank)
              .where(Delivery.status == PENDING, Delivery.next_attempt_at <= now).subquery())
    candidates = session.execute(select(ranked.c.id, ranked.c.entity_id, ranked.c.integration_id)
                                 .where(ranked.c.rank <= per_integration)
                                 .order_by(ranked.c.next_attempt_at, ranked.c.id).limit(MAX_CANDIDATES))
    picked: list[int] = []
    for delivery_id, entity_id, integration_id in candidates:
        if len(picked) >= limit:
            break
        if entities.get(entity_id, 0) >= per_entity or (
                integration_id is not None and integrations.get(integration_id, 0) >= per_integration):
            continue
        picked.append(delivery_id)
        entities[entity_id] = entities.get(entity_id, 0) + 1
        integrations[integration_id] = integrations.get(integration_id, 0) + 1
    return picked


def _sending_per(session: Session, column: Any) -> dict[int | None, int]:
    """How many deliveries are being sent now per value of `column` (entity or integration)."""
    rows = session.execute(select(column, func.count()).where(Delivery.status == SENDING).group_by(column))
    return {key: count for key, count in rows}


def _settle_lost_attempts(session: Session, now: datetime, lease: timedelta) -> None:
    """A claim whose lease ran out had a sender that died or overran: count it as a failed attempt, so that
    attempts are never lost and a receiver that holds every send still reaches the give-up time."""
    lost = select(Delivery).where(Delivery.status == SENDING, Delivery.lease_until < now)
    if session.get_bind().dialect.name == "postgresql":
        lost = lost.with_for_update(skip_locked=True)
    for delivery in session.scalars(lost).all():
        started = (delivery.lease_until or now) - lease
        _attempt(session, delivery, Outcome(
            started_at=started, duration_ms=(now - started).total_seconds() * 1000, retryable=True,
            error="no outcome within the claim's lease: the sending server stopped or overran its deadline"),
            now)


def _give_up_expired(session: Session, now: datetime) -> None:
    settings = of_session(session.info)
    session.execute(update(Delivery).where(Delivery.status == PENDING, Delivery.give_up_at < now)
                    .values(status=FAILED, next_attempt_at=None,
                            error=f"gave up: not delivered within {settings.delivery_max_age_seconds:g} s "
                                  "(RUNBASE_DELIVERY_MAX_AGE_SECONDS)")
                    .execution_options(synchronize_session=False))


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
    delay = min(settings.delivery_retry_cap_seconds, settings.delivery_retry_base_seconds * 2.0 ** (attempt - 1))
    return delay / 2 + random.uniform(0, delay / 2)


def _claimed(session: Session, delivery_id: int, token: str) -> Delivery | None:
    """The delivery if `token` still holds its claim: a lease that ran out may have passed it on."""
    delivery = session.get(Delivery, delivery_id, with_for_update=True)
    if delivery is None or delivery.status != SENDING or delivery.claim_token != token:
        return None
    return delivery


def record(session: Session, delivery_id: int, token: str, outcome: Outcome) -> Delivery | None:
    """Log an attempt and decide what follows: done, retry after a backoff, or give up."""
    delivery = _claimed(session, delivery_id, token)
    if delivery is None:
        return None
    _attempt(session, delivery, outcome, utcnow())
    return delivery


def _attempt(session: Session, delivery: Delivery, outcome: Outcome, now: datetime) -> None:
    settings = of_session(session.info)
    delivery.attempt_count += 1
    session.add(DeliveryAttempt(delivery_id=delivery.id, number=delivery.attempt_count,
                                started_at=outcome.started_at, duration_ms=outcome.duration_ms,
                                response_code=outcome.response_code, error=outcome.error))
    delivery.response_code, delivery.error = outcome.response_code, outcome.error
    delivery.lease_until = delivery.claim_token = None
    if outcome.succeeded:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = SUCCEEDED, now, None
        return
    # The receiver's Retry-After is a floor on the backoff, never a replacement: "Retry-After: 0" must not turn
    # the retries into a loop that runs until the delivery's give-up time.
    delay = max(backoff(delivery.attempt_count, settings), outcome.retry_after or 0.0)
    retry_at = now + timedelta(seconds=min(delay, settings.delivery_retry_cap_seconds))
    if outcome.retryable and retry_at <= delivery.give_up_at:
        delivery.status, delivery.next_attempt_at = PENDING, retry_at
    else:
        delivery.status, delivery.next_attempt_at = FAILED, None
        if outcome.retryable:
            delivery.error = f"{outcome.error} (gave up after {delivery.attempt_count} attempts)"


def suppress(session: Session, delivery_id: int, token: str, reason: str) -> None:
    delivery = _claimed(session, delivery_id, token)
    if delivery is not None:
        delivery.status, delivery.error, delivery.next_attempt_at = SUPPRESSED, reason, None
        delivery.lease_until = delivery.claim_token = None


def prune(session: Session, older_than: datetime) -> int:
    """Forget finished deliveries created before `older_than`, so the log does not grow without end."""
    done = delete(Delivery).where(Delivery.status.in_((SUCCEEDED, FAILED, SUPPRESSED)),
                                  Delivery.created_at < older_than)
    return len(session.scalars(done.returning(Delivery.id).execution_options(synchronize_session=False)).all())


def readable(session: Session, viewer: Viewer, delivery_id: str | int) -> Delivery | None:
    """The delivery, for a viewer who may see it (access.readable_delivery); None otherwise."""
    return access.readable_delivery(session, viewer, session.get(Delivery, row_id(delivery_id, "delivery")))


def redeliver(session: Session, viewer: Viewer, delivery_id: str | int) -> Delivery:
    original = access.require_row_writer(session, viewer, readable(session, viewer, delivery_id),
                                         f"no delivery with id {delivery_id!r}")
    if original.action_type == "NO_OP":
        raise UserError("a NO_OP delivery sends nothing, so there is nothing to redeliver")
    if original.status in (PENDING, SENDING):
        raise UserError(f"delivery {delivery_id} is still {original.status}")
    run = session.get(Run, original.run_id) if original.run_id else None
    return enqueue(session, entity_id=original.entity_id, event_type=original.event_type,
                   action_type=original.action_type, payload=original.payload, trigger=original.trigger,
                   integration_id=original.integration_id, run=run, redelivery_of=original.id)


def of_trigger(session: Session, trigger: Trigger, status: str | None, *, first: int | None,
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
