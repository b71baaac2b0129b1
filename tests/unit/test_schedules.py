"""Cron expressions and schedule periods."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from runbase_server.automations import schedules
from runbase_server.errors import UserError

UTC = timezone.utc


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(("cron", "after", "expected"), [
    ("0 9 * * *", "2026-11-23T08:59:30", "2026-11-23T09:00:00"),
    ("0 9 * * *", "2026-11-23T09:00:00", "2026-11-24T09:00:00"),
    ("*/15 * * * *", "2026-11-23T10:07:00", "2026-11-23T10:15:00"),
    ("30 8 * * 1-5", "2026-11-27T09:00:00", "2026-11-30T08:30:00"),  # Friday after 08:30 -> Monday
    ("0 0 1 * *", "2026-12-15T00:00:00", "2027-01-01T00:00:00"),
    ("0 12 29 2 *", "2026-03-01T00:00:00", "2028-02-29T12:00:00"),
    ("0 6 * * 0", "2026-11-23T00:00:00", "2026-11-29T06:00:00"),  # Sunday as 0
    ("0 6 * * 7", "2026-11-23T00:00:00", "2026-11-29T06:00:00"),  # and as 7
    ("0 0 13 * 5", "2026-11-23T00:00:00", "2026-11-27T00:00:00"),  # day and weekday both set: either matches
    ("5,10 1 * * *", "2026-11-23T01:06:00", "2026-11-23T01:10:00"),
])
def test_next_after(cron: str, after: str, expected: str) -> None:
    assert schedules.Cron.parse(cron).next_after(at(after)) == at(expected)


@pytest.mark.parametrize("cron", ["* * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "*/0 * * * *", "a * * * *",
                                  "0 0 31 2 *"])
def test_bad_cron(cron: str) -> None:
    with pytest.raises(UserError, match="cron"):
        schedules.normalize({"cron": cron})


def test_exactly_one_of_cron_and_interval() -> None:
    with pytest.raises(UserError, match="exactly one"):
        schedules.normalize({"cron": "0 9 * * *", "every_seconds": 60})
    with pytest.raises(UserError, match="exactly one"):
        schedules.normalize({})
    with pytest.raises(UserError, match="every_seconds"):
        schedules.normalize({"every_seconds": 0})


def test_periods() -> None:
    due = at("2026-11-23T09:00:00")
    assert schedules.period({"cron": "0 9 * * *"}, due) == timedelta(days=1)
    assert schedules.period({"every_seconds": 30}, due) == timedelta(seconds=30)
    assert schedules.period({"cron": "0 9 * * *", "lookback_seconds": 7200}, due) == timedelta(hours=2)
    assert schedules.next_fire({"every_seconds": 30}, due) == due + timedelta(seconds=30)
