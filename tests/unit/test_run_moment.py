"""RunMoment and the resume_from / fork_from settings, checked as W&B checks them."""

from __future__ import annotations

from typing import Any

import pytest
from runbase import Settings, UsageError
from runbase.run_moment import RunMoment


@pytest.mark.parametrize("text, run, value", [
    ("ans3bsax?_step=123", "ans3bsax", 123), ("r?_step=0", "r", 0), ("r?_step=12.5", "r", 12.5),
    ("r?_step=1e3", "r", 1000.0),
])
def test_the_string_form(text: str, run: str, value: float) -> None:
    moment = RunMoment.from_uri(text)
    assert (moment.run, moment.value, moment.metric) == (run, value, "_step")
    assert type(moment.value) is type(value) and moment.step == int(value)


@pytest.mark.parametrize("text, error", [
    ("ans3bsax", "expected '<run id>"), ("?_step=3", "expected"), ("r?_step=", "expected"),
    ("r?_step=x", "expected"), ("r?_step=1&_step=2", "expected"), ("r?_step=1&loss=2", "expected"),
    ("r?loss=3", "only the metric '_step'"), ("r?_step=-1", "non-negative"), ("r?_step=nan", "non-negative"),
    ("r?_step=inf", "non-negative"), ("r?_step=9007199254740993", r"at most 2\^53 \(9007199254740992\).* not 9.0072e\+15$"),
    ("r?_step=1e300", r"at most 2\^53.* not 1e\+300$"), ("r?_step=" + "9" * 400, "not a number beyond 1e308$"),
    ("r" * 200 + "?x=1", r"'r{60}\.\.\.'"),
])
def test_bad_strings(text: str, error: str) -> None:
    with pytest.raises(UsageError, match=error):
        RunMoment.from_uri(text)


def test_the_type_checks_what_the_string_form_does() -> None:
    assert str(RunMoment("r", 7)) == "r?_step=7"
    for kwargs, error in (({"run": "r", "value": 1, "metric": "loss"}, "only the metric"),
                          ({"run": "r", "value": "1"}, "int or a float"), ({"run": "r", "value": True}, "int or"),
                          ({"run": "", "value": 1}, "run id"), ({"run": "r", "value": -0.5}, "non-negative")):
        with pytest.raises(UsageError, match=error):
            RunMoment(**kwargs)


def test_settings_take_either_form_and_name_the_run() -> None:
    s = Settings(resume_from="abc?_step=4").checked()
    assert s.resume_from == RunMoment("abc", 4) and s.run_id == "abc" and s.fork_from is None
    assert RunMoment.from_uri("r?_step=9007199254740992").step == 2**53  # the largest step kept exactly
    s = Settings(fork_from=RunMoment("abc", 4), run_id="new").checked()
    assert s.fork_from == RunMoment("abc", 4) and s.run_id == "new"
    assert Settings(fork_from="abc?_step=4").checked().run_id is None
    # "If an id argument is also provided, the resume_from argument will take precedence": init warns, rewinds abc.
    assert Settings(resume_from="abc?_step=4", run_id="other").checked().resume_from == RunMoment("abc", 4)


@pytest.mark.parametrize("values, error", [
    ({"resume_from": "a?_step=1", "fork_from": "b?_step=1"}, "resume_from and fork_from cannot be used together"),
    ({"resume": "allow", "fork_from": "b?_step=1"}, "resume and fork_from cannot be used together"),
    ({"resume": "must", "resume_from": "a?_step=1"}, "resume and resume_from"),
    ({"fork_from": "a?_step=1", "run_id": "a"}, "a fork is a new run"),
    ({"fork_from": 3}, "must be a string"), ({"fork_from": {"run": "a", "value": 1}}, "must be a string"),
])
def test_settings_refuse_what_w_and_b_refuses(values: dict[str, Any], error: str) -> None:
    with pytest.raises(UsageError, match=error):
        Settings(**values).checked()
