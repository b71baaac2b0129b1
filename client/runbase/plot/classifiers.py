"""Charts that evaluate a classifier: the confusion matrix, and precision-recall and ROC curves per class
(one against the rest). They are computed here, as W&B computes them (the curves with scikit-learn), into the
tables that W&B's chart specs read; the numbers are what a W&B user would get from the same data."""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from ..optional import require
from .custom_chart import CustomChart, new_table, plain, plot_table

T = TypeVar("T")

CURVE_SPEC = "wandb/area-under-curve/v0"
CURVE_DECIMALS = 3
SAMPLE_SEED = 42  # W&B's random_state when a curve has more points than a table holds


def _labels(values: Any, argument: str) -> list[Any]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise TypeError(f"{argument} must be a sequence of class labels, not {type(values).__name__}")
    labels = [plain(value) for value in values]
    for label in labels:
        try:
            hash(label)
        except TypeError:
            raise TypeError(f"{argument} must be a flat sequence of class labels, not hold a "
                            f"{type(label).__name__}") from None
        if isinstance(label, float) and math.isnan(label):
            raise ValueError(f"{argument} holds NaN, which is no class label")
    return labels


def _argmax(probs: Any) -> list[int]:
    np = require("numpy", what="runbase.plot.confusion_matrix")
    try:
        scores = np.asarray(probs, dtype=float)
    except (TypeError, ValueError):
        raise TypeError("probs must be numbers: one row of class probabilities per sample") from None
    if scores.ndim != 2 or scores.shape[1] == 0:
        raise ValueError(f"probs must have shape (num_samples, num_classes), not {scores.shape}")
    if not np.all(np.isfinite(scores)):
        raise ValueError("probs holds NaN or infinite values")
    return [int(i) for i in scores.argmax(axis=1)]


def confusion_matrix(probs: Sequence[Sequence[float]] | None = None, y_true: Sequence[T] | None = None,
                     preds: Sequence[T] | None = None, class_names: Sequence[str] | None = None,
                     title: str = "Confusion Matrix Curve", split_table: bool = False) -> CustomChart:
    """How often each true class was predicted as each class. Predictions are `preds`, or the most likely class
    of each row of `probs`. With `class_names`, labels are indices into it; without, the labels found are
    sorted and named Class_1, Class_2, ... The table holds every (Actual, Predicted) pair, row by row."""
    if probs is not None and preds is not None:
        raise ValueError("confusion_matrix takes probs or preds, not both")
    if probs is None and preds is None:
        raise ValueError("confusion_matrix needs probs (class probabilities per sample) or preds (predicted labels)")
    if y_true is None:
        raise ValueError("confusion_matrix needs y_true, the true labels")
    predicted_by = "preds" if probs is None else "probs"
    predicted = _labels(preds, "preds") if probs is None else _argmax(probs)
    actual = _labels(y_true, "y_true")
    if len(actual) != len(predicted):
        raise ValueError(f"y_true has {len(actual)} labels but {predicted_by} has {len(predicted)} predictions: "
                         "give one prediction per true label")
    if class_names is not None:
        if isinstance(class_names, (str, bytes)) or not isinstance(class_names, Iterable):
            raise TypeError(f"class_names must be a sequence of names, not {type(class_names).__name__}")
        names = list(class_names)
        index = {i: i for i in range(len(names))}
        for argument, labels in (("y_true", actual), (predicted_by, predicted)):
            outside = sorted({repr(label) for label in labels if label not in index})
            if outside:
                raise ValueError(f"{argument} holds labels {', '.join(outside[:5])} that are not indices of "
                                 f"class_names (0 to {len(names) - 1})")
    else:
        try:
            found = sorted(set(actual) | set(predicted))
        except TypeError:
            raise TypeError(f"y_true and {predicted_by} hold labels of kinds that cannot be ordered together "
                            "(numbers and strings, say)") from None
        index = {label: i for i, label in enumerate(found)}
        names = [f"Class_{i + 1}" for i in range(len(found))]
    counts = [[0] * len(names) for _ in names]
    for truth, guess in zip(actual, predicted):
        counts[index[truth]][index[guess]] += 1
    rows = [[names[i], names[j], float(counts[i][j])] for i in range(len(names)) for j in range(len(names))]
    columns = ["Actual", "Predicted", "nPredictions"]
    return plot_table("wandb/confusion_matrix/v1", new_table(columns, rows), {name: name for name in columns},
                      {"title": title}, split_table)


def _per_class(what: str, y_true: Any, y_probas: Any, labels: list[str] | None,
               classes_to_plot: Iterable[Any] | None) -> tuple[Any, list[tuple[Any, Any, Any]]]:
    """y_true as an array, and (name, class, scores) for each class to plot. As in W&B, column i of y_probas
    holds the scores of the i-th smallest class found in y_true, and `labels[c]` names an integer class c."""
    np = require("numpy", what=f"runbase.plot.{what}")
    if y_true is None or y_probas is None:
        raise ValueError(f"{what} needs y_true (the true labels) and y_probas (scores per sample and class)")
    truth = np.asarray(y_true)
    if truth.ndim != 1 or len(truth) == 0:
        raise ValueError(f"y_true must be a non-empty sequence of class labels, not of shape {truth.shape}")
    if truth.dtype.kind not in "biufU":
        raise TypeError(f"y_true must hold numbers, booleans or strings (one kind), not {truth.dtype} values")
    if truth.dtype.kind == "f" and not np.all(np.isfinite(truth)):
        raise ValueError("y_true holds NaN or infinite values")
    try:
        scores = np.asarray(y_probas, dtype=float)
    except (TypeError, ValueError):
        raise TypeError("y_probas must be numbers: one row of class scores per sample") from None
    if scores.ndim != 2 or scores.shape[0] != len(truth):
        raise ValueError(f"y_probas must have shape (num_samples, num_classes) with num_samples = {len(truth)} "
                         f"(the length of y_true), not {scores.shape}")
    if not np.all(np.isfinite(scores)):
        raise ValueError("y_probas holds NaN or infinite values")
    classes = np.unique(truth)
    if len(classes) > scores.shape[1]:
        raise ValueError(f"y_true holds {len(classes)} classes but y_probas has {scores.shape[1]} columns: "
                         "give one column of scores per class")
    if len(classes) < scores.shape[1]:
        warnings.warn(f"{what}: y_true holds {len(classes)} classes but y_probas has {scores.shape[1]} columns; "
                      f"as in W&B, column i is read as the scores of the i-th class found ({classes.tolist()})",
                      stacklevel=4)
    integer = classes.dtype.kind in "iu"
    if labels is not None and integer:
        if isinstance(labels, (str, bytes)) or not isinstance(labels, Iterable):
            raise TypeError(f"labels must be a sequence of class names, not {type(labels).__name__}")
        labels = list(labels)
        unnamed = [int(c) for c in classes if not 0 <= c < len(labels)]
        if unnamed:
            raise ValueError(f"labels has {len(labels)} names, so it names classes 0 to {len(labels) - 1}, but "
                             f"y_true holds classes {unnamed}")
    chosen = np.ones(len(classes), dtype=bool)
    if classes_to_plot is not None:
        if isinstance(classes_to_plot, (str, bytes)) or not isinstance(classes_to_plot, Iterable):
            raise TypeError(f"classes_to_plot must be a sequence of classes, not {type(classes_to_plot).__name__}")
        wanted = [plain(c) for c in classes_to_plot]
        chosen = np.isin(classes, np.asarray(wanted))
        if not chosen.any():
            raise ValueError(f"classes_to_plot ({wanted}) holds none of the classes in y_true ({classes.tolist()})")
    picked = [(labels[int(c)] if labels is not None and integer else c.item(), c, scores[:, i])
              for i, c in enumerate(classes) if chosen[i]]
    return truth, picked


def _curve_chart(what: str, columns: list[str], points: list[tuple[Any, Any, Any]], fields: dict[str, str],
                 strings: dict[str, str], split_table: bool) -> CustomChart:
    """The table of (class, a, b) points, rounded as W&B rounds them; past a table's rows, a sample stratified
    by class (W&B's, with its seed), sorted by a, b, class."""
    from ..data_types.table import Table

    np = require("numpy", what=f"runbase.plot.{what}")
    names = [name for name, a, _ in points for _ in range(len(a))]
    # Python's round, exact on each value's decimal expansion (numpy's rounds the value times 1000, so
    # 0.0375, which is a hair below it, would go up).
    first = np.array([round(float(v), CURVE_DECIMALS) for a in (a for _, a, _ in points) for v in a])
    second = np.array([round(float(v), CURVE_DECIMALS) for b in (b for _, _, b in points) for v in b])
    if len(names) > Table.MAX_ROWS:
        warnings.warn(f"{what}: {len(names)} points are more than a table's {Table.MAX_ROWS} rows; a sample of "
                      f"{Table.MAX_ROWS}, stratified by class, is logged", stacklevel=3)
        utils = require("sklearn.utils", what=f"runbase.plot.{what}", package="scikit-learn")
        classes = np.asarray(names)
        first, second, classes = utils.resample(first, second, classes, replace=False, n_samples=Table.MAX_ROWS,
                                                random_state=SAMPLE_SEED, stratify=classes)
        order = np.lexsort((classes, second, first))
        first, second, names = first[order], second[order], classes[order].tolist()
    rows = [[name, a, b] for name, a, b in zip(names, first.tolist(), second.tolist())]
    return plot_table(CURVE_SPEC, new_table(columns, rows), fields, strings, split_table)


def _metrics(what: str) -> Any:
    return require("sklearn.metrics", what=f"runbase.plot.{what}", package="scikit-learn")


def _curves(what: str, y_true: Any, y_probas: Any, labels: list[str] | None, classes_to_plot: Any,
            curve: Callable[[Any, Any, Any], tuple[Any, Any]]) -> list[tuple[Any, Any, Any]]:
    """(name, a, b) per class plotted, `curve(y_true, scores, positive_class)` giving a and b."""
    truth, picked = _per_class(what, y_true, y_probas, labels, classes_to_plot)
    return [(name, *curve(truth, scores, c)) for name, c, scores in picked]


def pr_curve(y_true: Iterable[T] | None = None, y_probas: Iterable[numbers.Number] | None = None,
             labels: list[str] | None = None, classes_to_plot: list[T] | None = None, interp_size: int = 21,
             title: str = "Precision-Recall Curve", split_table: bool = False) -> CustomChart:
    """Precision against recall for each class (one against the rest), at `interp_size` recall levels from 1
    down to 0: at each, the best precision reached at that recall or more (W&B's interpolation)."""
    if isinstance(interp_size, bool) or not isinstance(interp_size, numbers.Integral) or interp_size < 1:
        raise ValueError(f"interp_size must be a positive integer (how many recall levels), not {interp_size!r}")
    np = require("numpy", what="runbase.plot.pr_curve")
    metrics = _metrics("pr_curve")
    recall_levels = np.linspace(0, 1, int(interp_size))[::-1]

    def curve(truth: Any, scores: Any, positive: Any) -> tuple[Any, Any]:
        precision, recall, _ = metrics.precision_recall_curve(truth, scores, pos_label=positive)
        best = np.maximum.accumulate(precision)[::-1]  # recall ascending; best precision at this recall or more
        return best[np.searchsorted(recall[::-1], recall_levels, side="left")], recall_levels

    points = _curves("pr_curve", y_true, y_probas, labels, classes_to_plot, curve)
    return _curve_chart("pr_curve", ["class", "precision", "recall"], points,
                        {"x": "recall", "y": "precision", "class": "class"},
                        {"title": title, "x-axis-title": "Recall", "y-axis-title": "Precision"}, split_table)


def roc_curve(y_true: Sequence[numbers.Number], y_probas: Sequence[Sequence[float]] | None = None,
              labels: list[str] | None = None, classes_to_plot: list[numbers.Number] | None = None,
              title: str = "ROC Curve", split_table: bool = False) -> CustomChart:
    """The true positive rate against the false positive rate for each class (one against the rest), at
    scikit-learn's thresholds, unsmoothed."""
    metrics = _metrics("roc_curve")

    def curve(truth: Any, scores: Any, positive: Any) -> tuple[Any, Any]:
        if (truth == positive).all():
            raise ValueError(f"roc_curve needs samples of more than one class in y_true, not only {plain(positive)!r}")
        fpr, tpr, _ = metrics.roc_curve(truth, scores, pos_label=positive)
        return fpr, tpr

    points = _curves("roc_curve", y_true, y_probas, labels, classes_to_plot, curve)
    return _curve_chart("roc_curve", ["class", "fpr", "tpr"], points, {"x": "fpr", "y": "tpr", "class": "class"},
                        {"title": title, "x-axis-title": "False positive rate",
                         "y-axis-title": "True positive rate"}, split_table)
