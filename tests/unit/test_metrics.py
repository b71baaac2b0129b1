from __future__ import annotations

import math

import pytest
from runbase.errors import UsageError
from runbase.metrics import Metric, MetricRules
from runbase.summary import Summary


def row(step: int, **values: object) -> dict:
    return {**values, "_step": step, "_runtime": float(step), "_timestamp": 1000.0 + step}


@pytest.fixture
def rules() -> MetricRules:
    return MetricRules()


@pytest.fixture
def summary() -> Summary:
    return Summary()


# --- default summary ----------------------------------------------------------


def test_default_summary_is_the_last_value_including_system_keys(rules: MetricRules, summary: Summary) -> None:
    rules.observe(row(0, loss=0.9, acc=0.1), summary)
    rules.observe(row(1, loss=0.5), summary)
    assert summary.as_dict() == {
        "loss": 0.5,
        "acc": 0.1,
        "_step": 1,
        "_runtime": 1.0,
        "_timestamp": 1001.0,
    }


def test_observe_updates_the_same_data_dict(rules: MetricRules, summary: Summary) -> None:
    data = summary._data
    rules.observe(row(0, a=1), summary)
    rules.define("a", summary="max")
    rules.observe(row(1, a=2), summary)
    assert summary._data is data


def test_explicit_values_win_over_logged_ones(rules: MetricRules, summary: Summary) -> None:
    rules.observe(row(0, acc=0.5, loss=1.0), summary)
    summary["acc"] = 0.99
    rules.observe(row(1, acc=0.6, loss=0.8), summary)
    assert summary.acc == 0.99
    assert summary.loss == 0.8


def test_explicit_values_win_over_aggregations(rules: MetricRules, summary: Summary) -> None:
    rules.define("loss", summary="min")
    summary.loss = "hand set"
    rules.observe(row(0, loss=0.1), summary)
    assert summary.loss == "hand set"


def test_deleted_keys_do_not_come_back(rules: MetricRules, summary: Summary) -> None:
    rules.observe(row(0, noisy=1), summary)
    del summary["noisy"]
    rules.observe(row(1, noisy=2), summary)
    assert "noisy" not in summary


# --- aggregations -------------------------------------------------------------


def test_min_max_mean_first_last(rules: MetricRules, summary: Summary) -> None:
    rules.define("loss", summary="min,max,mean,first,last")
    for step, value in enumerate([0.5, 0.2, 0.8]):
        rules.observe(row(step, loss=value), summary)
    result = summary.loss
    assert list(result) == ["min", "max", "mean", "first", "last"]
    assert result["min"] == 0.2 and result["max"] == 0.8
    assert result["mean"] == pytest.approx(0.5)
    assert result["first"] == 0.5 and result["last"] == 0.8


def test_summary_spec_tolerates_spaces_and_duplicates(rules: MetricRules) -> None:
    metric = rules.define("loss", summary=" min , max,min ")
    assert metric.summary == ("min", "max")


def test_none_gives_no_summary_entry(rules: MetricRules, summary: Summary) -> None:
    rules.observe(row(0, secret=1), summary)
    rules.define("secret", summary="none")
    rules.observe(row(1, secret=2), summary)
    assert "secret" not in summary
    assert summary["_step"] == 1


def test_none_wins_over_other_aggregations(rules: MetricRules) -> None:
    assert rules.define("x", summary="min,none").summary == ("none",)


def test_copy_means_last_and_best_follows_goal(rules: MetricRules, summary: Summary) -> None:
    assert rules.define("a", summary="copy").summary == ("last",)
    assert rules.define("lo", summary="best", goal="minimize").summary == ("min",)
    assert rules.define("hi", summary="best", goal="maximize").summary == ("max",)
    for step, value in enumerate([3, 1, 2]):
        rules.observe(row(step, a=value, lo=value, hi=value), summary)
    assert summary.a == {"last": 2}
    assert summary.lo == {"min": 1}
    assert summary.hi == {"max": 3}


def test_best_without_goal_is_rejected(rules: MetricRules) -> None:
    with pytest.raises(UsageError, match="goal"):
        rules.define("acc", summary="best")


def test_best_may_use_a_goal_from_an_earlier_definition(rules: MetricRules) -> None:
    rules.define("acc", goal="maximize")
    assert rules.define("acc", summary="best").summary == ("max",)


def test_numeric_aggregations_skip_bools_and_non_numbers(rules: MetricRules, summary: Summary) -> None:
    rules.define("x", summary="min,max,mean,first,last")
    for step, value in enumerate(["text", True, 4, None, 2, [1]]):
        rules.observe(row(step, x=value), summary)
    assert summary.x == {"min": 2, "max": 4, "mean": 3.0, "first": "text", "last": [1]}


def test_min_only_metric_with_no_numbers_yet_gets_no_entry(rules: MetricRules, summary: Summary) -> None:
    rules.define("x", summary="min")
    rules.observe(row(0, x="not a number"), summary)
    assert "x" not in summary
    rules.observe(row(1, x=5), summary)
    assert summary.x == {"min": 5}


def test_nan_does_not_poison_min_max_but_is_the_last_value(rules: MetricRules, summary: Summary) -> None:
    rules.define("loss", summary="min,max,mean,last")
    for step, value in enumerate([float("nan"), 0.4, float("nan"), 0.2, float("nan")]):
        rules.observe(row(step, loss=value), summary)
    result = summary.loss
    assert result["min"] == 0.2 and result["max"] == 0.4
    assert result["mean"] == pytest.approx(0.3)
    assert math.isnan(result["last"])


def test_integers_keep_their_type_in_min_max(rules: MetricRules, summary: Summary) -> None:
    rules.define("n", summary="min,max")
    rules.observe(row(0, n=3), summary)
    rules.observe(row(1, n=7), summary)
    assert summary.n == {"min": 3, "max": 7}
    assert type(summary.n["min"]) is int


# --- globs --------------------------------------------------------------------


def test_glob_definitions_match_prefixes(rules: MetricRules, summary: Summary) -> None:
    rules.define("val/*", summary="max")
    rules.observe(row(0, **{"val/acc": 0.5, "val/f1": 0.7, "train/acc": 0.3}), summary)
    rules.observe(row(1, **{"val/acc": 0.4, "val/f1": 0.9, "train/acc": 0.6}), summary)
    assert summary["val/acc"] == {"max": 0.5}
    assert summary["val/f1"] == {"max": 0.9}
    assert summary["train/acc"] == 0.6


def test_star_glob_skips_system_keys(rules: MetricRules, summary: Summary) -> None:
    rules.define("*", summary="min")
    rules.observe(row(5, loss=0.3), summary)
    assert summary.loss == {"min": 0.3}
    assert summary["_step"] == 5 and summary["_runtime"] == 5.0


def test_exact_definition_beats_glob_and_longest_glob_wins(rules: MetricRules, summary: Summary) -> None:
    rules.define("*", summary="first")
    rules.define("val/*", summary="min")
    rules.define("val/loss/*", summary="max")
    rules.define("val/acc", summary="last")
    rules.observe(row(0, **{"a": 1, "val/x": 2, "val/loss/y": 3, "val/acc": 4}), summary)
    assert summary["a"] == {"first": 1}
    assert summary["val/x"] == {"min": 2}
    assert summary["val/loss/y"] == {"max": 3}
    assert summary["val/acc"] == {"last": 4}


def test_redefining_invalidates_the_resolution_cache(rules: MetricRules, summary: Summary) -> None:
    rules.define("other")
    rules.observe(row(0, loss=1.0), summary)
    assert summary.loss == 1.0
    rules.define("lo*", summary="max")
    rules.observe(row(1, loss=2.0), summary)
    assert summary.loss == {"max": 2.0}


def test_star_anywhere_but_the_end_is_rejected(rules: MetricRules) -> None:
    for bad in ("*/loss", "val/*/loss", "a**", "*a"):
        with pytest.raises(UsageError, match="'\\*'"):
            rules.define(bad)
    rules.define("*")
    rules.define("val/*")


# --- define() arguments -------------------------------------------------------


def test_define_returns_a_metric(rules: MetricRules) -> None:
    metric = rules.define("loss", summary="min", goal="minimize", hidden=True)
    assert metric == Metric(name="loss", summary=("min",), goal="minimize", hidden=True)
    assert rules.definitions() == [metric]


def test_step_sync_defaults_to_true_with_a_step_metric(rules: MetricRules) -> None:
    assert rules.define("loss", step_metric="epoch").step_sync is True
    assert rules.define("acc", step_metric="epoch", step_sync=False).step_sync is False
    assert rules.define("other").step_sync is None


def test_step_metric_may_be_a_metric(rules: MetricRules) -> None:
    epoch = rules.define("epoch")
    assert rules.define("loss", step_metric=epoch).step_metric == "epoch"


def test_merge_keeps_unspecified_arguments(rules: MetricRules) -> None:
    rules.define("loss", step_metric="epoch", summary="min", hidden=True)
    merged = rules.define("loss", goal="minimize")
    assert merged == Metric(
        name="loss", step_metric="epoch", step_sync=True, hidden=True, summary=("min",), goal="minimize"
    )
    assert rules.define("loss", summary="max", overwrite=False).step_metric == "epoch"
    assert len(rules.definitions()) == 1


def test_overwrite_replaces_the_definition(rules: MetricRules, summary: Summary) -> None:
    rules.define("loss", step_metric="epoch", summary="min", hidden=True)
    replaced = rules.define("loss", summary="max", overwrite=True)
    assert replaced == Metric(name="loss", summary=("max",))
    assert rules.definitions() == [replaced]


def test_invalid_arguments_raise_usage_error(rules: MetricRules) -> None:
    with pytest.raises(UsageError):
        rules.define("")
    with pytest.raises(UsageError):
        rules.define(3)  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="median"):
        rules.define("loss", summary="min,median")
    with pytest.raises(UsageError):
        rules.define("loss", summary=["min"])  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        rules.define("loss", goal="lower")
    with pytest.raises(UsageError):
        rules.define("loss", step_metric="ep*")
    with pytest.raises(UsageError):
        rules.define("loss", step_metric=5)  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        rules.define("loss", hidden="yes")  # type: ignore[arg-type]
    assert rules.definitions() == []


def test_underscore_names_can_be_defined(rules: MetricRules, summary: Summary) -> None:
    rules.define("_runtime", summary="max")
    rules.observe(row(3), summary)
    assert summary["_runtime"] == {"max": 3.0}


# --- step sync ----------------------------------------------------------------


def test_sync_steps_inserts_the_last_step_metric_value(rules: MetricRules, summary: Summary) -> None:
    rules.define("val/*", step_metric="epoch")
    first = row(0, epoch=1, **{"train/loss": 0.5})
    rules.sync_steps(first)
    rules.observe(first, summary)
    later = row(1, **{"val/acc": 0.8})
    rules.sync_steps(later)
    assert later["epoch"] == 1
    rules.observe(later, summary)


def test_sync_steps_keeps_an_explicit_step_value(rules: MetricRules, summary: Summary) -> None:
    rules.define("acc", step_metric="epoch")
    rules.observe(row(0, epoch=1), summary)
    logged = row(1, acc=0.5, epoch=7)
    rules.sync_steps(logged)
    assert logged["epoch"] == 7


def test_sync_steps_needs_a_seen_step_value(rules: MetricRules) -> None:
    rules.define("acc", step_metric="epoch")
    logged = row(0, acc=0.5)
    rules.sync_steps(logged)
    assert "epoch" not in logged


def test_sync_steps_respects_step_sync_false(rules: MetricRules, summary: Summary) -> None:
    rules.define("acc", step_metric="epoch", step_sync=False)
    rules.observe(row(0, epoch=1), summary)
    logged = row(1, acc=0.5)
    rules.sync_steps(logged)
    assert "epoch" not in logged


def test_sync_steps_tracks_step_values_even_for_explicit_keys(rules: MetricRules, summary: Summary) -> None:
    rules.define("acc", step_metric="epoch")
    summary.epoch = "pinned"
    rules.observe(row(0, epoch=4), summary)
    logged = row(1, acc=0.5)
    rules.sync_steps(logged)
    assert logged["epoch"] == 4
    assert summary.epoch == "pinned"


def test_sync_steps_without_definitions_leaves_rows_alone(rules: MetricRules) -> None:
    logged = row(0, acc=0.5)
    rules.sync_steps(logged)
    assert logged == row(0, acc=0.5)


def test_a_resumed_summary_seeds_min_max_and_first(rules: MetricRules) -> None:
    """A resumed run's min/max/first go on from the summary the server kept, not from the new rows alone."""
    resumed = Summary({"loss": {"min": 0.5, "max": 9.0, "first": 9.0}, "acc": 3})
    rules.define("loss", summary="min,max,first")
    rules.define("acc", summary="max")
    rules.observe({"loss": 2.0, "acc": 1}, resumed)
    assert resumed._data["loss"] == {"min": 0.5, "max": 9.0, "first": 9.0}
    assert resumed._data["acc"] == {"max": 1}  # a plain earlier value is no aggregate to go on from
    rules.observe({"loss": 0.25}, resumed)
    assert resumed._data["loss"] == {"min": 0.25, "max": 9.0, "first": 9.0}


def test_a_resumed_summary_with_nan_or_text_seeds_nothing_wrong(rules: MetricRules) -> None:
    resumed = Summary({"loss": {"min": math.nan, "max": "high"}})
    rules.define("loss", summary="min,max")
    rules.observe({"loss": 2.0}, resumed)
    assert resumed._data["loss"] == {"min": 2.0, "max": 2.0}


# --- W&B's `_wandb.m` records -------------------------------------------------


def test_records_are_wbs_metric_records_with_step_metrics_by_their_place(rules: MetricRules) -> None:
    """Keys are MetricRecord field numbers: 1 name, 2 glob_name, 5 the step metric's 1-based place, 6 options
    (1 step_sync, 2 hidden, 3 defined), 7 summary (1 min, 2 max, 3 mean, 5 last, 8 first), 8 goal (1 minimize)."""
    rules.define("val/*", step_metric="epoch")
    rules.define("epoch", hidden=True)
    rules.define("loss", step_metric="batch", step_sync=False, summary="min,last,first", goal="minimize")
    rules.define("acc", summary="best", goal="maximize")
    assert rules.wandb_records() == [
        {"2": "val/*", "5": 2, "6": [1, 3]},
        {"1": "epoch", "6": [2, 3]},
        {"1": "loss", "5": 5, "6": [3], "7": [1, 5, 8], "8": 1},
        {"1": "acc", "6": [3], "7": [2], "8": 2},
        {"1": "batch"},  # a step metric never defined: a record for its place, not a definition
    ]


def test_records_read_back_as_the_same_definitions() -> None:
    rules = MetricRules()
    rules.define("epoch")
    rules.define("val/*", step_metric="epoch", summary="max")
    rules.define("loss", step_metric="batch", step_sync=False, hidden=True, summary="none")
    rules.define("acc", summary="mean", goal="maximize")
    again = MetricRules.from_wandb({"m": rules.wandb_records(), "visualize": {}})
    assert again.definitions() == rules.definitions()
    assert again.wandb_records() == rules.wandb_records()


def test_records_the_official_client_wrote_are_read() -> None:
    """W&B's client: a step metric as its place (5) or, in older clients, by name (4); a glob's expansion for one
    key and a step metric nobody defined have no `defined` option and are no definitions; best needs its goal."""
    written = [{"1": "step"}, {"1": "train/loss", "5": 1, "6": [1, 3], "7": [4], "8": 1},
               {"1": "val/acc", "5": 1, "6": [1]}, {"2": "val/*", "4": "epoch", "6": [3]},
               {"1": "hidden", "6": [2, 3]}]
    rules = MetricRules.from_wandb({"m": written})
    assert rules.definitions() == [
        Metric("train/loss", step_metric="step", step_sync=True, summary=("min",), goal="minimize"),
        Metric("val/*", step_metric="epoch", step_sync=False),
        Metric("hidden", hidden=True),
    ]


@pytest.mark.parametrize("bookkeeping", [None, "m", {"m": None}, {"m": {"1": "x"}}, {}])
def test_no_records_no_definitions(bookkeeping: object) -> None:
    assert MetricRules.from_wandb(bookkeeping).definitions() == []


def test_records_that_make_no_sense_are_passed_over() -> None:
    written = [None, "loss", {"6": [3]}, {"1": "a*b", "6": [3]}, {"1": "x", "5": 99, "6": [3], "7": "min"},
               {"1": "y", "5": True, "6": [3, "2"]}, {"1": "best", "7": [4], "6": [3]}, {"1": "ok", "5": 1, "6": [3]}]
    assert MetricRules.from_wandb({"m": written}).definitions() == [Metric("x"), Metric("y"), Metric("ok")]
