"""The outbox's rules on one database, without a server: claims, leases, outcomes, retries, pruning."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from runbase_server import deliveries
from runbase_server.database import Database, upgrade
from runbase_server.settings import SESSION_KEY, ServerSettings
from runbase_server.tables import Delivery, Entity, utcnow


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    settings = ServerSettings(delivery_retry_base_seconds=1, delivery_retry_cap_seconds=8,
                              delivery_max_age_seconds=60)
    database = Database(f"sqlite:///{tmp_path / 'outbox.db'}", info={SESSION_KEY: settings})
    upgrade(database.engine)
    with database.session() as session:
        session.add(Entity(name="team"))
    yield database
    database.dispose()


def enqueue(db: Database) -> int:
    with db.session() as session:
        entity = session.query(Entity).one()
        return deliveries.enqueue(session, entity_id=entity.id, event_type="RUN_STATE",
                                  action_type="GENERIC_WEBHOOK", payload={"a": 1}).id


def outcome(**fields: object) -> deliveries.Outcome:
    return deliveries.Outcome(started_at=utcnow(), duration_ms=1.0, **fields)  # type: ignore[arg-type]


def test_a_claim_is_exclusive_until_its_lease_runs_out(db: Database) -> None:
    first = enqueue(db)
    with db.session() as session:
        claimed, token = deliveries.claim(session, 10, timedelta(seconds=60))
    assert claimed == [first]
    with db.session() as session:
        assert deliveries.claim(session, 10, timedelta(seconds=60))[0] == []  # held
    with db.session() as session:
        session.get(Delivery, first).lease_until = utcnow() - timedelta(seconds=1)  # its sender died
    with db.session() as session:
        again, second_token = deliveries.claim(session, 10, timedelta(seconds=60))
    assert again == [first] and second_token != token
    with db.session() as session:  # the first sender's late outcome is dropped; the new holder's counts
        assert deliveries.record(session, first, token, outcome(response_code=200)) is None
        recorded = deliveries.record(session, first, second_token, outcome(response_code=200))
        assert recorded is not None and recorded.status == "SUCCEEDED" and recorded.attempt_count == 1


def test_retryable_failures_back_off_then_give_up(db: Database) -> None:
    delivery_id = enqueue(db)
    delays = []
    for _ in range(3):
        with db.session() as session:
            session.get(Delivery, delivery_id).next_attempt_at = utcnow()
        with db.session() as session:
            _, token = deliveries.claim(session, 1, timedelta(seconds=60))
            before = utcnow()
            recorded = deliveries.record(session, delivery_id, token, outcome(response_code=503, error="HTTP 503",
                                                                               retryable=True))
            assert recorded is not None and recorded.status == "PENDING"
            delays.append((recorded.next_attempt_at - before).total_seconds())
    assert 0.5 <= delays[0] <= 1.01 and 1 <= delays[1] <= 2.01 and 2 <= delays[2] <= 4.01  # half to all of 1, 2, 4
    with db.session() as session:
        session.get(Delivery, delivery_id).next_attempt_at = utcnow()
        session.get(Delivery, delivery_id).give_up_at = utcnow()
    with db.session() as session:
        _, token = deliveries.claim(session, 1, timedelta(seconds=60))
        recorded = deliveries.record(session, delivery_id, token, outcome(error="ConnectError", retryable=True))
        assert recorded.status == "FAILED" and "gave up after 4 attempts" in recorded.error


def test_retry_after_is_followed_but_never_below_half_the_base(db: Database) -> None:
    delivery_id = enqueue(db)
    with db.session() as session:
        _, token = deliveries.claim(session, 1, timedelta(seconds=60))
        before = utcnow()
        recorded = deliveries.record(session, delivery_id, token, outcome(response_code=429, error="HTTP 429",
                                                                           retryable=True, retry_after=0))
        assert (recorded.next_attempt_at - before).total_seconds() >= 0.5


def test_a_permanent_failure_is_not_retried(db: Database) -> None:
    delivery_id = enqueue(db)
    with db.session() as session:
        _, token = deliveries.claim(session, 1, timedelta(seconds=60))
        recorded = deliveries.record(session, delivery_id, token, outcome(response_code=404, error="HTTP 404"))
        assert recorded.status == "FAILED" and recorded.next_attempt_at is None


def test_prune_forgets_only_old_finished_deliveries(db: Database) -> None:
    old_done, old_pending, new_done = enqueue(db), enqueue(db), enqueue(db)
    with db.session() as session:
        for delivery_id, status, age in ((old_done, "SUCCEEDED", 40), (old_pending, "PENDING", 40),
                                         (new_done, "FAILED", 1)):
            row = session.get(Delivery, delivery_id)
            row.status, row.created_at = status, utcnow() - timedelta(days=age)
    with db.session() as session:
        assert deliveries.prune(session, utcnow() - timedelta(days=30)) == 1
    with db.session() as session:
        assert sorted(d.id for d in session.query(Delivery)) == [old_pending, new_done]
