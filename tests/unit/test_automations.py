"""runbase.automations without a server: builders, classes, the wire JSON and bad input."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any

import pytest
import runbase as wandb
from runbase.automations import (
    Agg,
    All,
    And,
    ArtifactCollectionScope,
    Automation,
    ChangeDir,
    ChangeType,
    Contains,
    DoNothing,
    Eq,
    EventType,
    Exists,
    FilterExpr,
    FilterField,
    Gt,
    Gte,
    In,
    Lt,
    Lte,
    MetricChangeFilter,
    MetricThresholdFilter,
    MetricZScoreFilter,
    Ne,
    NewAutomation,
    Nor,
    Not,
    NotIn,
    OnAddArtifactAlias,
    OnCreateArtifact,
    OnLinkArtifact,
    OnRunMetric,
    OnRunState,
    OnSchedule,
    Or,
    ProjectScope,
    Regex,
    RegistryScope,
    RunEvent,
    RunMetricFilter,
    RunState,
    RunStateFilter,
    SendNotification,
    SendWebhook,
    Size,
    SlackIntegration,
    WebhookIntegration,
)
from runbase.automations.actions import AlertSeverity, action_from_wire
from runbase.automations.events import check_cron, event_from_wire, with_scope
from runbase.automations.operators import parse_filter, to_mongo

SCOPE = "team/proj"
ALL_RUNS: dict[str, Any] = {}


def round_trip(event: Any) -> Any:
    """The event as the server would hand it back: through JSON text and the wire parser."""
    wire = json.loads(json.dumps(event.to_event_filter()))
    return event_from_wire(event.event_type.value, wire, event.scope)


# ------------------------------------------------------------------ metric filters


@pytest.mark.parametrize("cmp, stored", [(">", "$gt"), (">=", "$gte"), ("<", "$lt"), ("<=", "$lte"), ("==", "$eq"),
                                         ("!=", "$ne"), ("$gt", "$gt"), ("$gte", "$gte"), ("$lt", "$lt"),
                                         ("$lte", "$lte"), ("$eq", "$eq"), ("$ne", "$ne")])
def test_threshold_cmp_spellings_are_stored_in_dollar_form(cmp: str, stored: str) -> None:
    assert MetricThresholdFilter(name="loss", cmp=cmp, threshold=1).cmp == stored


@pytest.mark.parametrize("agg, stored", [("min", "min"), ("MAX", "max"), ("Mean", "mean"), ("average", "mean"),
                                         ("AVG", "mean"), ("sum", "sum"), (Agg.SUM, "sum")])
def test_agg_spellings_are_stored_lowercase(agg: Any, stored: str) -> None:
    f = MetricThresholdFilter(name="loss", agg=agg, window=3, cmp=">", threshold=1)
    assert f.agg == stored and f.model_dump(mode="json")["agg"] == stored


def test_threshold_filter_wire_json() -> None:
    f = MetricThresholdFilter(name="acc", agg="mean", window=5, cmp="<", threshold=0.8)
    assert OnRunMetric(scope=SCOPE, filter=f).to_event_filter() == {
        "run_filter": {}, "metric": {"name": "acc", "agg": "mean", "window": 5, "cmp": "$lt", "threshold": 0.8}}


@pytest.mark.parametrize("kwargs, message", [
    ({"cmp": "~"}, "unknown cmp"),
    ({"cmp": ">", "agg": "median", "window": 3}, "unknown agg"),
    ({"cmp": ">", "agg": "mean", "window": 0}, "greater than or equal to 1"),
    ({"cmp": ">", "window": 5}, "needs an agg"),
    ({"cmp": ">", "threshold": float("nan")}, "finite"),
    ({"cmp": ">", "threshold": float("inf")}, "finite"),
    ({"cmp": ">", "threshold": "10"}, "valid"),
    ({"cmp": ">", "threshold": True}, "valid"),
    ({"cmp": ">", "name": ""}, "at least 1 character"),
    ({"cmp": ">", "name": "_step"}, "system key"),
    ({"cmp": ">", "treshold": 1}, "Extra inputs"),
])
def test_threshold_filter_refuses_bad_input(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        MetricThresholdFilter(**{"name": "loss", "threshold": 1, **kwargs})


def test_change_filter_defaults_and_spellings() -> None:
    f = MetricChangeFilter(name="loss", agg="avg", window=10, threshold=0.1, change_type="RELATIVE",
                           change_dir="Decrease")
    assert (f.cmp, f.prior_window, f.change_type, f.change_dir) == ("$gte", 10, ChangeType.RELATIVE,
                                                                     ChangeDir.DECREASE)
    assert f.model_dump(mode="json") == {"name": "loss", "agg": "mean", "window": 10, "cmp": "$gte",
                                         "threshold": 0.1, "prior_window": 10, "change_type": "relative",
                                         "change_dir": "decrease"}
    at_least = MetricChangeFilter(name="loss", cmp=">=", threshold=1, change_type="absolute", change_dir="any")
    assert at_least.cmp == "$gte"
    plateau = MetricChangeFilter(name="loss", agg="mean", window=5, prior_window=20, cmp="<", threshold=0.01,
                                 change_type="absolute", change_dir="any")
    assert (plateau.cmp, plateau.prior_window) == ("$lt", 20)


@pytest.mark.parametrize("kwargs, message", [
    ({"threshold": -0.1}, "greater than or equal to 0"),
    ({"change_type": "percent"}, "unknown change_type"),
    ({"change_dir": "up"}, "unknown change_dir"),
    ({"cmp": ">"}, "a change filter's cmp"),
    ({"cmp": "$lt", "threshold": 0}, "never less than 0"),
    ({"prior_window": 0}, "greater than or equal to 1"),
    ({"window": 1.5}, "valid integer"),
])
def test_change_filter_refuses_bad_input(kwargs: dict[str, Any], message: str) -> None:
    base = {"name": "loss", "threshold": 1, "change_type": "absolute", "change_dir": "any"}
    with pytest.raises(ValueError, match=message):
        MetricChangeFilter(**{**base, **kwargs})


def test_zscore_filter_defaults_and_bounds() -> None:
    f = MetricZScoreFilter(name="loss")
    assert f.model_dump(mode="json") == {"name": "loss", "window": 30, "threshold": 3.0, "change_dir": "any"}
    with pytest.raises(ValueError, match="greater than or equal to 2"):
        MetricZScoreFilter(name="loss", window=1)
    with pytest.raises(ValueError, match="greater than 0"):
        MetricZScoreFilter(name="loss", threshold=0)


# ------------------------------------------------------------------ RunEvent builders


@pytest.mark.parametrize("build, cmp", [
    (lambda m: m > 10, "$gt"), (lambda m: m >= 10, "$gte"), (lambda m: m < 10, "$lt"), (lambda m: m <= 10, "$lte"),
    (lambda m: m == 10, "$eq"), (lambda m: m != 10, "$ne"), (lambda m: 10 < m, "$gt"), (lambda m: 10 >= m, "$lte"),
])
def test_metric_comparisons_build_threshold_filters(build: Any, cmp: str) -> None:
    assert build(RunEvent.metric("loss")) == MetricThresholdFilter(name="loss", cmp=cmp, threshold=10)


@pytest.mark.parametrize("agg", ["mean", "max", "min", "sum"])
def test_aggregates_then_comparison(agg: str) -> None:
    built = getattr(RunEvent.metric("acc"), agg)(5) < 0.8
    assert built == MetricThresholdFilter(name="acc", agg=agg, window=5, cmp="$lt", threshold=0.8)


def test_change_builders() -> None:
    loss = RunEvent.metric("loss")
    assert loss.mean(10).decreases_by(frac=0.1) == MetricChangeFilter(
        name="loss", agg="mean", window=10, threshold=0.1, change_type="relative", change_dir="decrease")
    assert loss.increases_by(diff=2) == MetricChangeFilter(
        name="loss", threshold=2, change_type="absolute", change_dir="increase")
    assert loss.max(3).changes_by(diff=0.5) == MetricChangeFilter(
        name="loss", agg="max", window=3, threshold=0.5, change_type="absolute", change_dir="any")
    assert loss.mean(10).changes_less_than(diff=0.001) == MetricChangeFilter(
        name="loss", agg="mean", window=10, cmp="$lt", threshold=0.001, change_type="absolute", change_dir="any")


def test_change_builders_refuse_bad_input() -> None:
    loss = RunEvent.metric("loss")
    with pytest.raises(ValueError, match="exactly one of diff"):
        loss.changes_by(diff=1, frac=0.1)
    with pytest.raises(ValueError, match="exactly one of diff"):
        loss.decreases_by()
    with pytest.raises(ValueError, match="greater than or equal to 0"):
        loss.increases_by(frac=-0.1)
    with pytest.raises(ValueError, match="already aggregated"):
        loss.mean(3).max(3)
    with pytest.raises(ValueError, match="positive integer"):
        loss.mean(0)


def test_zscore_builders_choose_the_direction() -> None:
    z = RunEvent.metric("loss").zscore(window=30)
    assert (z > 3) == MetricZScoreFilter(name="loss", window=30, threshold=3, change_dir="increase")
    assert (z < -3) == MetricZScoreFilter(name="loss", window=30, threshold=3, change_dir="decrease")
    assert (abs(z) > 2.5) == MetricZScoreFilter(name="loss", window=30, threshold=2.5, change_dir="any")
    with pytest.raises(ValueError, match="z < -t"):
        z < 3  # noqa: B015
    with pytest.raises(ValueError, match="greater than 0"):
        z > -3  # noqa: B015
    with pytest.raises(ValueError, match="abs"):
        abs(z) < 3  # noqa: B015
    with pytest.raises(ValueError, match="raw values"):
        RunEvent.metric("loss").mean(5).zscore()
    with pytest.raises(ValueError, match="greater than or equal to 2"):
        RunEvent.metric("loss").zscore(window=1) > 3  # noqa: B015


def test_run_state_builders() -> None:
    assert (RunEvent.state == "failed") == RunStateFilter(states=["failed"])
    either = RunEvent.state.in_(["CRASHED", "failed", "failed"])
    assert either.states == [RunState.CRASHED, RunState.FAILED]
    assert (RunEvent.state != "running").states == sorted(
        [RunState.FINISHED, RunState.FAILED, RunState.CRASHED, RunState.KILLED, RunState.PREEMPTING,
         RunState.PREEMPTED], key=lambda s: s.value)
    with pytest.raises(ValueError, match="unknown run state"):
        RunEvent.state == "exploded"  # noqa: B015
    with pytest.raises(ValueError, match="at least 1 item"):
        RunEvent.state.in_([])


@pytest.mark.parametrize("field, document", [
    (RunEvent.name == "abc", {"name": {"$eq": "abc"}}),
    (RunEvent.display_name.regex("^bert-", ignore_case=True), {"display_name": {"$regex": "^bert-", "$options": "i"}}),
    (RunEvent.tags.contains("nightly"), {"tags": {"$contains": "nightly"}}),
    (RunEvent.group.in_(["a", "b"]), {"group": {"$in": ["a", "b"]}}),
    (RunEvent.job_type != "eval", {"jobType": {"$ne": "eval"}}),
    (RunEvent.username.exists(), {"username": {"$exists": True}}),
    (RunEvent.duration >= timedelta(hours=2), {"duration": {"$gte": 7200.0}}),
    (RunEvent.created_at > datetime(2026, 1, 1, tzinfo=timezone.utc),
     {"createdAt": {"$gt": "2026-01-01T00:00:00+00:00"}}),
    (RunEvent.heartbeat_at < "2026-01-01", {"heartbeatAt": {"$lt": "2026-01-01"}}),
    (RunEvent.config("lr") <= 0.01, {"config.lr": {"$lte": 0.01}}),
    (RunEvent.summary("acc") > 0.9, {"summary_metrics.acc": {"$gt": 0.9}}),
    (RunEvent.config("opt").not_in(["sgd"]), {"config.opt": {"$nin": ["sgd"]}}),
])
def test_run_field_builders_translate_to_mongo(field: FilterExpr, document: dict[str, Any]) -> None:
    assert to_mongo(field) == document
    assert parse_filter(document) == field


def test_run_filters_combine_with_and_or_not() -> None:
    a, b, c = RunEvent.config("lr") > 0.01, RunEvent.tags.contains("x"), RunEvent.group == "g"
    assert to_mongo(a & b & c) == {"$and": [to_mongo(a), to_mongo(b), to_mongo(c)]}
    assert to_mongo(a | b | c) == {"$or": [to_mongo(a), to_mongo(b), to_mongo(c)]}
    assert to_mongo(~a) == {"config.lr": {"$not": {"$gt": 0.01}}}
    assert ~~a == a
    assert to_mongo(~(a | b)) == {"$nor": [to_mongo(a), to_mongo(b)]}
    assert ~~(a | b) == a | b
    assert to_mongo(~(a & b)) == {"$nor": [{"$and": [to_mongo(a), to_mongo(b)]}]}
    assert to_mongo((a | b) & c) == {"$and": [{"$or": [to_mongo(a), to_mongo(b)]}, to_mongo(c)]}
    assert to_mongo(a & {"state": "finished"}) == {"$and": [to_mongo(a), {"state": {"$eq": "finished"}}]}
    assert to_mongo({"state": "finished"} | a) == {"$or": [{"state": {"$eq": "finished"}}, to_mongo(a)]}


def test_run_filter_and_metric_filter_combine_either_way() -> None:
    run, metric = RunEvent.config("lr") > 0.01, RunEvent.metric("loss") > 10
    assert run & metric == metric & run == RunMetricFilter(run_filter=run, metric=metric)
    narrowed = (run & metric) & (RunEvent.group == "g")
    assert to_mongo(narrowed.run_filter) == {"$and": [to_mongo(run), {"group": {"$eq": "g"}}]}
    state = (RunEvent.state == "finished") & (RunEvent.duration >= 3600)
    assert state == RunStateFilter(run_filter={"duration": {"$gte": 3600}}, states=["finished"])
    with pytest.raises(TypeError):
        metric & (RunEvent.state == "failed")  # noqa: B018
    with pytest.raises(TypeError):
        run | metric  # noqa: B018


# ------------------------------------------------------------------ MongoDB documents


def test_operator_classes_write_mongo() -> None:
    cases = [
        (FilterExpr("a", Eq(1)), {"a": {"$eq": 1}}), (FilterExpr("a", Ne(None)), {"a": {"$ne": None}}),
        (FilterExpr("a", Gt(1)), {"a": {"$gt": 1}}), (FilterExpr("a", Gte(1)), {"a": {"$gte": 1}}),
        (FilterExpr("a", Lt(1)), {"a": {"$lt": 1}}), (FilterExpr("a", Lte(1)), {"a": {"$lte": 1}}),
        (FilterExpr("a", In([1, 2])), {"a": {"$in": [1, 2]}}), (FilterExpr("a", NotIn((1,))), {"a": {"$nin": [1]}}),
        (FilterExpr("a", Exists(False)), {"a": {"$exists": False}}),
        (FilterExpr("a", Regex("x")), {"a": {"$regex": "x"}}),
        (FilterExpr("a", Contains("x")), {"a": {"$contains": "x"}}), (FilterExpr("a", All([1])), {"a": {"$all": [1]}}),
        (FilterExpr("a", Size(2)), {"a": {"$size": 2}}),
        (FilterExpr("a", Not(Regex("x"))), {"a": {"$not": {"$regex": "x"}}}),
        (And([]), {}), (Or([FilterExpr("a", Eq(1))]), {"$or": [{"a": {"$eq": 1}}]}),
        (Nor([{"a": 1}]), {"$nor": [{"a": {"$eq": 1}}]}),
    ]
    for tree, document in cases:
        assert to_mongo(tree) == document
        assert parse_filter(document) == tree


def test_plain_documents_are_read_into_trees_meaning_the_same() -> None:
    assert parse_filter({}) == And([])
    assert parse_filter({"a": 1, "b": {"$gt": 2, "$lt": 5}}) == And(
        [FilterExpr("a", Eq(1)), FilterExpr("b", Gt(2)), FilterExpr("b", Lt(5))])
    assert parse_filter({"a": {"$regex": "x", "$options": "i"}}) == FilterExpr("a", Regex("x", "i"))
    assert parse_filter({"a": {"x": 1}}) == FilterExpr("a", Eq({"x": 1}))
    assert parse_filter({"a": {"$not": {"$gt": 1, "$lt": 5}}}) == Nor(
        [And([FilterExpr("a", Gt(1)), FilterExpr("a", Lt(5))])])
    assert parse_filter({"a": {"$exists": 1}}) == FilterExpr("a", Exists(True))
    nested = {"$or": [{"$and": [{"a": {"$eq": 1}}]}, {"b": {"$in": ["x"]}}]}
    assert to_mongo(parse_filter(nested)) == nested


@pytest.mark.parametrize("document, message", [
    ({"$where": "1"}, "unknown top-level operator"),
    ({"$not": {"a": 1}}, "unknown top-level operator"),
    ({"a": {"$elemMatch": {}}}, "unknown operator"),
    ({"$or": []}, "non-empty list"),
    ({"a": {"$gt": 1, "b": 2}}, "can't mix"),
    ({"a": {"$options": "i"}}, "needs \\$regex"),
    ({"a": {"$regex": "x", "$options": "m"}}, "only be 'i'"),
    ({"a": {"$not": 5}}, "operator document"),
    ({"a": {"$gt": [1]}}, "compares with a number"),
    ({"a": {"$in": "abc"}}, "list of values"),
    ({"a": {"$exists": "yes"}}, "true or false"),
    ({"a": {"$size": -1}}, "non-negative"),
    ({"a": float("nan")}, "NaN"),
    ({"$a": 1}, "unknown top-level operator"),
    ([1], "must be a MongoDB query document"),
])
def test_bad_documents_are_refused_with_the_reason(document: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_filter(document)


def test_filter_field_refuses_operator_names_and_unhashable() -> None:
    with pytest.raises(ValueError, match="not starting with"):
        FilterField("$gt")
    with pytest.raises(ValueError, match="at least one filter"):
        Or([])
    with pytest.raises(TypeError):
        hash(RunEvent.name)


# ------------------------------------------------------------------ events


def test_reference_example_on_run_metric_with_a_project_object() -> None:
    project = SimpleNamespace(entity="my-team", name="my-project")  # what Api.project() returns looks like this
    event = OnRunMetric(scope=project, filter=RunEvent.metric("custom-metric") > 10)
    action = SendNotification.from_integration(SlackIntegration(id="7", entity_name="my-team", channel_name="alerts",
                                                                uses_webhook_url=False))
    new = event >> action
    assert isinstance(new, NewAutomation) and new.scope == ProjectScope(entity_name="my-team",
                                                                        project_name="my-project")
    assert event.event_type == EventType.RUN_METRIC_THRESHOLD == "RUN_METRIC_THRESHOLD"
    assert new.action.integration_id == "7" and new.action.pending_integration is None
    assert event.then(action) == new


def test_overview_example_with_a_cmp_string_and_a_then() -> None:
    new = OnRunMetric(filter=MetricThresholdFilter(name="accuracy", cmp=">", threshold=0.95),
                      scope="entity/project").then(
        SendNotification(title="High Accuracy Achieved", message="Model accuracy exceeded 95%", severity="INFO"))
    assert new.event.to_event_filter() == {"run_filter": ALL_RUNS, "metric": {
        "name": "accuracy", "agg": None, "window": 1, "cmp": "$gt", "threshold": 0.95}}
    assert new.action.model_dump(mode="json") == {"integration_id": None, "title": "High Accuracy Achieved",
                                                  "message": "Model accuracy exceeded 95%", "severity": "INFO",
                                                  "action_type": "NOTIFICATION"}
    artifact = OnCreateArtifact(scope="entity/project/artifact-collection").then(SendWebhook.from_integration(
        integration=WebhookIntegration(id="3", name="ci", url_endpoint="https://ci.example/hook"),
        payload={"event": "new_artifact", "collection": "models"}))
    assert artifact.scope == ArtifactCollectionScope(entity_name="entity", project_name="project",
                                                     collection_name="artifact-collection")
    assert artifact.event.to_event_filter() == {"filter": {}}
    assert artifact.action.model_dump(mode="json") == {
        "integration_id": "3", "request_payload": {"event": "new_artifact", "collection": "models"},
        "action_type": "GENERIC_WEBHOOK"}


@pytest.mark.parametrize("metric, event_type", [
    (RunEvent.metric("loss") > 1, "RUN_METRIC_THRESHOLD"),
    (RunEvent.metric("loss").mean(3).changes_by(diff=1), "RUN_METRIC_CHANGE"),
    (RunEvent.metric("loss").zscore() > 3, "RUN_METRIC_ZSCORE"),
])
def test_on_run_metric_event_type_follows_the_filter(metric: Any, event_type: str) -> None:
    event = OnRunMetric(scope=SCOPE, filter=(RunEvent.config("lr") > 0.1) & metric)
    assert event.event_type == event_type
    assert round_trip(event) == event
    assert OnRunMetric(scope=SCOPE, filter=event.to_event_filter()) == event
    with pytest.raises(ValueError, match="does not fit"):
        OnRunMetric(event_type="RUN_STATE", scope=SCOPE, filter=metric)


def test_wire_json_of_every_run_event() -> None:
    change = OnRunMetric(scope=SCOPE, filter=RunEvent.metric("loss").mean(10).changes_less_than(diff=0.001))
    assert change.to_event_filter() == {"run_filter": {}, "metric": {
        "name": "loss", "agg": "mean", "window": 10, "prior_window": 10, "change_type": "absolute",
        "change_dir": "any", "threshold": 0.001, "cmp": "$lt"}}
    zscore = OnRunMetric(scope=SCOPE, filter=RunEvent.metric("loss").zscore(window=20) < -4)
    assert zscore.to_event_filter() == {"run_filter": {}, "metric": {
        "name": "loss", "window": 20, "threshold": 4, "change_dir": "decrease"}}
    state = OnRunState(scope=SCOPE, filter=RunEvent.state.in_(["failed", "crashed"]) & (RunEvent.tags.contains("x")))
    assert state.event_type == EventType.RUN_STATE
    assert state.to_event_filter() == {"run_filter": {"tags": {"$contains": "x"}}, "states": ["crashed", "failed"]}
    daily = OnSchedule(scope=SCOPE, cron="0 9 * * *", filter=RunEvent.job_type == "train")
    assert daily.event_type == EventType.SCHEDULE
    assert daily.to_event_filter() == {"run_filter": {"jobType": {"$eq": "train"}}, "cron": "0 9 * * *",
                                       "every_seconds": None, "lookback_seconds": None}
    hourly = OnSchedule(scope=SCOPE, every=timedelta(hours=1), lookback=5400)
    assert hourly.to_event_filter() == {"run_filter": {}, "cron": None, "every_seconds": 3600,
                                        "lookback_seconds": 5400}
    for event in (change, zscore, state, daily, hourly):
        assert round_trip(event) == event


@pytest.mark.parametrize("cls, event_type", [(OnCreateArtifact, "CREATE_ARTIFACT"),
                                             (OnLinkArtifact, "LINK_ARTIFACT"),
                                             (OnAddArtifactAlias, "ADD_ARTIFACT_ALIAS")])
def test_artifact_events(cls: Any, event_type: str) -> None:
    event = cls(scope="team/proj/models", filter={"alias": {"$regex": "^prod"}})
    assert event.event_type == event_type
    assert event.to_event_filter() == {"filter": {"alias": {"$regex": "^prod"}}}
    assert round_trip(event) == event
    assert cls(scope="team/proj/models").filter == And([])


def test_artifact_event_scopes() -> None:
    assert OnLinkArtifact(scope="team/proj").scope == ProjectScope(entity_name="team", project_name="proj")
    registry = RegistryScope(entity_name="org", registry_name="model")
    assert OnAddArtifactAlias(scope=registry).scope == registry
    with pytest.raises(ValueError, match="OnCreateArtifact is scoped to an artifact collection"):
        OnCreateArtifact(scope="team/proj")


@pytest.mark.parametrize("build", [
    lambda s: OnRunMetric(scope=s, filter=RunEvent.metric("x") > 1),
    lambda s: OnRunState(scope=s, filter=RunEvent.state == "failed"),
    lambda s: OnSchedule(scope=s, every=60),
])
def test_run_events_need_a_project_scope(build: Any) -> None:
    with pytest.raises(ValueError, match="scoped to a project"):
        build("team/proj/collection")
    with pytest.raises(ValueError, match="scoped to a project"):
        build(RegistryScope(entity_name="org", registry_name="model"))


@pytest.mark.parametrize("scope, message", [
    ("proj", "'entity/project'"), ("a/b/c/d", "'entity/project'"), (42, "a scope is"), ("a/ b", "pattern"),
    (SimpleNamespace(entity=None, name="x"), "a scope is"),
])
def test_bad_scopes(scope: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        OnRunMetric(scope=scope, filter=RunEvent.metric("x") > 1)


def test_schedule_checks() -> None:
    with pytest.raises(ValueError, match="exactly one of cron"):
        OnSchedule(scope=SCOPE)
    with pytest.raises(ValueError, match="exactly one of cron"):
        OnSchedule(scope=SCOPE, cron="0 9 * * *", every=60)
    with pytest.raises(ValueError, match="positive"):
        OnSchedule(scope=SCOPE, every=0)
    with pytest.raises(ValueError, match="positive"):
        OnSchedule(scope=SCOPE, every=60, lookback=-1)
    assert OnSchedule(scope=SCOPE, cron=" 0  9 * *  1-5 ").cron == "0 9 * * 1-5"


@pytest.mark.parametrize("cron", ["* * * * *", "*/15 0-23/2 1,15 1-12 0-7", "0 9 * * 1-5", "5 4 31 12 7"])
def test_good_cron(cron: str) -> None:
    assert check_cron(cron) == cron


@pytest.mark.parametrize("cron", ["0 9 * *", "0 9 * * * *", "60 9 * * *", "0 24 * * *", "0 9 0 * *",
                                  "0 9 * 13 *", "0 9 * * 8", "*/0 * * * *", "5-1 * * * *", "a * * * *",
                                  "0 9 * jan *", ",1 * * * *", "/5 * * * *"])
def test_bad_cron(cron: str) -> None:
    with pytest.raises(ValueError, match="cron"):
        check_cron(cron)


def test_events_are_values() -> None:
    event = OnRunMetric(scope=SCOPE, filter=RunEvent.metric("x") > 1)
    with pytest.raises(ValueError, match="frozen"):
        event.scope = "a/b"  # type: ignore[misc]
    moved = with_scope(event, "other/project")
    assert moved.scope == ProjectScope(entity_name="other", project_name="project") and moved.filter == event.filter
    with pytest.raises(ValueError, match="scoped to a project"):
        with_scope(event, "a/b/c")


def test_unknown_event_type_from_the_wire() -> None:
    with pytest.raises(ValueError, match="does not know event type"):
        event_from_wire("ADD_ARTIFACT_TAG", {}, ProjectScope(entity_name="a", project_name="b"))


# ------------------------------------------------------------------ actions and integrations


def test_send_notification() -> None:
    action = SendNotification(integration_id="5", title="t", message="m", severity="warn")
    assert action.severity is AlertSeverity.WARN
    assert action.model_dump(mode="json") == {"integration_id": "5", "title": "t", "message": "m",
                                              "severity": "WARN", "action_type": "NOTIFICATION"}
    assert action_from_wire(action.model_dump(mode="json")) == action
    assert SendNotification(integration_id="5").severity == "INFO"
    with pytest.raises(ValueError, match="valid string"):
        SendNotification(integration_id="5", title=123)
    with pytest.raises(ValueError, match="unknown severity"):
        SendNotification(integration_id="5", severity="LOUD")
    with pytest.raises(ValueError, match="valid string"):
        action.title = ["not", "a", "title"]


def test_send_notification_from_a_local_slack_webhook_url() -> None:
    slack = SlackIntegration(webhook_url="https://hooks.slack.com/services/T000/B000/XXXX")
    notification = SendNotification.from_integration(integration=slack, title="ML Alert", text="Training completed",
                                                      level="INFO")
    assert notification.integration_id is None and notification.pending_integration is slack
    assert (notification.title, notification.message, notification.severity) == ("ML Alert", "Training completed",
                                                                                 "INFO")
    assert "XXXX" not in repr(slack) and "XXXX" not in json.dumps(slack.model_dump(mode="json"))
    assert slack.uses_webhook_url and slack.channel_name.startswith("incoming-webhook-") and slack.labelled_by_url
    with pytest.raises(ValueError, match="SlackIntegration"):
        SendNotification.from_integration(WebhookIntegration(id="1"))


def test_local_integrations_need_enough_to_be_created() -> None:
    with pytest.raises(ValueError, match="needs an id"):
        SlackIntegration()
    with pytest.raises(ValueError, match="channel_name"):
        SlackIntegration(bot_token="xoxb-1")
    with pytest.raises(ValueError, match="not both"):
        SlackIntegration(bot_token="xoxb-1", webhook_url="https://hooks.slack.com/x", channel_name="c")
    with pytest.raises(ValueError, match="takes no secrets"):
        SlackIntegration(id="1", bot_token="xoxb-1")
    with pytest.raises(ValueError, match="needs an id"):
        WebhookIntegration(name="ci")
    local = WebhookIntegration(name="ci", url_endpoint="https://ci.example", secret="s3cret", access_token="t0ken")
    assert "s3cret" not in repr(local) and "t0ken" not in str(local.model_dump())
    assert local.creation_secrets() == {"secret": "s3cret", "access_token": "t0ken"}
    saved = WebhookIntegration(id="9", entity_name="team", name="ci", url_endpoint="https://ci.example",
                               has_secret=True, has_access_token=True, created_at="2026-01-01T00:00:00Z")
    local.adopt(saved)
    assert local == saved and local.creation_secrets() == {"secret": None, "access_token": None}


def test_send_webhook_payloads() -> None:
    assert SendWebhook(integration_id="1").model_dump(mode="json") == {
        "integration_id": "1", "request_payload": None, "action_type": "GENERIC_WEBHOOK"}
    assert SendWebhook(integration_id="1", request_payload='{"run": "${run_name}"}').request_payload == {
        "run": "${run_name}"}
    assert SendWebhook(integration_id="1", request_payload=["${metric_value}", 1]).request_payload == [
        "${metric_value}", 1]
    with pytest.raises(ValueError, match="must be JSON"):
        SendWebhook(integration_id="1", request_payload={"when": datetime.now()})
    with pytest.raises(ValueError, match="must be JSON"):
        SendWebhook(integration_id="1", request_payload="not json")
    with pytest.raises(ValueError, match="WebhookIntegration"):
        SendWebhook.from_integration(SlackIntegration(id="1"))


def test_do_nothing() -> None:
    assert DoNothing().model_dump(mode="json") == {"action_type": "NO_OP"}
    assert action_from_wire({"action_type": "NO_OP"}) == DoNothing()
    with pytest.raises(ValueError):
        action_from_wire({"action_type": "LAUNCH_JOB"})


# ------------------------------------------------------------------ automations


def saved_automation() -> Automation:
    event = OnRunMetric(scope=SCOPE, filter=RunEvent.metric("loss") > 1)
    return Automation(id="1", created_at="2026-01-01T00:00:00Z", name="a", enabled=True, scope=event.scope,
                      event=event, action=DoNothing())


def test_automation_scope_and_event_scope_stay_one() -> None:
    automation = saved_automation()
    automation.scope = "team/other"
    assert automation.scope == automation.event.scope == ProjectScope(entity_name="team", project_name="other")
    automation.event = OnRunState(scope="x/y", filter=RunEvent.state == "failed")
    assert automation.scope == ProjectScope(entity_name="x", project_name="y")
    with pytest.raises(ValueError, match="scoped to a project"):
        automation.scope = "a/b/c"
    assert automation.scope == automation.event.scope
    with pytest.raises(ValueError, match="valid boolean"):
        automation.enabled = "maybe"


def test_automation_equality_ignores_the_connection() -> None:
    one, two = saved_automation(), saved_automation()
    one._client = object()
    assert one == two
    two.description = "changed"
    assert one != two


def test_deliveries_need_a_server() -> None:
    with pytest.raises(wandb.UsageError, match="not read from a server"):
        saved_automation().deliveries()


def test_new_automation_fields() -> None:
    new = NewAutomation(name="n", description="d", enabled=False)
    assert new.scope is None and new.event is None
    with pytest.raises(ValueError):
        NewAutomation(event="not an event")
    with pytest.raises(ValueError):
        NewAutomation(action={"action_type": "NO_OP", "bogus": 1})
