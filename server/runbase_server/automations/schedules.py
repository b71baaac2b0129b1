"""Time-based automations: when a SCHEDULE trigger is next due.

Schedules are five-field cron expressions in UTC (minute hour day-of-month
month day-of-week; `*`, lists, ranges and `/steps`) or a fixed interval."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from ..errors import UserError

_FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31), ("month", 1, 12), ("day of week", 0, 7))
MIN_INTERVAL = 1.0


def _part(text: str, name: str, low: int, high: int) -> set[int]:
    values: set[int] = set()
    for item in text.split(","):
        spec, _, step_text = item.partition("/")
        try:
            step = int(step_text) if step_text else 1
            if spec == "*":
                start, end = low, high
            elif "-" in spec:
                start, end = (int(x) for x in spec.split("-", 1))
            else:
                start = end = int(spec)
                if step_text:
                    end = high
        except ValueError:
            raise UserError(f"cron {name} {item!r} is not a number, range, list or */step") from None
        if step < 1 or not low <= start <= end <= high:
            raise UserError(f"cron {name} {item!r} must lie within {low}-{high}")
        values.update(range(start, end + 1, step))
    return values


@dataclass(frozen=True)
class Cron:
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday
    any_day: bool
    any_weekday: bool

    @classmethod
    def parse(cls, text: str) -> Cron:
        if not isinstance(text, str) or len(text.split()) != 5:
            raise UserError(f"cron must have five fields (minute hour day month weekday), not {text!r}")
        parts = text.split()
        sets = [_part(part, *field) for part, field in zip(parts, _FIELDS)]
        weekdays = frozenset(day % 7 for day in sets[4])
        minutes, hours, days, months = (frozenset(s) for s in sets[:4])
        return cls(minutes, hours, days, months, weekdays, parts[2] == "*", parts[4] == "*")

    def _day_matches(self, moment: datetime) -> bool:
        day = moment.day in self.days
        weekday = (moment.isoweekday() % 7) in self.weekdays
        if self.any_day or self.any_weekday:  # cron's rule: both restricted means either may match
            return day and weekday
        return day or weekday

    def next_after(self, moment: datetime) -> datetime:
        candidate = moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
        limit = candidate + timedelta(days=366 * 5)
        while candidate < limit:
            if candidate.month not in self.months:
                candidate = (candidate.replace(day=1, hour=0, minute=0) + timedelta(days=32)).replace(day=1)
            elif not self._day_matches(candidate):
                candidate = candidate.replace(hour=0, minute=0) + timedelta(days=1)
            elif candidate.hour not in self.hours:
                candidate = candidate.replace(minute=0) + timedelta(hours=1)
            elif candidate.minute not in self.minutes:
                candidate += timedelta(minutes=1)
            else:
                return candidate
        raise UserError("cron expression never matches a date in the next five years")


def normalize(spec: dict[str, Any]) -> dict[str, Any]:
    cron, every, lookback = spec.get("cron"), spec.get("every_seconds"), spec.get("lookback_seconds")
    if (cron is None) == (every is None):
        raise UserError("a SCHEDULE event needs exactly one of cron and every_seconds")
    if cron is not None:
        Cron.parse(cron).next_after(datetime.now(timezone.utc))  # one that never matches fails here
    for name, value in (("every_seconds", every), ("lookback_seconds", lookback)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                  or not MIN_INTERVAL <= value <= 366 * 86400):
            raise UserError(f"{name} must be a number of seconds from {MIN_INTERVAL:g} to a year")
    return {"cron": cron, "every_seconds": every, "lookback_seconds": lookback}


def next_fire(spec: dict[str, Any], after: datetime) -> datetime:
    if spec.get("cron"):
        return Cron.parse(spec["cron"]).next_after(after)
    return after + timedelta(seconds=spec["every_seconds"])


def period(spec: dict[str, Any], due: datetime) -> timedelta:
    """How far back a digest looks: `lookback_seconds`, or one period of the schedule."""
    if spec.get("lookback_seconds"):
        return timedelta(seconds=spec["lookback_seconds"])
    if spec.get("every_seconds"):
        return timedelta(seconds=spec["every_seconds"])
    cron = Cron.parse(spec["cron"])
    return cron.next_after(due) - due

