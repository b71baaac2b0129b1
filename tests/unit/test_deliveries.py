"""The outbox's rules on one database, without a server: claims, leases, outcomes, retries, pruning."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import MigratedDatabases
from runbase_server.automations import outbox
from runbase_server.database import Database
from runbase_server.settings import SESSION_KEY, ServerSettings
from runbase_server.tables import Delivery, Entity, Integration, utcnow


@pytest.fixture
def db(tmp_path: Path, migrated: MigratedDatabases) -> Iterator[Database]:
    settings = ServerSettings(delivery_retry_base_seconds=1, delivery_retry_cap_seconds=8,
                              delivery_max_age_seconds=60)
    database = Database(migrated.url("sqlite", tmp_path), info={SESSION_KEY: settings})
    with database.session() as session:
        session.add(Entity(name="team"))
    yield database
    database.dispose()


def enqueue(db: Database) -> int:
    with db.session() as session:
        entity = session.query(Entity).one()
        return outbox.enqueue(session, entity_id=entity.id, event_type="RUN_STATE",
                                  action_type="GENERIC_WEBHOOK", payload={"a": 1}).id


def outcome(**fields: object) -> outbox.Outcome:
    return outbox.Outcome(started_at=utcnow(), duration_ms=1.0, **fields)  # type: ignore[arg-type]


def test_a_claim_is_exclusive_until_its_lease_runs_out(db: Database) -> None:
    first = enqueue(db)
    with db.session() as session:
        claimed, token = outbox.claim(session, 10, timedelta(seconds=60))
    assert claimed == [first]
    with db.session() as session:
        assert outbox.claim(session, 10, timedelta(seconds=60))[0] == []  # held
    with db.session() as session:
        session.get(Delivery, first).lease_until = utcnow() - timedelta(seconds=1)  # its sender died or overran
    with db.session() as session:  # the lost attempt is counted, and retried after a backoff
        assert outbox.claim(session, 10, timedelta(seconds=60))[0] == []
        lost = session.get(Delivery, first)
        assert lost.status == "PENDING" and lost.attempt_count == 1 and "lease" in (lost.error or "")
        lost.next_attempt_at = utcnow()
    with db.session() as session:
        again, second_token = outbox.claim(session, 10, timedelta(seconds=60))
    assert again == [first] and second_token != token
    with db.session() as session:  # the first sender's late outcome is dropped; the new holder's counts
        assert outbox.record(session, first, token, outcome(response_code=200)) is None
        recorded = outbox.record(session, first, second_token, outcome(response_code=200))
        assert recorded is not None and recorded.status == "SUCCEEDED" and recorded.attempt_count == 2


def test_a_delivery_past_its_give_up_time_is_failed_not_sent(db: Database) -> None:
    delivery_id = enqueue(db)
    with db.session() as session:
        session.get(Delivery, delivery_id).give_up_at = utcnow() - timedelta(seconds=1)
    with db.session() as session:
        assert outbox.claim(session, 10, timedelta(seconds=60))[0] == []
        failed = session.get(Delivery, delivery_id)
        assert failed.status == "FAILED" and "gave up" in (failed.error or "")


def test_claims_keep_to_the_per_entity_and_per_integration_limits(db: Database) -> None:
    with db.session() as session:  # defaults: 4 sending at once per entity, 2 per integration
        team = session.query(Entity).one()
        other = Entity(name="other")
        hooks = [Integration(entity=team, kind="GENERIC_WEBHOOK", name=name, url="https://x.example")
                 for name in ("a", "b", "c")]
        session.add_all([other, *hooks])
        session.flush()
        old = utcnow() - timedelta(seconds=30)
        mine = {hook.id: [outbox.enqueue(session, entity_id=team.id, event_type="RUN_STATE",
                                         action_type="GENERIC_WEBHOOK", payload={}, integration_id=hook.id)
                          for _ in range(3)] for hook in hooks}
        for delivery in (d for ds in mine.values() for d in ds):
            delivery.next_attempt_at = old  # all older than the other entity's
        late = outbox.enqueue(session, entity_id=other.id, event_type="RUN_STATE", action_type="GENERIC_WEBHOOK",
                              payload={}).id
        owner = {d.id: hook_id for hook_id, ds in mine.items() for d in ds}
    with db.session() as session:
        claimed, _ = outbox.claim(session, 8, timedelta(seconds=60))
    ours = [owner[i] for i in claimed if i != late]
    assert late in claimed and len(ours) == 4 and all(ours.count(hook) <= 2 for hook in set(ours))
    with db.session() as session:  # while those are sending, the team gets no more
        assert outbox.claim(session, 8, timedelta(seconds=60))[0] == []


def test_retryable_failures_back_off_then_give_up(db: Database) -> None:
    delivery_id = enqueue(db)
    delays = []
    for _ in range(3):
        with db.session() as session:
            session.get(Delivery, delivery_id).next_attempt_at = utcnow()
        with db.session() as session:
            _, token = outbox.claim(session, 1, timedelta(seconds=60))
            before = utcnow()
            recorded = outbox.record(session, delivery_id, token, outcome(response_code=503, error="HTTP 503",
                                                                               retryable=True))
            assert recorded is not None and recorded.status == "PENDING"
            delays.append((recorded.next_attempt_at - before).total_seconds())
    assert 0.5 <= delays[0] <= 1.01 and 1 <= delays[1] <= 2.01 and 2 <= delays[2] <= 4.01  # half to all of 1, 2, 4
    with db.session() as session:
        session.get(Delivery, delivery_id).next_attempt_at = utcnow()
        session.get(Delivery, delivery_id).give_up_at = utcnow() + timedelta(seconds=2)  # before the next backoff
    with db.session() as session:
        _, token = outbox.claim(session, 1, timedelta(seconds=60))
        recorded = outbox.record(session, delivery_id, token, outcome(error="ConnectError", retryable=True))
        assert recorded.status == "FAILED" and "gave up after 4 attempts" in recorded.error


def test_retry_after_is_followed_but_never_below_half_the_base(db: Database) -> None:
    delivery_id = enqueue(db)
    with db.session() as session:
        _, token = outbox.claim(session, 1, timedelta(seconds=60))
        before = utcnow()
        recorded = outbox.record(session, delivery_id, token, outcome(response_code=429, error="HTTP 429",
                                                                           retryable=True, retry_after=0))
        assert (recorded.next_attempt_at - before).total_seconds() >= 0.5


def test_a_permanent_failure_is_not_retried(db: Database) -> None:
    delivery_id = enqueue(db)
    with db.session() as session:
        _, token = outbox.claim(session, 1, timedelta(seconds=60))
        recorded = outbox.record(session, delivery_id, token, outcome(response_code=404, error="HTTP 404"))
        assert recorded.status == "FAILED" and recorded.next_attempt_at is None


def test_prune_forgets_only_old_finished_deliveries(db: Database) -> None:
    old_done, old_pending, new_done = enqueue(db), enqueue(db), enqueue(db)
    with db.session() as session:
        for delivery_id, status, age in ((old_done, "SUCCEEDED", 40), (old_pending, "PENDING", 40),
                                         (new_done, "FAILED", 1)):
            row = session.get(Delivery, delivery_id)
            row.status, row.created_at = status, utcnow() - timedelta(days=age)
    with db.session() as session:
        assert outbox.prune(session, utcnow() - timedelta(days=30)) == 1
    with db.session() as session:
        assert sorted(d.id for d in session.query(Delivery)) == [old_pending, new_done]
