"""A moment in a run, "<run id>?_step=<step>": where init(resume_from=...) rewinds a run to and
init(fork_from=...) forks a new run from (W&B's wandb.sdk.lib.run_moment.RunMoment)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any
from urllib import parse

from .errors import UsageError

METRIC = "_step"  # the only metric W&B can branch a run at
# The largest step a moment may name: the server takes it as a GraphQL Float (W&B's rewindRun), a double,
# whose integers are exact up to 2^53.
MAX_STEP = 2**53


def _shown(value: int | float) -> str:
    """A number for a message, compact however large."""
    if abs(value) < 1e15:
        return repr(value)
    try:
        return f"{value:.6g}"
    except OverflowError:  # an integer beyond float's range
        return "a number beyond 1e308"


@dataclass(frozen=True)
class RunMoment:
    """A run id and a value of its metric (`_step`, the only one supported, as in W&B)."""

    run: str
    value: int | float
    metric: str = METRIC

    def __post_init__(self) -> None:
        if not isinstance(self.run, str) or not self.run:
            raise UsageError(f"a run moment's run must be a run id, not {self.run!r}")
        if self.metric != METRIC:
            raise UsageError(f"only the metric '{METRIC}' is supported in a run moment, not {self.metric!r}")
        value = self.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise UsageError(f"a run moment's value must be an int or a float, not {value!r}")
        if value < 0 or (isinstance(value, float) and not math.isfinite(value)):
            raise UsageError(f"a run moment's {METRIC} must be a non-negative finite number, not {_shown(value)}")
        if value > MAX_STEP:
            raise UsageError(f"a run moment's {METRIC} must be at most 2^53 ({MAX_STEP}), the largest step the "
                             f"server keeps exactly, not {_shown(value)}")

    @classmethod
    def from_uri(cls, uri: str) -> RunMoment:
        """Parse "<run id>?_step=<value>", e.g. "ans3bsax?_step=123"."""
        shown = uri if len(uri) <= 80 else uri[:60] + "..."
        bad = UsageError(f"cannot read the run moment {shown!r}: expected '<run id>?{METRIC}=<step>', "
                         f"e.g. 'ans3bsax?{METRIC}=123' (only the metric '{METRIC}' is supported)")
        run, mark, query = uri.partition("?")
        fields = parse.parse_qs(query, keep_blank_values=True)
        if not mark or not run or len(fields) != 1 or len(next(iter(fields.values()))) != 1:
            raise bad
        [(metric, [text])] = fields.items()
        if metric != METRIC:
            raise UsageError(f"only the metric '{METRIC}' is supported in a run moment, not {metric!r} ({shown!r})")
        try:
            value: int | float = int(text) if text.isdigit() else float(text)
        except ValueError:
            raise bad from None
        return cls(run=run, value=value, metric=metric)

    @property
    def step(self) -> int:
        """The last whole step up to the value."""
        return math.floor(self.value)

    def __str__(self) -> str:
        return f"{self.run}?{self.metric}={self.value}"


def run_moment(name: str, value: Any) -> RunMoment | None:
    """A resume_from or fork_from setting, given as a RunMoment or its string form, as a RunMoment."""
    if value is None or isinstance(value, RunMoment):
        return value
    if isinstance(value, str):
        try:
            return RunMoment.from_uri(value)
        except UsageError as e:
            raise UsageError(f"{name}: {e}") from None
    raise UsageError(f"{name} must be a string '<run id>?{METRIC}=<step>' or a RunMoment, not {value!r}")


def branch_points(*, run_id: str | None, resume: Any, resume_from: Any, fork_from: Any
                  ) -> tuple[RunMoment | None, RunMoment | None]:
    """resume_from and fork_from checked as W&B checks them: at most one of them and resume; fork_from names
    a run other than `run_id`. resume_from names the run to rewind, whatever `run_id` says: "If an id argument
    is also provided, the resume_from argument will take precedence" (W&B's init reference); init warns."""
    rewind, fork = run_moment("resume_from", resume_from), run_moment("fork_from", fork_from)
    given = [name for name, value in (("resume", resume), ("resume_from", rewind), ("fork_from", fork))
             if value is not None]
    if len(given) > 1:
        raise UsageError(f"{' and '.join(given)} cannot be used together: give only one of resume, resume_from "
                         "and fork_from")
    if fork is not None and run_id is not None and run_id == fork.run:
        raise UsageError(f"id={run_id!r} is the run fork_from names: a fork is a new run, so give it another id "
                         "(or none); to rewind that run, use resume_from")
    return rewind, fork
