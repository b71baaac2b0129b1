"""SQLAlchemy tables. The database layout lives here and in migrations/ only."""

from __future__ import annotations

import json
import math
import re
from decimal import Decimal
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import JSON, TypeDecorator

COMPOSITE_LENGTH = 70  # a multipart object's name: 64 hex digits, "-" and the number of parts
NONFINITE_TAG = "$float"


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _encode_nonfinite(value: Any) -> Any:
    """JSONB and strict JSON reject NaN and infinities; store them as a tagged object."""
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        return {NONFINITE_TAG: "NaN" if value != value else ("Infinity" if value > 0 else "-Infinity")}
    if isinstance(value, dict):
        return {k: _encode_nonfinite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_encode_nonfinite(v) for v in value]
    return value


def decode_nonfinite(value: Any) -> Any:
    """In place: the value was just decoded, so nothing else holds it; scalars are left untouched (a page of
    runs decodes thousands of them)."""
    if type(value) is dict:
        if len(value) == 1 and NONFINITE_TAG in value:
            return float(value[NONFINITE_TAG])
        for key, item in value.items():
            if type(item) is dict or type(item) is list:
                value[key] = decode_nonfinite(item)
    elif type(value) is list:
        for index, item in enumerate(value):
            if type(item) is dict or type(item) is list:
                value[index] = decode_nonfinite(item)
    return value


# A JSON string (skipped whole, escapes included) or a number with a positive exponent, which Python writes for a
# float of 1e16 or more only (always a whole number; integers are written in digits).
_STRING_OR_EXPONENT = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|(-?[0-9]+(?:\.[0-9]+)?e\+[0-9]+)')


def _in_digits(match: re.Match[str]) -> str:
    number = match.group(1)
    return match.group(0) if number is None else f"{Decimal(number):f}.0"


def postgres_json(value: Any) -> str:
    """json.dumps for JSONB, which keeps a number's digits and decimals but not its exponent: a float written
    1e+16 would read back as the integer 10000000000000000 (SQLite keeps the text and reads a float). Written
    10000000000000000.0 it reads back as a float: the same number, so filters and run_values see no change."""
    text = json.dumps(value)
    return _STRING_OR_EXPONENT.sub(_in_digits, text) if "e+" in text else text


class Document(TypeDecorator[Any]):
    """A JSON document (JSONB on PostgreSQL) that keeps NaN and infinities."""

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect):  # type: ignore[no-untyped-def]
        if dialect.name == "postgresql":
            return dialect.type_descriptor(JSONB())
        return dialect.type_descriptor(JSON())

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        return None if value is None else _encode_nonfinite(value)

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        if isinstance(value, str):  # some drivers hand JSON back undecoded
            value = json.loads(value)
        return None if value is None else decode_nonfinite(value)


class UTCDateTime(TypeDecorator[datetime]):
    """SQLite forgets time zones; every timestamp here is UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        # SQLite keeps the wall time and drops the offset, so store every instant as UTC.
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str | None] = mapped_column(String(256))
    email_key: Mapped[str | None] = mapped_column(String(256), index=True, unique=True)  # users.email_key(email)
    admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    api_keys: Mapped[list[ApiKey]] = relationship(back_populates="user", cascade="all, delete-orphan")


class ApiKey(Base):
    __tablename__ = "api_keys"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="api_keys")


class WebSession(Base):
    """A browser's sign-in (web/sessions.py): made from an API key, it ends with that key or its user."""

    __tablename__ = "web_sessions"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Entity(Base):
    __tablename__ = "entities"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    is_team: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Membership(Base):
    __tablename__ = "memberships"

    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16), default="member")


class Project(Base):
    __tablename__ = "projects"
    __table_args__ = (UniqueConstraint("entity_id", "name"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(128))
    description: Mapped[str | None] = mapped_column(Text)
    access: Mapped[str] = mapped_column(String(16), default="PRIVATE")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Who made it (W&B's Project.user); unknown for projects made before migration 0017. No ON DELETE: users are
    # never deleted, and SQLite cannot reflect one that ADD COLUMN made (see migration 0011).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    entity: Mapped[Entity] = relationship()
    user: Mapped[User | None] = relationship()


class Run(Base):
    __tablename__ = "runs"
    __table_args__ = (
        UniqueConstraint("project_id", "name"),
        Index("ix_runs_state_heartbeat", "state", "heartbeat_at"),
        {"sqlite_autoincrement": True},  # ids never come back (migration 0021)
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(128))
    display_name: Mapped[str | None] = mapped_column(String(256))
    state: Mapped[str] = mapped_column(String(16), default="running")
    config: Mapped[dict[str, Any]] = mapped_column(Document, default=dict)
    summary: Mapped[dict[str, Any]] = mapped_column(Document, default=dict)
    tags: Mapped[list[str]] = mapped_column(Document, default=list)
    group_name: Mapped[str | None] = mapped_column(String(256))
    job_type: Mapped[str | None] = mapped_column(String(256))
    notes: Mapped[str | None] = mapped_column(Text)
    host: Mapped[str | None] = mapped_column(String(256))
    # The git commit of the run's code, as W&B's clients send it with upsertBucket.
    commit: Mapped[str | None] = mapped_column(String(256))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    exit_code: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_step: Mapped[int | None] = mapped_column(BigInteger)
    history_line_count: Mapped[int] = mapped_column(BigInteger, default=0)
    history_keys: Mapped[dict[str, Any]] = mapped_column(Document, default=dict)
    console_line_count: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # The system stream: the number its next row takes (rows sent so far, refused ones included), and
    # the latest value of each of its keys (None until a row arrives).
    system_line_count: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    system_metrics: Mapped[dict[str, Any] | None] = mapped_column(Document)
    # No ON DELETE: SQLite cannot reflect one that ADD COLUMN made (see migration 0011).
    sweep_id: Mapped[int | None] = mapped_column(ForeignKey("sweeps.id"), index=True)
    # Asked to stop (W&B's stopRun) while live: its client, which polls for this, ends it, and it ends killed.
    stop_requested: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    project: Mapped[Project] = relationship()
    user: Mapped[User | None] = relationship()
    sweep: Mapped[Sweep | None] = relationship()


class Sweep(Base):
    """A hyperparameter search (sweeps/). `claimed` counts the suggestions handed out so far: the n-th is a
    function of the configuration, `seed` and n (sweeps/search.py), and `run_count_expected` bounds them
    (a grid's size or the run cap; none for an open-ended random search)."""

    __tablename__ = "sweeps"
    __table_args__ = (UniqueConstraint("project_id", "name"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str | None] = mapped_column(String(256))
    description: Mapped[str | None] = mapped_column(Text)
    method: Mapped[str] = mapped_column(String(16))
    config: Mapped[dict[str, Any]] = mapped_column(Document)
    state: Mapped[str] = mapped_column(String(16))
    claimed: Mapped[int] = mapped_column(BigInteger, default=0)
    run_count_expected: Mapped[int | None] = mapped_column(BigInteger)
    seed: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    project: Mapped[Project] = relationship()


class SweepAgent(Base):
    """An agent working on a sweep: W&B's createAgent makes it, agentHeartbeat hands it runs."""

    __tablename__ = "sweep_agents"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sweep_id: Mapped[int] = mapped_column(ForeignKey("sweeps.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    host: Mapped[str | None] = mapped_column(String(256))
    state: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    sweep: Mapped[Sweep] = relationship()


class SweepSuggestion(Base):
    """A suggestion handed to an agent: the run it is to make and its parameters (those of bayes depend on the
    runs finished when it was made). ISSUED until it is LOST (its agent went silent and its run never reached the
    server or crashed: handed out again, sweeps.claim) or CLOSED (the sweep was stopped or canceled)."""

    __tablename__ = "sweep_suggestions"
    __table_args__ = (UniqueConstraint("sweep_id", "run_name"), Index("ix_sweep_suggestions_state", "sweep_id",
                                                                     "state"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sweep_id: Mapped[int] = mapped_column(ForeignKey("sweeps.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(BigInteger)
    run_name: Mapped[str] = mapped_column(String(64))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("sweep_agents.id", ondelete="SET NULL"))
    parameters: Mapped[dict[str, Any]] = mapped_column(Document)
    state: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# The numbers and strings in each run's config and summary, by top-level key (an array's elements each
# a row of their own, as MongoDB indexes them), for filters to find runs by an index instead of reading
# every run's JSON (filters.py: run_filter's `project_id`). Database triggers keep them (migration 0010),
# so every write of a run's documents, from any code, updates them in its own transaction.
# `num` is the value as a double (stored infinities as infinities); `txt` a string's first TEXT_PREFIX
# characters; `key` its first KEY_PREFIX: prefixes keep index entries small and still find a superset.
# The indexes end with run_id so that finding the runs reads the index alone.
VALUE_KEY_PREFIX = 200
VALUE_TEXT_PREFIX = 256
DOCUMENT_CODES = {"config": 0, "summary": 1}
run_values = Table(
    "run_values", Base.metadata,
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("project_id", Integer, nullable=False),
    Column("doc", SmallInteger, nullable=False),  # DOCUMENT_CODES
    Column("key", Text, nullable=False),
    Column("num", Float),
    Column("txt", Text().with_variant(Text(collation="C"), "postgresql")),  # code-point order, as filters compare
    Index("ix_run_values_run", "run_id", "doc"),
    Index("ix_run_values_num", "project_id", "doc", "key", "num", "run_id",
          sqlite_where=text("num IS NOT NULL"), postgresql_where=text("num IS NOT NULL")),
    Index("ix_run_values_txt", "project_id", "doc", "key", "txt", "run_id",
          sqlite_where=text("txt IS NOT NULL"), postgresql_where=text("txt IS NOT NULL")),
)


class _Chunks:
    """Consecutive rows of one run's stream (history, or the system stream), stored as the JSON list they
    arrived in (see runs/history.py).

    Steps (the system stream's row numbers) only grow within a run, so a chunk is keyed by its first step
    and a range read touches few chunks."""

    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    first_step: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    last_step: Mapped[int] = mapped_column(BigInteger)
    row_count: Mapped[int] = mapped_column(Integer)
    rows: Mapped[str] = mapped_column(Text)


class _Columns:
    """One key's values over one compacted segment of a run's stream (see runs/history.py).

    A segment is a span of consecutive rows [first_step, last_step]; every key
    of the segment has one row here. The key "_step" lists the segment's row
    steps and carries its row count. `steps` holds the steps where the key has
    a value (little-endian int64), or is null when that is every row of the
    segment. `data` holds the values: little-endian float64 ("f8") or int64
    ("i8") arrays, or a JSON list in Python's dialect ("json") for anything else.
    A row is never changed in place: a rewind or a fork writes a new one."""

    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    first_step: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    key: Mapped[str] = mapped_column(Text, primary_key=True)
    last_step: Mapped[int] = mapped_column(BigInteger)
    value_count: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(8))
    # A random token each time the row is written, never changed in place: a reader that planned on it knows a
    # copy of the row it keeps in memory is still what is stored (runs/segment_cache.py). Null for rows stored
    # before it existed, which are never kept. Before the arrays: SQLite reaches a column after them only
    # through their overflow pages.
    written: Mapped[int | None] = mapped_column(BigInteger)
    steps: Mapped[bytes | None] = mapped_column(LargeBinary)
    data: Mapped[bytes | None] = mapped_column(LargeBinary)


class HistoryChunk(_Chunks, Base):
    """The live tail of a run's history, keyed by step."""

    __tablename__ = "history_chunks"


class HistoryColumn(_Columns, Base):
    """The compacted segments of a run's history."""

    __tablename__ = "history_columns"


class SystemChunk(_Chunks, Base):
    """The live tail of a run's system stream (W&B's events: CPU, memory, GPU samples), keyed by row number:
    stored apart from history, so it never moves the run's steps, line count or summary."""

    __tablename__ = "system_chunks"


class SystemColumn(_Columns, Base):
    """The compacted segments of a run's system stream."""

    __tablename__ = "system_columns"


class ConsoleLine(Base):
    """One line of a run's console output, keyed by its line number so resends change nothing."""

    __tablename__ = "console_lines"

    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    line: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    text: Mapped[str] = mapped_column(Text)


class Integration(Base):
    """A Slack or webhook destination of an entity. The secret columns are write-only."""

    __tablename__ = "integrations"
    # Ids are never reused (SQLite would reuse a deleted row's id), so an old reference cannot hit a new row.
    __table_args__ = (UniqueConstraint("entity_id", "kind", "name"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # SLACK or GENERIC_WEBHOOK
    name: Mapped[str] = mapped_column(String(256))  # the Slack channel, or the webhook's name
    url: Mapped[str | None] = mapped_column(Text)  # webhook endpoint, or Slack incoming-webhook URL (secret)
    secret: Mapped[str | None] = mapped_column(Text)
    access_token: Mapped[str | None] = mapped_column(Text)
    bot_token: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    entity: Mapped[Entity] = relationship()


class Trigger(Base):
    """A saved automation."""

    __tablename__ = "triggers"
    __table_args__ = (
        UniqueConstraint("entity_id", "name"),
        Index("ix_triggers_project_event", "project_id", "event_type"),
        Index("ix_triggers_next_fire", "event_type", "next_fire_at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id", ondelete="CASCADE"))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    scope_type: Mapped[str] = mapped_column(String(32))
    scope_name: Mapped[str | None] = mapped_column(String(256))
    name: Mapped[str] = mapped_column(String(256))
    description: Mapped[str | None] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    event_type: Mapped[str] = mapped_column(String(32))
    event_filter: Mapped[dict[str, Any]] = mapped_column(Document)
    action: Mapped[dict[str, Any]] = mapped_column(Document)
    integration_id: Mapped[int | None] = mapped_column(ForeignKey("integrations.id", ondelete="RESTRICT"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_fire_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # SCHEDULE triggers only
    last_fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # where the next digest starts

    entity: Mapped[Entity] = relationship()
    project: Mapped[Project | None] = relationship()
    creator: Mapped[User | None] = relationship()


class MetricWindow(Base):
    """What a metric automation remembers about one run's metric: the last values
    its windows need and whether its condition held, so each new row is
    evaluated without reading the run's history again."""

    __tablename__ = "metric_windows"
    __table_args__ = (Index("ix_metric_windows_run", "run_id"),)

    trigger_id: Mapped[int] = mapped_column(ForeignKey("triggers.id", ondelete="CASCADE"), primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    last_step: Mapped[int] = mapped_column(BigInteger)
    seen: Mapped[int] = mapped_column(BigInteger, default=0)  # values observed in all
    values: Mapped[list[Any]] = mapped_column(Document, default=list)
    satisfied: Mapped[bool] = mapped_column(Boolean, default=False)


class Delivery(Base):
    """The outbox: one message to send, written in the transaction that caused it."""

    __tablename__ = "deliveries"
    __table_args__ = (
        Index("ix_deliveries_due", "status", "next_attempt_at"),
        Index("ix_deliveries_trigger", "trigger_id", "created_at"),
        Index("ix_deliveries_run", "run_id", "created_at"),
        Index("ix_deliveries_integration", "integration_id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id", ondelete="CASCADE"))
    trigger_id: Mapped[int | None] = mapped_column(ForeignKey("triggers.id", ondelete="CASCADE"))
    integration_id: Mapped[int | None] = mapped_column(ForeignKey("integrations.id", ondelete="SET NULL"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id", ondelete="SET NULL"))
    run_name: Mapped[str | None] = mapped_column(String(128))
    event_type: Mapped[str] = mapped_column(String(32))
    action_type: Mapped[str] = mapped_column(String(32))
    payload: Mapped[Any] = mapped_column(Document)
    status: Mapped[str] = mapped_column(String(16))
    attempt_count: Mapped[int] = mapped_column(Integer, default=0)
    response_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    give_up_at: Mapped[datetime] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    redelivery_of: Mapped[int | None] = mapped_column(Integer)

    trigger: Mapped[Trigger | None] = relationship()
    entity: Mapped[Entity] = relationship()


class DeliveryAttempt(Base):
    __tablename__ = "delivery_attempts"

    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id", ondelete="CASCADE"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_ms: Mapped[float] = mapped_column(Float)
    response_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)


class AlertSent(Base):
    """When a run last sent an alert with a title, for `wait_duration` throttling."""

    __tablename__ = "alerts_sent"

    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    title: Mapped[str] = mapped_column(String(64), primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ServerState(Base):
    """Facts every server sharing the database agrees on: the secret key's fingerprint (sealing.py), when a
    periodic job last ran to its end (jobs.py)."""

    __tablename__ = "server_state"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BlobHolder(Base):
    """A user who has proven to hold a blob's contents by uploading them. Blobs are stored once, but only a
    holder may attach one to a run: knowing a digest must not be enough to read another project's file."""

    __tablename__ = "blob_holders"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    # Where the holder's copy lives when it is not the blob named by sha256: a direct multipart upload, named
    # by what the store checked (its parts' SHA-256s, direct_uploads.py); None for the checked blob itself.
    composite: Mapped[str | None] = mapped_column(String(COMPOSITE_LENGTH), index=True)


class DirectUpload(Base):
    """A file a user is sending straight to the object store (direct_uploads.py): the multipart upload under
    way, and the SHA-256 of each part the store must check, so that a new SDK process can resume it."""

    __tablename__ = "direct_uploads"
    __table_args__ = (UniqueConstraint("user_id", "sha256", "size", "part_size"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    part_size: Mapped[int] = mapped_column(BigInteger)
    parts: Mapped[str] = mapped_column(Text)  # the parts' SHA-256s, hex, one after another
    key: Mapped[str] = mapped_column(String(200))  # the blob's name in the store: sha256, or the composite
    upload_id: Mapped[str] = mapped_column(Text)  # the store's
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class RunFile(Base):
    """A file saved to a run: its path in the run and the blob holding its contents."""

    __tablename__ = "run_files"
    __table_args__ = (UniqueConstraint("run_id", "name"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(1024))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    composite: Mapped[str | None] = mapped_column(String(COMPOSITE_LENGTH), index=True)  # as BlobHolder's
    # W&B's File.md5 (base64): from the upload that brought the contents, or computed once when first asked.
    md5: Mapped[str | None] = mapped_column(String(24))

    run: Mapped[Run] = relationship()


class ArtifactType(Base):
    """A kind of artifact in a project ("dataset", "model"); types are created by logging."""

    __tablename__ = "artifact_types"
    __table_args__ = (UniqueConstraint("project_id", "name"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(128))
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    project: Mapped[Project] = relationship()


class ArtifactCollection(Base):
    """A named, ordered group of versions: a SEQUENCE, where versions are logged, or a PORTFOLIO,
    which versions are linked into (registry collections are portfolios)."""

    __tablename__ = "artifact_collections"
    __table_args__ = (UniqueConstraint("project_id", "name"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    type_id: Mapped[int] = mapped_column(ForeignKey("artifact_types.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16), default="SEQUENCE")
    description: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(Document, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    project: Mapped[Project] = relationship()
    type: Mapped[ArtifactType] = relationship()


class Artifact(Base):
    """An artifact version: PENDING while its manifest is built, then COMMITTED under its digest.
    `collection_id` is the sequence it was logged to; its places in collections are memberships."""

    __tablename__ = "artifacts"
    __table_args__ = (
        Index("ix_artifacts_collection_digest", "collection_id", "digest"),
        Index("ix_artifacts_collection_distributed", "collection_id", "distributed_id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    collection_id: Mapped[int] = mapped_column(ForeignKey("artifact_collections.id", ondelete="CASCADE"))
    type_id: Mapped[int] = mapped_column(ForeignKey("artifact_types.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(16), default="PENDING")
    digest: Mapped[str] = mapped_column(String(64), default="")
    description: Mapped[str | None] = mapped_column(Text)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", Document, default=dict)
    tags: Mapped[list[str]] = mapped_column(Document, default=list)
    ttl_seconds: Mapped[int | None] = mapped_column(BigInteger)
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    file_count: Mapped[int] = mapped_column(Integer, default=0)
    history_step: Mapped[int | None] = mapped_column(BigInteger)
    distributed_id: Mapped[str | None] = mapped_column(String(128))
    pending_aliases: Mapped[list[str]] = mapped_column(Document, default=list)
    # A PENDING version built by W&B's client: the manifest it uploaded, applied when it is committed.
    staged_manifest: Mapped[dict[str, Any] | None] = mapped_column(Document)
    # ... and the version it starts from (W&B's baseArtifactID; no foreign key: it is looked up afresh at commit)
    # and whether its manifest lists only what changed from that version (manifestType INCREMENTAL).
    base_id: Mapped[int | None] = mapped_column(Integer)
    manifest_incremental: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id", ondelete="SET NULL"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    collection: Mapped[ArtifactCollection] = relationship()
    type: Mapped[ArtifactType] = relationship()
    run: Mapped[Run | None] = relationship()


class ArtifactMembership(Base):
    """A committed version's place in a collection: its sequence, or a portfolio it is linked into."""

    __tablename__ = "artifact_memberships"
    __table_args__ = (
        UniqueConstraint("collection_id", "artifact_id"),
        UniqueConstraint("collection_id", "version_index"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    collection_id: Mapped[int] = mapped_column(ForeignKey("artifact_collections.id", ondelete="CASCADE"))
    artifact_id: Mapped[int] = mapped_column(ForeignKey("artifacts.id", ondelete="CASCADE"), index=True)
    version_index: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    collection: Mapped[ArtifactCollection] = relationship()
    artifact: Mapped[Artifact] = relationship()


class ArtifactAlias(Base):
    """A movable name for one version within a collection ("latest", "production")."""

    __tablename__ = "artifact_aliases"

    collection_id: Mapped[int] = mapped_column(ForeignKey("artifact_collections.id", ondelete="CASCADE"),
                                               primary_key=True)
    alias: Mapped[str] = mapped_column(String(128), primary_key=True)
    artifact_id: Mapped[int] = mapped_column(ForeignKey("artifacts.id", ondelete="CASCADE"), index=True)


class ArtifactEntry(Base):
    """One manifest entry: a stored file (sha256 names its blob) or a reference (ref, with its checksum in digest)."""

    __tablename__ = "artifact_entries"

    artifact_id: Mapped[int] = mapped_column(ForeignKey("artifacts.id", ondelete="CASCADE"), primary_key=True)
    path: Mapped[str] = mapped_column(String(1024), primary_key=True)
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    ref: Mapped[str | None] = mapped_column(Text)
    digest: Mapped[str | None] = mapped_column(String(512))
    size: Mapped[int | None] = mapped_column(BigInteger)
    extra: Mapped[dict[str, Any]] = mapped_column(Document, default=dict)
    md5: Mapped[str | None] = mapped_column(String(24))  # base64, as W&B's manifests name a stored file's contents
    composite: Mapped[str | None] = mapped_column(String(COMPOSITE_LENGTH), index=True)  # as BlobHolder's


class ArtifactRedirect(Base):
    """A PENDING version dropped at commit because a committed one of its sequence has the same contents: W&B's
    client goes on asking for it by the id it was created with, and gets that version."""

    __tablename__ = "artifact_redirects"

    old_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    artifact_id: Mapped[int] = mapped_column(ForeignKey("artifacts.id", ondelete="CASCADE"), index=True)


class ArtifactUsage(Base):
    """A run used a version as an input (lineage)."""

    __tablename__ = "artifact_usages"

    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    artifact_id: Mapped[int] = mapped_column(ForeignKey("artifacts.id", ondelete="CASCADE"), primary_key=True,
                                             index=True)
    used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Registry(Base):
    """What makes a project (named with the reserved prefix) a registry."""

    __tablename__ = "registries"

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    visibility: Mapped[str] = mapped_column(String(16), default="organization")
    allow_all_types: Mapped[bool] = mapped_column(Boolean, default=True)
    artifact_types: Mapped[list[str]] = mapped_column(Document, default=list)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    project: Mapped[Project] = relationship()


class RegistryMember(Base):
    """A user invited to a registry (what a restricted registry's readers are)."""

    __tablename__ = "registry_members"

    project_id: Mapped[int] = mapped_column(ForeignKey("registries.project_id", ondelete="CASCADE"),
                                            primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16), default="member")
