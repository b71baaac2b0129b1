"""runbase.plot presets: each builds the table W&B builds, checked against an independent computation (scikit-learn's
metrics called directly, numpy, plain Python) on the same data, and the spec W&B records."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from collections import Counter
from typing import Any

import pytest

np = pytest.importorskip("numpy")
sk_metrics = pytest.importorskip("sklearn.metrics")

import runbase
from runbase import plot
from runbase.data_types.table import Table

GRID21 = [round(1 - i / 20, 3) for i in range(21)]  # W&B's recall levels, 1.0 down to 0.0


def rows(chart: plot.CustomChart) -> list[list[Any]]:
    return [list(row) for row in chart.table.data]


def column(chart: plot.CustomChart, name: str) -> list[Any]:
    return [row[chart.table.columns.index(name)] for row in rows(chart)]


def panel(spec: str, fields: dict[str, Any], strings: dict[str, Any], table_key: str) -> dict[str, Any]:
    """The panel W&B's UI reads from config._wandb.visualize, written out in full."""
    return {"panel_type": "Vega2", "panel_config": {
        "panelDefId": spec, "fieldSettings": fields, "stringSettings": strings,
        "transform": {"name": "tableWithLeafColNames"},
        "userQuery": {"queryFields": [{"name": "runSets", "args": [{"name": "runSets", "value": "${runSets}"}],
                                       "fields": [{"name": "id", "fields": []}, {"name": "name", "fields": []},
                                                  {"name": "_defaultColorIndex", "fields": []},
                                                  {"name": "summaryTable",
                                                   "args": [{"name": "tableKey", "value": table_key}],
                                                   "fields": []}]}]}}}


# -- charts over the user's table ------------------------------------------------------------------------

def test_table_presets_use_the_table_as_it_is_with_w_and_b_specs_and_fields() -> None:
    data = [[i, math.sin(i / 10), "a" if i % 2 else "b"] for i in range(50)]
    table = Table(columns=["step", "value", "series"], data=data)
    cases = [
        (plot.line(table, "step", "value", stroke="series", title="T"), "wandb/line/v0",
         {"x": "step", "y": "value", "stroke": "series"}),
        (plot.line(table, "step", "value"), "wandb/line/v0", {"x": "step", "y": "value", "stroke": None}),
        (plot.scatter(table, x="step", y="value", title="T"), "wandb/scatter/v0", {"x": "step", "y": "value"}),
        (plot.bar(table, label="series", value="value", title="T"), "wandb/bar/v0",
         {"label": "series", "value": "value"}),
        (plot.histogram(table, value="value", title="T"), "wandb/histogram/v0", {"value": "value"}),
    ]
    for chart, spec, fields in cases:
        assert chart.table is table and rows(chart) == data  # no binning, no copying: the chart draws in the UI
        assert (chart.spec_name, chart.fields, chart.split_table) == (spec, fields, False)
        assert chart.string_fields == {"title": chart.string_fields["title"]}
        assert chart.table_key("k") == "k_table"
        assert chart.config_value("k_table") == panel(spec, fields, chart.string_fields, "k_table")
        json.dumps(chart.config_value("k_table"))
    assert cases[0][0].string_fields == {"title": "T"} and cases[1][0].string_fields == {"title": ""}


def test_split_table_moves_the_table_to_the_custom_chart_tables_section() -> None:
    table = Table(columns=["x", "y"], data=[[1, 2]])
    for chart in (plot.line(table, "x", "y", split_table=True), plot.scatter(table, "x", "y", split_table=True),
                  plot.bar(table, "x", "y", split_table=True), plot.histogram(table, "y", split_table=True),
                  plot.line_series([1], [[2]], split_table=True),
                  plot.confusion_matrix(y_true=[0], preds=[0], split_table=True),
                  plot.pr_curve([0, 1], [[0.9, 0.1], [0.2, 0.8]], split_table=True),
                  plot.roc_curve([0, 1], [[0.9, 0.1], [0.2, 0.8]], split_table=True),
                  plot.plot_table("wandb/line/v0", table, {"x": "x"}, split_table=True)):
        assert chart.split_table is True
        assert chart.table_key("grp/cm") == "Custom Chart Tables/grp/cm_table"
        assert chart.config_value(chart.table_key("cm"))["panel_config"]["userQuery"]["queryFields"][0][
            "fields"][3]["args"] == [{"name": "tableKey", "value": "Custom Chart Tables/cm_table"}]


def test_table_presets_refuse_columns_the_table_lacks_and_values_that_are_not_tables() -> None:
    table = Table(columns=["step", "value"], data=[[1, 2.0]])
    with pytest.raises(ValueError, match=r"y='valu' is not a column of the table"):
        plot.line(table, "step", "valu")
    with pytest.raises(ValueError, match=r"stroke='series' is not a column"):
        plot.line(table, "step", "value", stroke="series")
    with pytest.raises(ValueError, match=r"label='name' is not a column"):
        plot.bar(table, "name", "value")
    with pytest.raises(ValueError, match=r"value='v' is not a column"):
        plot.histogram(table, "v")
    with pytest.raises(runbase.Error, match=r"table must be a runbase Table"):
        plot.scatter([[1, 2]], "step", "value")  # type: ignore[arg-type]


def test_plot_table_as_the_reference_shows_it() -> None:
    data = [[1, 1], [2, 2], [3, 3], [4, 4], [5, 5]]
    table = Table(data=data, columns=["x", "y"])
    fields = {"x": "x", "y": "y", "title": "MY TITLE"}
    chart = runbase.plot.plot_table(vega_spec_name="wandb/line/v0", data_table=table, fields=fields,
                                    string_fields={"title": "Title"})
    assert (chart.table, chart.spec_name, chart.fields, chart.string_fields) == (
        table, "wandb/line/v0", fields, {"title": "Title"})
    assert chart.config_value("custom_chart_table") == panel("wandb/line/v0", fields, {"title": "Title"},
                                                             "custom_chart_table")
    assert plot.plot_table("team/spec/v2", table, {}).string_fields == {}


def test_plot_table_errors() -> None:
    table = Table(columns=["x"], data=[[1]])
    with pytest.raises(runbase.Error, match=r"data_table must be a runbase Table \(wandb.Table\), not list"):
        plot.plot_table("wandb/line/v0", [[1]], {"x": "x"})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"vega_spec_name must name a Vega spec"):
        plot.plot_table("", table, {"x": "x"})
    with pytest.raises(TypeError, match=r"fields must be a dict"):
        plot.plot_table("wandb/line/v0", table, ["x"])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"string_fields must be a dict"):
        plot.plot_table("wandb/line/v0", table, {"x": "x"}, "title")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"split_table must be True or False"):
        plot.plot_table("wandb/line/v0", table, {"x": "x"}, split_table="yes")  # type: ignore[arg-type]


# -- line_series --------------------------------------------------------------------------------------------

def long_format(xs: list[list[Any]], ys: list[list[Any]], keys: list[str]) -> list[list[Any]]:
    return [[x, key, y] for key, xx, yy in zip(keys, xs, ys) for x, y in zip(xx, yy)]


def test_line_series_shared_xs_per_line_xs_and_keys() -> None:
    xs = list(range(10))
    ys = [[i for i in range(10)], [i**2 for i in range(10)], [i**3 for i in range(10)]]
    chart = plot.line_series(xs, ys, title="title", xname="step")
    assert chart.table.columns == ["step", "lineKey", "lineVal"]
    assert rows(chart) == long_format([xs] * 3, ys, ["line_0", "line_1", "line_2"])
    assert (chart.spec_name, chart.fields, chart.string_fields) == (
        "wandb/lineseries/v0", {"step": "step", "lineKey": "lineKey", "lineVal": "lineVal"},
        {"title": "title", "xname": "step"})
    per_line = [[i for i in range(10)], [2 * i for i in range(10)], [3 * i for i in range(10)]]
    chart = plot.line_series(per_line, ys, keys=["Linear", "Quadratic", "Cubic"])
    assert rows(chart) == long_format(per_line, ys, ["Linear", "Quadratic", "Cubic"])
    assert chart.string_fields == {"title": "", "xname": "x"}


def test_line_series_takes_numpy_arrays_and_generators() -> None:
    xs = np.linspace(0, 1, 5)
    ys = np.arange(10.0).reshape(2, 5)
    chart = plot.line_series(xs, ys, keys=(k for k in ("a", "b")))
    assert rows(chart) == long_format([xs.tolist()] * 2, ys.tolist(), ["a", "b"])
    assert all(type(row[0]) is float and type(row[2]) is float for row in rows(chart))


def test_line_series_errors() -> None:
    with pytest.raises(ValueError, match=r"keys holds 1 names but ys holds 2 lines"):
        plot.line_series([1, 2], [[1, 2], [3, 4]], keys=["a"])
    with pytest.raises(ValueError, match=r"xs holds 3 sequences of x values but ys holds 2 lines"):
        plot.line_series([[1], [2], [3]], [[1], [2]])
    with pytest.raises(ValueError, match=r"line 1 \('line_1'\) has 3 y values but 2 x values"):
        plot.line_series([1, 2], [[1, 2], [3, 4, 5]])
    with pytest.raises(TypeError, match=r"ys must be a sequence of lines"):
        plot.line_series([1, 2], 5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"ys\[0\] must be a sequence of values"):
        plot.line_series([1, 2], [1, 2])  # type: ignore[list-item]
    with pytest.raises(TypeError, match=r"not a mix of both"):
        plot.line_series([[1, 2], 3], [[1, 2], [3, 4]])
    with pytest.raises(TypeError, match=r"keys must be strings"):
        plot.line_series([1], [[1]], keys=[7])  # type: ignore[list-item]


# -- confusion matrix ---------------------------------------------------------------------------------------

def test_confusion_matrix_matches_scikit_learn_from_preds_and_from_probs() -> None:
    rng = np.random.default_rng(3)
    names = ["Lion", "Tiger", "Elephant", "Zebra"]
    y_true = rng.choice(4, size=200, p=[0.2, 0.3, 0.25, 0.25])
    probs = rng.random((200, 4))
    preds = [int(t) if rng.random() < 0.85 else int(rng.choice([x for x in range(4) if x != t])) for t in y_true]
    for chart, predicted in ((plot.confusion_matrix(preds=preds, y_true=y_true, class_names=names, title="W"),
                              preds),
                             (plot.confusion_matrix(probs, y_true, class_names=names), probs.argmax(axis=1))):
        expected = sk_metrics.confusion_matrix(y_true, predicted, labels=range(4))
        assert chart.table.columns == ["Actual", "Predicted", "nPredictions"]
        assert rows(chart) == [[names[i], names[j], float(expected[i, j])] for i in range(4) for j in range(4)]
        assert all(type(n) is float for n in column(chart, "nPredictions"))  # W&B's counts are floats
        assert chart.spec_name == "wandb/confusion_matrix/v1"
        assert chart.fields == {"Actual": "Actual", "Predicted": "Predicted", "nPredictions": "nPredictions"}
    assert chart.string_fields == {"title": "Confusion Matrix Curve"}


def test_confusion_matrix_without_class_names_sorts_the_labels_found() -> None:
    y_true = ["cat", "dog", "owl", "cat", "dog"]
    preds = ["cat", "cat", "owl", "emu", "dog"]
    chart = plot.confusion_matrix(y_true=y_true, preds=preds)
    labels = sorted(set(y_true) | set(preds))  # cat, dog, emu, owl -> Class_1..Class_4
    expected = sk_metrics.confusion_matrix(y_true, preds, labels=labels)
    names = [f"Class_{i + 1}" for i in range(4)]
    assert rows(chart) == [[names[i], names[j], float(expected[i, j])] for i in range(4) for j in range(4)]


def test_confusion_matrix_reference_example() -> None:
    chart = plot.confusion_matrix(y_true=[0, 1, 2, 0, 1, 2], preds=[0, 2, 2, 0, 1, 1],
                                  class_names=["class_0", "class_1", "class_2"])
    assert column(chart, "nPredictions") == [2.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0]


def test_confusion_matrix_errors() -> None:
    with pytest.raises(ValueError, match=r"takes probs or preds, not both"):
        plot.confusion_matrix(probs=[[0.1, 0.9]], y_true=[1], preds=[1])
    with pytest.raises(ValueError, match=r"needs probs .* or preds"):
        plot.confusion_matrix(y_true=[1])
    with pytest.raises(ValueError, match=r"needs y_true"):
        plot.confusion_matrix(preds=[1])
    with pytest.raises(ValueError, match=r"y_true has 3 labels but preds has 2 predictions"):
        plot.confusion_matrix(y_true=[0, 1, 1], preds=[0, 1])
    with pytest.raises(ValueError, match=r"y_true has 1 labels but probs has 2 predictions"):
        plot.confusion_matrix(probs=[[0.1, 0.9], [0.5, 0.5]], y_true=[1])
    with pytest.raises(ValueError, match=r"preds holds labels 3 that are not indices of class_names \(0 to 2\)"):
        plot.confusion_matrix(y_true=[0, 1, 2], preds=[0, 1, 3], class_names=["a", "b", "c"])
    with pytest.raises(ValueError, match=r"y_true holds labels 'b' that are not indices of class_names"):
        plot.confusion_matrix(y_true=["b"], preds=[0], class_names=["a", "b"])
    with pytest.raises(ValueError, match=r"probs must have shape \(num_samples, num_classes\)"):
        plot.confusion_matrix(probs=[0.1, 0.9], y_true=[1, 0])
    with pytest.raises(ValueError, match=r"probs holds NaN"):
        plot.confusion_matrix(probs=[[math.nan, 0.9]], y_true=[1])
    with pytest.raises(TypeError, match=r"cannot be ordered together"):
        plot.confusion_matrix(y_true=[0, "a"], preds=[0, 0])
    with pytest.raises(ValueError, match=r"y_true holds NaN"):
        plot.confusion_matrix(y_true=[math.nan], preds=[0.0])
    with pytest.raises(TypeError, match=r"y_true must be a flat sequence of class labels"):
        plot.confusion_matrix(y_true=[[0]], preds=[0])


# -- PR and ROC curves --------------------------------------------------------------------------------------

def classifier_data(n: int, classes: int, seed: int) -> tuple[Any, Any]:
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, classes, size=n)
    scores = rng.dirichlet(np.ones(classes), size=n)
    scores[np.arange(n), y_true] += rng.random(n) * 0.5  # better than chance
    return y_true, scores


def reference_pr(y_true: Any, scores: Any, positive: Any, levels: list[float]) -> list[float]:
    """At each recall level, the best precision any threshold reaches with at least that recall."""
    precision, recall, _ = sk_metrics.precision_recall_curve(np.asarray(y_true) == positive, scores)
    return [round(float(max(p for p, r in zip(precision, recall) if r >= level)), 3) for level in levels]


def test_pr_curve_matches_the_best_precision_at_each_recall_level() -> None:
    y_true, scores = classifier_data(300, 3, seed=1)
    names = ["Diabetes", "Hypertension", "Heart Disease"]
    chart = plot.pr_curve(y_true, scores, labels=names)
    assert chart.table.columns == ["class", "precision", "recall"]
    expected = [[names[c], p, r] for c in range(3)
                for p, r in zip(reference_pr(y_true, scores[:, c], c, GRID21), GRID21)]
    assert rows(chart) == expected
    assert (chart.spec_name, chart.fields, chart.string_fields) == (
        "wandb/area-under-curve/v0", {"x": "recall", "y": "precision", "class": "class"},
        {"title": "Precision-Recall Curve", "x-axis-title": "Recall", "y-axis-title": "Precision"})


def test_pr_curve_reference_example_interp_size_and_classes_to_plot() -> None:
    y_true = [0, 1, 1, 0, 1]
    y_probas = [[0.9, 0.1], [0.2, 0.8], [0.1, 0.9], [0.8, 0.2], [0.3, 0.7]]
    chart = plot.pr_curve(y_true=y_true, y_probas=y_probas, labels=["not spam", "spam"],
                          title="Precision-Recall Curve for Spam Detection")
    assert rows(chart) == [[name, 1.0, r] for name in ("not spam", "spam") for r in GRID21]  # separable
    assert chart.string_fields["title"] == "Precision-Recall Curve for Spam Detection"
    y_true, scores = classifier_data(120, 4, seed=2)
    levels = [round(1 - i / 6, 3) for i in range(7)]
    chart = plot.pr_curve(y_true, scores, classes_to_plot=[3, 1], interp_size=7)
    assert rows(chart) == [[c, p, r] for c in (1, 3)  # classes in y_true's order; no labels: the classes
                           for p, r in zip(reference_pr(y_true, scores[:, c], c, levels), levels)]


def test_pr_curve_with_string_classes_reads_columns_in_sorted_class_order() -> None:
    names = np.array(["owl", "cat", "dog"])
    y_codes, scores = classifier_data(90, 3, seed=4)
    y_true = names[y_codes]  # column j holds the scores of sorted(names)[j]: cat, dog, owl
    order = np.argsort(names)
    scores = scores[:, order]
    chart = plot.pr_curve(list(y_true), scores, labels=["ignored"] * 3)  # labels name integer classes only
    expected = [[str(name), p, r] for j, name in enumerate(sorted(names))
                for p, r in zip(reference_pr(y_true, scores[:, j], name, GRID21), GRID21)]
    assert rows(chart) == expected


def test_roc_curve_matches_scikit_learn_one_against_the_rest() -> None:
    y_true, scores = classifier_data(200, 3, seed=5)
    names = ["Diabetes", "Hypertension", "Heart Disease"]
    chart = plot.roc_curve(y_true=y_true, y_probas=scores, labels=names, classes_to_plot=[0, 1, 2],
                           title="ROC Curve for Disease Classification")
    assert chart.table.columns == ["class", "fpr", "tpr"]
    expected = []
    for c in range(3):
        fpr, tpr, _ = sk_metrics.roc_curve(y_true == c, scores[:, c])
        expected += [[names[c], round(float(f), 3), round(float(t), 3)] for f, t in zip(fpr, tpr)]
    assert rows(chart) == expected
    assert (chart.spec_name, chart.fields, chart.string_fields) == (
        "wandb/area-under-curve/v0", {"x": "fpr", "y": "tpr", "class": "class"},
        {"title": "ROC Curve for Disease Classification", "x-axis-title": "False positive rate",
         "y-axis-title": "True positive rate"})
    binary = plot.roc_curve([True, False, True, False], [[0.1, 0.9], [0.8, 0.2], [0.3, 0.7], [0.4, 0.6]])
    assert set(column(binary, "class")) == {False, True}


def test_curves_past_the_table_rows_keep_a_stratified_sample_sorted() -> None:
    y_true, scores = classifier_data(24_000, 3, seed=6)
    full: list[list[Any]] = []
    for c in range(3):
        fpr, tpr, _ = sk_metrics.roc_curve(y_true == c, scores[:, c])
        full += [[c, round(float(f), 3), round(float(t), 3)] for f, t in zip(fpr, tpr)]
    assert len(full) > Table.MAX_ROWS
    with pytest.warns(UserWarning, match=r"roc_curve: \d+ points are more than a table's 10000 rows"):
        chart = plot.roc_curve(y_true, scores)
    kept = rows(chart)
    assert len(kept) == Table.MAX_ROWS == 10000
    assert not Counter(map(tuple, kept)) - Counter(map(tuple, full))  # a sample of the points
    share = Counter(row[0] for row in full)
    for c, n in Counter(row[0] for row in kept).items():
        assert abs(n - share[c] * 10000 / len(full)) <= 1  # stratified by class
    assert kept == sorted(kept, key=lambda row: (row[1], row[2], row[0]))  # W&B sorts by fpr, tpr, class

    with pytest.warns(UserWarning, match=r"pr_curve: 15000 points"):
        chart = plot.pr_curve(y_true, scores, interp_size=5000)
    assert sorted(Counter(column(chart, "class")).values()) == [3333, 3333, 3334]  # 5000 points per class
    assert rows(chart) == sorted(rows(chart), key=lambda row: (row[1], row[2], row[0]))


@pytest.mark.parametrize("curve", [plot.pr_curve, plot.roc_curve])
def test_curve_errors(curve: Any) -> None:
    good_true, good_scores = [0, 1, 1], [[0.9, 0.1], [0.2, 0.8], [0.4, 0.6]]
    cases: list[tuple[dict[str, Any], type[Exception], str]] = [
        ({"y_true": None}, ValueError, r"needs y_true .* and y_probas"),
        ({"y_probas": None}, ValueError, r"needs y_true .* and y_probas"),
        ({"y_true": []}, ValueError, r"y_true must be a non-empty sequence"),
        ({"y_true": [[0], [1], [1]]}, ValueError, (r"y_true must be a non-empty sequence of class labels, not of "
                                                  r"shape \(3, 1\)")),
        ({"y_true": [0, None, 1]}, TypeError, r"y_true must hold numbers, booleans or strings"),
        ({"y_true": [0, math.nan, 1]}, ValueError, r"y_true holds NaN"),
        ({"y_probas": [0.1, 0.8, 0.6]}, ValueError, (r"y_probas must have shape \(num_samples, num_classes\) with "
                                                    r"num_samples = 3 .*, not \(3,\)")),
        ({"y_probas": good_scores[:2]}, ValueError, r"y_probas must have shape"),
        ({"y_probas": [[0.9, "x"]] * 3}, TypeError, r"y_probas must be numbers"),
        ({"y_probas": [[0.9, math.inf]] * 3}, ValueError, r"y_probas holds NaN or infinite"),
        ({"y_probas": [[1.0]] * 3}, ValueError, r"y_true holds 2 classes but y_probas has 1 columns"),
        ({"labels": ["only one"]}, ValueError, (r"labels has 1 names, so it names classes 0 to 0, but y_true holds "
                                               r"classes \[1\]")),
        ({"classes_to_plot": [5]}, ValueError, r"classes_to_plot \(\[5\]\) holds none of the classes in y_true"),
        ({"classes_to_plot": "0"}, TypeError, r"classes_to_plot must be a sequence of classes"),
    ]
    for change, error, message in cases:
        arguments = {"y_true": good_true, "y_probas": good_scores, **change}
        with pytest.raises(error, match=message):
            curve(**arguments)


def test_pr_interp_size_and_roc_single_class_errors() -> None:
    for size in (0, 2.5, True):
        with pytest.raises(ValueError, match=r"interp_size must be a positive integer"):
            plot.pr_curve([0, 1], [[0.9, 0.1], [0.2, 0.8]], interp_size=size)  # type: ignore[arg-type]
    assert len(plot.pr_curve([0, 1], [[0.9, 0.1], [0.2, 0.8]], interp_size=np.int64(3)).table.data) == 6
    with pytest.raises(ValueError, match=r"roc_curve needs samples of more than one class in y_true, not only 1"):
        plot.roc_curve([1, 1], [[0.9], [0.2]])


def test_curves_warn_when_y_true_lacks_classes_that_y_probas_has_columns_for() -> None:
    with pytest.warns(UserWarning, match=r"y_true holds 2 classes but y_probas has 3 columns; as in W&B, column i "
                                         r"is read as the scores of the i-th class found \(\[0, 2\]\)"):
        chart = plot.roc_curve([0, 2, 2, 0], [[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.2, 0.7, 0.1], [0.6, 0.3, 0.1]])
    assert set(column(chart, "class")) == {0, 2}


def test_importing_runbase_plot_needs_no_optional_library() -> None:
    code = ("import sys, runbase.plot; "
            "print(sorted(m for m in ('numpy', 'sklearn', 'pandas') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_classifier_charts_name_scikit_learn_when_it_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sklearn.metrics", None)
    with pytest.raises(ImportError, match=r"runbase.plot.pr_curve needs the package 'scikit-learn'"):
        plot.pr_curve([0, 1], [[0.9, 0.1], [0.2, 0.8]])
