"""runbase.plot end to end: the reference's custom chart examples, run as written with `import runbase as wandb` in
a process of their own against a real server, then read back through the Public API: each chart's table is in
history and summary as a table-file under `{key}_table`, the chart's spec is in the run's config under
`_wandb.visualize.{key}`, and the table file holds what scikit-learn (or plain Python) computes from the same data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

np = pytest.importorskip("numpy")
sk_metrics = pytest.importorskip("sklearn.metrics")

import runbase
from conftest import Server, run_script, sdk_environment
from runbase import plot
from runbase.data_types.table import Table

pytestmark = pytest.mark.slow

# The reference's examples (custom charts, lines ~3683-4300), each as written but for `import runbase as wandb`
# and `keep(...)`, which records the run and the random inputs so that the test can compute the expected tables.
EXAMPLES = '''
import json
import math
import random
import numpy as np
import runbase as wandb

record = {}

def keep(name, run, key, **inputs):
    record[name] = {"path": run.path, "key": key, **inputs}

# Getting started: a confusion matrix
y_true = [0, 1, 2, 0, 1, 2]
y_pred = [0, 2, 2, 0, 1, 1]
class_names = ["class_0", "class_1", "class_2"]
with wandb.init(project="custom-charts-demo") as run:
    run.log({
        "conf_mat": wandb.plot.confusion_matrix(
            y_true=y_true,
            preds=y_pred,
            class_names=class_names
        )
    })
keep("conf_mat", run, "conf_mat", y_true=y_true, preds=y_pred, class_names=class_names)

# Getting started: a scatter plot
data_table = wandb.Table(columns=["feature_1", "feature_2", "label"])
with wandb.init(project="custom-charts-demo") as run:
    for _ in range(100):
        data_table.add_data(
            np.random.randn(),
            np.random.randn(),
            np.random.choice(["A", "B"])
        )
    run.log({
        "feature_scatter": wandb.plot.scatter(
            data_table, x="feature_1", y="feature_2",
            title="Feature Distribution"
        )
    })
keep("feature_scatter", run, "feature_scatter", columns=data_table.columns, data=data_table.data)

# bar()
data = [
    ["car", random.uniform(0, 1)],
    ["bus", random.uniform(0, 1)],
    ["road", random.uniform(0, 1)],
    ["person", random.uniform(0, 1)],
]
table = wandb.Table(data=data, columns=["class", "accuracy"])
with wandb.init(project="bar_chart") as run:
    bar_plot = wandb.plot.bar(
        table=table,
        label="class",
        value="accuracy",
        title="Object Classification Accuracy",
    )
    run.log({"bar_plot": bar_plot})
keep("bar_plot", run, "bar_plot", columns=table.columns, data=data)

# confusion_matrix(): random probabilities
wildlife_class_names = ["Lion", "Tiger", "Elephant", "Zebra"]
wildlife_y_true = np.random.randint(0, 4, size=10)
wildlife_probs = np.random.rand(10, 4)
wildlife_probs = np.exp(wildlife_probs) / np.sum(
    np.exp(wildlife_probs),
    axis=1,
    keepdims=True,
)
with wandb.init(project="wildlife_classification") as run:
    confusion_matrix = wandb.plot.confusion_matrix(
        probs=wildlife_probs,
        y_true=wildlife_y_true,
        class_names=wildlife_class_names,
        title="Wildlife Classification Confusion Matrix",
    )
    run.log({"wildlife_confusion_matrix": confusion_matrix})
keep("wildlife_probs", run, "wildlife_confusion_matrix", y_true=wildlife_y_true,
     preds=wildlife_probs.argmax(axis=1), class_names=wildlife_class_names)

# confusion_matrix(): predictions with 85% accuracy
wildlife_class_names = ["Lion", "Tiger", "Elephant", "Zebra"]
wildlife_y_true = np.random.choice(
    [0, 1, 2, 3],
    size=200,
    p=[0.2, 0.3, 0.25, 0.25],
)
wildlife_preds = [
    y_t
    if np.random.rand() < 0.85
    else np.random.choice([x for x in range(4) if x != y_t])
    for y_t in wildlife_y_true
]
with wandb.init(project="wildlife_classification") as run:
    confusion_matrix = wandb.plot.confusion_matrix(
        preds=wildlife_preds,
        y_true=wildlife_y_true,
        class_names=wildlife_class_names,
        title="Simulated Wildlife Classification Confusion Matrix",
    )
    run.log({"wildlife_confusion_matrix": confusion_matrix})
keep("wildlife_preds", run, "wildlife_confusion_matrix", y_true=wildlife_y_true, preds=wildlife_preds,
     class_names=wildlife_class_names)

# histogram (the reference's `wandb.init(...)` given a project)
data = [[i, random.random() + math.sin(i / 10)] for i in range(100)]
table = wandb.Table(
    data=data,
    columns=["step", "height"],
)
histogram = wandb.plot.histogram(
    table,
    value="height",
    title="My Histogram",
)
with wandb.init(project="histogram") as run:
    run.log({"histogram-plot1": histogram})
keep("histogram", run, "histogram-plot1", columns=table.columns, data=data)

# line_series(): one x array
with wandb.init(project="line_series_example") as run:
    xs = list(range(10))
    ys = [
        [i for i in range(10)],  # y = x
        [i**2 for i in range(10)],  # y = x^2
        [i**3 for i in range(10)],  # y = x^3
    ]
    line_series_chart = wandb.plot.line_series(
        xs,
        ys,
        title="title",
        xname="step",
    )
    run.log({"line-series-single-x": line_series_chart})
keep("line_series_single", run, "line-series-single-x", xs=[xs] * 3, ys=ys, keys=["line_0", "line_1", "line_2"])

# line_series(): one x array per line
with wandb.init(project="line_series_example") as run:
    xs = [
        [i for i in range(10)],  # x for first series
        [2 * i for i in range(10)],  # x for second series (stretched)
        [3 * i for i in range(10)],  # x for third series (stretched more)
    ]
    ys = [
        [i for i in range(10)],  # y = x
        [i**2 for i in range(10)],  # y = x^2
        [i**3 for i in range(10)],  # y = x^3
    ]
    line_series_chart = wandb.plot.line_series(
        xs, ys, title="Multiple X Arrays Example", xname="Step"
    )
    run.log({"line-series-multiple-x": line_series_chart})
keep("line_series_multiple", run, "line-series-multiple-x", xs=xs, ys=ys, keys=["line_0", "line_1", "line_2"])

# line_series(): keys
with wandb.init(project="line_series_example") as run:
    xs = list(range(10))  # Single x array
    ys = [
        [i for i in range(10)],  # y = x
        [i**2 for i in range(10)],  # y = x^2
        [i**3 for i in range(10)],  # y = x^3
    ]
    keys = ["Linear", "Quadratic", "Cubic"]
    line_series_chart = wandb.plot.line_series(
        xs,
        ys,
        keys=keys,  # Custom keys (line labels)
        title="Custom Line Labels Example",
        xname="Step",
    )
    run.log({"line-series-custom-keys": line_series_chart})
keep("line_series_keys", run, "line-series-custom-keys", xs=[xs] * 3, ys=ys, keys=keys)

# line()
data = []
for i in range(100):
    data.append([i, math.sin(i / 10) + random.uniform(-0.1, 0.1), "series_1"])
    data.append([i, math.cos(i / 10) + random.uniform(-0.1, 0.1), "series_2"])
    data.append([i, i / 10 + random.uniform(-0.5, 0.5), "series_3"])
table = wandb.Table(data=data, columns=["step", "value", "series"])
with wandb.init(project="line_chart_example") as run:
    line_chart = wandb.plot.line(
        table=table,
        x="step",
        y="value",
        stroke="series",  # Group by the "series" column
        title="Multi-Series Line Plot",
    )
    run.log({"line-chart": line_chart})
keep("line", run, "line-chart", columns=table.columns, data=data)

# plot_table()
data = [[1, 1], [2, 2], [3, 3], [4, 4], [5, 5]]
table = wandb.Table(data=data, columns=["x", "y"])
fields = {"x": "x", "y": "y", "title": "MY TITLE"}
with wandb.init() as run:
    my_custom_chart = wandb.plot_table(
        vega_spec_name="wandb/line/v0",
        data_table=table,
        fields=fields,
        string_fields={"title": "Title"},
    )
    run.log({"custom_chart": my_custom_chart})
keep("plot_table", run, "custom_chart", columns=table.columns, data=data)

# pr_curve()
y_true = [0, 1, 1, 0, 1]  # 0 = not spam, 1 = spam
y_probas = [
    [0.9, 0.1],  # Predicted probabilities for the first sample (not spam)
    [0.2, 0.8],  # Second sample (spam), and so on
    [0.1, 0.9],
    [0.8, 0.2],
    [0.3, 0.7],
]
labels = ["not spam", "spam"]  # Optional class names for readability
with wandb.init(project="spam-detection") as run:
    pr_curve = wandb.plot.pr_curve(
        y_true=y_true,
        y_probas=y_probas,
        labels=labels,
        title="Precision-Recall Curve for Spam Detection",
    )
    run.log({"pr-curve": pr_curve})
keep("pr_curve", run, "pr-curve", y_true=y_true, y_probas=y_probas, labels=labels)

# roc_curve()
n_samples = 200
n_classes = 3
disease_labels = ["Diabetes", "Hypertension", "Heart Disease"]
y_true = np.random.choice([0, 1, 2], size=n_samples)
y_probas = np.random.dirichlet(np.ones(n_classes), size=n_samples)
classes_to_plot = [0, 1, 2]
with wandb.init(project="medical_diagnosis") as run:
    roc_plot = wandb.plot.roc_curve(
        y_true=y_true,
        y_probas=y_probas,
        labels=disease_labels,
        classes_to_plot=classes_to_plot,
        title="ROC Curve for Disease Classification",
    )
    run.log({"roc-curve": roc_plot})
keep("roc_curve", run, "roc-curve", y_true=y_true, y_probas=y_probas, labels=disease_labels)

# scatter()
data = [
    [i, random.uniform(-10, 20) - 0.005 * i + 5 * math.sin(i / 50)]
    for i in range(300)
]
table = wandb.Table(data=data, columns=["altitude (m)", "temperature (°C)"])
with wandb.init(project="temperature-altitude-scatter") as run:
    scatter_plot = wandb.plot.scatter(
        table=table,
        x="altitude (m)",
        y="temperature (°C)",
        title="Altitude vs Temperature",
    )
    run.log({"altitude-temperature-scatter": scatter_plot})
keep("scatter", run, "altitude-temperature-scatter", columns=table.columns, data=data)

# Beyond the examples: split_table, a chart inside a nested dict, and charts beside a scalar in one row.
y_true = np.random.randint(0, 3, size=300)
y_probas = np.random.dirichlet(np.ones(3), size=300)
with wandb.init(project="chart-keys") as run:
    run.log({"loss": 0.5, "pr": wandb.plot.pr_curve(y_true, y_probas, split_table=True),
             "grp": {"inner": wandb.plot.confusion_matrix(y_true=y_true, probs=y_probas)}})
keep("pr_split", run, "pr", y_true=y_true, y_probas=y_probas, labels=None)
keep("nested", run, "grp/inner", y_true=y_true, preds=y_probas.argmax(axis=1), class_names=None)

print(json.dumps(record, default=lambda value: value.tolist()))
'''

GRID21 = [round(1 - i / 20, 3) for i in range(21)]


@pytest.fixture(scope="module")
def logged(server: Server, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """What the examples logged: per example, the run's path, the chart's key and the inputs."""
    env = sdk_environment(server, tmp_path_factory.mktemp("plots"))
    return dict(json.loads(run_script(EXAMPLES, env, timeout=300).stdout.strip().splitlines()[-1]))


def read_back(server: Server, example: dict[str, Any], tmp_path: Path, *, split: bool = False) -> dict[str, Any]:
    """The chart's table as stored, after checking that history, summary and config hold it as W&B has them."""
    key = example["key"]
    table_key = f"Custom Chart Tables/{key}_table" if split else f"{key}_table"
    run = runbase.Api(overrides={"base_url": server.url}, api_key=server.key).run(example["path"])
    rows = list(run.scan_history())
    holding = [row for row in rows if table_key in row]
    assert len(holding) == 1 and not any(key in row for row in rows)  # the chart's own key is not in history
    described = holding[0][table_key]
    assert run.summary[table_key] == described
    assert described["_type"] == "table-file" and described["path"].startswith(f"media/table/{table_key}_")
    assert described["path"].endswith(".table.json")
    with run.file(described["path"]).download(root=tmp_path, replace=True) as downloaded:
        stored = json.load(downloaded)
    assert (described["nrows"], described["ncols"]) == (len(stored["data"]), len(stored["columns"]))
    entity, project, run_id = example["path"].split("/")
    config = json.loads(server.run(run_id, project=project, entity=entity)["config"])
    stored["visualize"] = config["_wandb"]["value"]["visualize"][key]
    stored["table_key"] = table_key
    return stored


def check(server: Server, example: dict[str, Any], tmp_path: Path, chart: plot.CustomChart,
          columns: list[str], expected: list[list[Any]]) -> None:
    """The stored table holds `expected`, and the config the panel of `chart`, the same call made here."""
    stored = read_back(server, example, tmp_path, split=chart.split_table)
    assert stored["columns"] == columns
    assert stored["data"] == expected
    assert stored["visualize"] == chart.config_value(stored["table_key"])


def confusion_rows(example: dict[str, Any]) -> list[list[Any]]:
    labels = sorted(set(example["y_true"]) | set(example["preds"])) if example["class_names"] is None \
        else list(range(len(example["class_names"])))
    names = example["class_names"] or [f"Class_{i + 1}" for i in range(len(labels))]
    counts = sk_metrics.confusion_matrix(example["y_true"], example["preds"], labels=labels)
    return [[names[i], names[j], float(counts[i, j])] for i in range(len(names)) for j in range(len(names))]


CONFUSION_TITLES = {"wildlife_probs": "Wildlife Classification Confusion Matrix",
                    "wildlife_preds": "Simulated Wildlife Classification Confusion Matrix"}


@pytest.mark.parametrize("name", ["conf_mat", "wildlife_probs", "wildlife_preds", "nested"])
def test_confusion_matrices_hold_scikit_learns_counts(server: Server, logged: dict[str, Any], tmp_path: Path,
                                                      name: str) -> None:
    example = logged[name]
    title = CONFUSION_TITLES.get(name, "Confusion Matrix Curve")
    chart = plot.confusion_matrix(y_true=example["y_true"], preds=example["preds"],
                                  class_names=example["class_names"], title=title)
    check(server, example, tmp_path, chart, ["Actual", "Predicted", "nPredictions"], confusion_rows(example))


def best_precision(y_true: list[Any], scores: Any, positive: Any) -> list[float]:
    precision, recall, _ = sk_metrics.precision_recall_curve(np.asarray(y_true) == positive, scores)
    # W&B samples at numpy.linspace(0, 1, 21) (0.8500000000000001, not 0.85): a recall of exactly 0.85 is
    # below that level, so the levels compared with are those floats; the table shows them rounded.
    levels = np.linspace(0, 1, len(GRID21))[::-1]
    return [round(float(max(p for p, r in zip(precision, recall) if r >= level)), 3) for level in levels]


@pytest.mark.parametrize("name", ["pr_curve", "pr_split"])
def test_pr_curves_hold_the_best_precision_at_each_recall_level(server: Server, logged: dict[str, Any],
                                                                tmp_path: Path, name: str) -> None:
    example = logged[name]
    scores, labels = np.asarray(example["y_probas"]), example["labels"]
    expected = [[labels[c] if labels else c, p, r] for c in sorted(set(example["y_true"]))
                for p, r in zip(best_precision(example["y_true"], scores[:, c], c), GRID21)]
    chart = plot.pr_curve(example["y_true"], scores, labels=labels, split_table=name == "pr_split",
                          title="Precision-Recall Curve for Spam Detection" if labels else "Precision-Recall Curve")
    check(server, example, tmp_path, chart, ["class", "precision", "recall"], expected)


def test_roc_curve_holds_scikit_learns_points(server: Server, logged: dict[str, Any], tmp_path: Path) -> None:
    example = logged["roc_curve"]
    scores, labels = np.asarray(example["y_probas"]), example["labels"]
    expected = []
    for c in range(3):
        fpr, tpr, _ = sk_metrics.roc_curve(np.asarray(example["y_true"]) == c, scores[:, c])
        expected += [[labels[c], round(float(f), 3), round(float(t), 3)] for f, t in zip(fpr, tpr)]
    chart = plot.roc_curve(example["y_true"], scores, labels=labels, classes_to_plot=[0, 1, 2],
                           title="ROC Curve for Disease Classification")
    check(server, example, tmp_path, chart, ["class", "fpr", "tpr"], expected)


@pytest.mark.parametrize("name", ["line_series_single", "line_series_multiple", "line_series_keys"])
def test_line_series_hold_one_row_per_point(server: Server, logged: dict[str, Any], tmp_path: Path,
                                           name: str) -> None:
    example = logged[name]
    xs, ys, keys = example["xs"], example["ys"], example["keys"]
    expected = [[x, key, y] for key, xx, yy in zip(keys, xs, ys) for x, y in zip(xx, yy)]
    title, xname = {"line_series_single": ("title", "step"), "line_series_multiple": ("Multiple X Arrays Example",
                    "Step"), "line_series_keys": ("Custom Line Labels Example", "Step")}[name]
    chart = plot.line_series(xs, ys, keys=keys, title=title, xname=xname)
    check(server, example, tmp_path, chart, ["step", "lineKey", "lineVal"], expected)


TABLE_CHARTS = {
    "feature_scatter": lambda t: plot.scatter(t, x="feature_1", y="feature_2", title="Feature Distribution"),
    "bar_plot": lambda t: plot.bar(t, label="class", value="accuracy", title="Object Classification Accuracy"),
    "histogram": lambda t: plot.histogram(t, value="height", title="My Histogram"),
    "line": lambda t: plot.line(t, x="step", y="value", stroke="series", title="Multi-Series Line Plot"),
    "plot_table": lambda t: plot.plot_table("wandb/line/v0", t, {"x": "x", "y": "y", "title": "MY TITLE"},
                                            {"title": "Title"}),
    "scatter": lambda t: plot.scatter(t, x="altitude (m)", y="temperature (°C)", title="Altitude vs Temperature"),
}


@pytest.mark.parametrize("name", sorted(TABLE_CHARTS))
def test_charts_over_a_users_table_store_it_unchanged(server: Server, logged: dict[str, Any], tmp_path: Path,
                                                       name: str) -> None:
    example = logged[name]
    chart = TABLE_CHARTS[name](Table(columns=example["columns"], data=example["data"]))
    check(server, example, tmp_path, chart, example["columns"], example["data"])


def test_charts_logged_beside_a_scalar_leave_it_in_the_same_row(server: Server, logged: dict[str, Any]) -> None:
    run = runbase.Api(overrides={"base_url": server.url}, api_key=server.key).run(logged["pr_split"]["path"])
    (row,) = list(run.scan_history())
    assert row["loss"] == 0.5 and row["_step"] == 0
    # runbase names what a nested dict holds KEY/SUB (W&B: KEY.SUB), charts included.
    assert {"loss", "Custom Chart Tables/pr_table", "grp/inner_table"} <= set(row)
    assert "pr" not in row and "pr_table" not in row and not row.get("grp")  # no chart left in the row
