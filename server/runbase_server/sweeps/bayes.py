"""Bayes search: a Gaussian process fitted to the finished runs' metric proposes the point of highest expected
improvement.

scikit-learn's GaussianProcessRegressor does the numerics (a Matern 5/2 kernel with a noise term, its
hyperparameters fitted by maximum likelihood with restarts). It was chosen over optuna because it is a plain
model, refitted from the runs on every suggestion: nothing to persist between requests or servers, and
optuna's own GP sampler needs PyTorch.

Every parameter is searched in a unit coordinate: the u in [0, 1] that search.py's inverse CDFs turn into a value
(so log scales are searched in log space, normal ones through their CDF), a categorical one as one coordinate
per value (one-hot). A proposal is decoded through those same inverse CDFs, so it respects each domain: bounds,
quantization, integers, the values of a categorical. Until enough runs have finished the suggestion is random
search's; a suggestion is a function of the sweep's seed, its number and the runs, so it can be reproduced.
Runs still going count as their predicted value (the "kriging believer"), so agents asking at once get
different points."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .config import Parameter, SweepConfig, leaves
from .search import bounded, exp, nested, quantized, sample

CANDIDATES = 2000  # random points the acquisition is evaluated at
LOCAL_CANDIDATES = 500  # and points near the best runs so far
LOCAL_SCALE = 0.05  # their spread, in unit coordinates
BEST_ANCHORS = 5
PENDING_LIMIT = 50  # runs still going that the model believes (the newest)
RESTARTS = 0  # fits of the kernel from random starting points, besides the default one
FIT_ITERATIONS = 50  # L-BFGS iterations a fit may take: the suggestion is wanted in well under a second
EDGE = 1e-6  # unit coordinates stay inside (0, 1), where every inverse CDF is finite


@dataclass(frozen=True)
class Observed:
    """A run for the model: its parameters (nested as the configuration nests them) and its metric."""

    parameters: dict[str, Any]
    value: float


def minimum_runs(config: SweepConfig) -> int:
    """Finished runs needed before the model is used: enough to fit a length scale per coordinate."""
    return max(5, _width(config) + 1)


def _width(config: SweepConfig) -> int:
    return sum(len(p.values or []) if p.distribution == "categorical" else 1
               for _, p in leaves(config.parameters) if p.distribution != "constant")


def suggest(config: SweepConfig, *, seed: int, number: int, observed: Sequence[Observed],
            pending: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    """The parameters of a bayes sweep's next run, given its finished runs (and those still going)."""
    assert config.metric is not None
    rng = np.random.default_rng([seed, number])
    params = [(path, p) for path, p in leaves(config.parameters)]
    rows = [(x, o.value) for o in observed if math.isfinite(o.value)
            for x in [_encode(params, o.parameters)] if x is not None]
    if len(rows) < minimum_runs(config):
        return nested([(path, sample(p, rng)) for path, p in params])
    sign = -1.0 if config.metric.goal == "maximize" else 1.0
    x = np.array([row for row, _ in rows])
    y = np.array([sign * value for _, value in rows])
    waiting = [row for row in (_encode(params, p) for p in pending) if row is not None]
    model = _fit(x, y, np.array(waiting) if waiting else None, seed=int(rng.integers(2**31)))
    candidates = _candidates(params, x[np.argsort(y)[:BEST_ANCHORS]], rng)
    mean, std = model.predict(candidates, return_std=True)
    best = _decoded(params, candidates[int(np.argmax(_expected_improvement(mean, std, float(y.min()))))])
    return nested(best)


def _fit(x: np.ndarray, y: np.ndarray, waiting: np.ndarray | None, *, seed: int) -> Any:
    """The model, fitted on one BLAS thread: its matrices are small, and a server's request threads would
    otherwise each start a pool of them."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel
    from threadpoolctl import threadpool_limits

    kernel = (ConstantKernel(1.0, (1e-3, 1e3)) * Matern(np.full(x.shape[1], 0.3), (1e-2, 1e2), nu=2.5)
              + WhiteKernel(1e-4, (1e-8, 1e-1)))
    model = GaussianProcessRegressor(kernel, optimizer=_lbfgs, normalize_y=True, n_restarts_optimizer=RESTARTS,
                                     random_state=seed)
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # a length scale at its bound: a flat coordinate
        model.fit(x, y)
        if waiting is None:
            return model
        believed = GaussianProcessRegressor(model.kernel_, normalize_y=True, optimizer=None)
        believed.fit(np.vstack([x, waiting]), np.concatenate([y, model.predict(waiting)]))
    return believed


def _lbfgs(objective: Any, start: np.ndarray, bounds: np.ndarray) -> tuple[np.ndarray, float]:
    """scikit-learn's own optimizer (L-BFGS-B on the log marginal likelihood), its iterations capped."""
    from scipy.optimize import minimize

    found = minimize(objective, start, method="L-BFGS-B", jac=True, bounds=bounds,
                     options={"maxiter": FIT_ITERATIONS})
    return found.x, float(found.fun)


def _expected_improvement(mean: np.ndarray, std: np.ndarray, best: float) -> np.ndarray:
    from scipy.stats import norm

    std = np.maximum(std, 1e-12)
    z = (best - mean) / std
    improvement: np.ndarray = (best - mean) * norm.cdf(z) + std * norm.pdf(z)
    return improvement


def _candidates(params: list[tuple[tuple[str, ...], Parameter]], anchors: np.ndarray,
                rng: np.random.Generator) -> np.ndarray:
    """Random points of the unit space, and points scattered around the best runs; categorical blocks stay one-hot."""
    width = sum(_size(p) for _, p in params)
    spread = rng.random((CANDIDATES, width))
    near = anchors[rng.integers(len(anchors), size=LOCAL_CANDIDATES)] \
        + rng.normal(0.0, LOCAL_SCALE, (LOCAL_CANDIDATES, width))
    points = np.clip(np.vstack([spread, near]), EDGE, 1 - EDGE)
    start = 0
    for _, p in params:
        size = _size(p)
        if p.distribution == "categorical":
            block = points[:, start:start + size]
            points[:, start:start + size] = np.eye(size)[np.argmax(block + rng.random(block.shape) * 1e-9, axis=1)]
        start += size
    return points


def _size(parameter: Parameter) -> int:
    if parameter.distribution == "constant":
        return 0
    return len(parameter.values or []) if parameter.distribution == "categorical" else 1


def _lookup(parameters: dict[str, Any], path: tuple[str, ...]) -> tuple[bool, Any]:
    place: Any = parameters
    for key in path:
        if not isinstance(place, dict) or key not in place:
            return False, None
        place = place[key]
    return True, place


def _encode(params: list[tuple[tuple[str, ...], Parameter]], parameters: dict[str, Any]) -> list[float] | None:
    """A run's parameters as unit coordinates; None when one is missing or outside its domain (a prior run's)."""
    row: list[float] = []
    for path, p in params:
        found, value = _lookup(parameters, path)
        if p.distribution == "constant":
            continue
        if not found:
            return None
        if p.distribution == "categorical":
            values = p.values or []
            if value not in values:
                return None
            row += [1.0 if i == values.index(value) else 0.0 for i in range(len(values))]
            continue
        u = _unit(p, value)
        if u is None:
            return None
        row.append(u)
    return row


def _unit(p: Parameter, value: Any) -> float | None:
    """The u whose inverse CDF (search.bounded, or the normal's and beta's) gives the value: its inverse."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    d = p.distribution or ""
    x = float(value)
    if "log" in d and x <= 0:
        return None
    if d in ("normal", "q_normal", "log_normal", "q_log_normal", "beta", "q_beta"):
        from scipy.stats import beta, norm

        x = math.log(x) if "log" in d else x
        u = float(beta.cdf(x, p.a, p.b)) if "beta" in d else float(norm.cdf(x, p.mu, p.sigma))
        return min(max(u, EDGE), 1 - EDGE)
    low, high = float(p.min or 0), float(p.max or 0)
    if d == "int_uniform":
        u = (x - low + 0.5) / (high - low + 1)
    else:
        if d.endswith("_values"):
            low, high = math.log(low), math.log(high)
        if d.startswith("inv_log_uniform"):
            if d.endswith("_values"):
                low, high = -high, -low
            u = 1 - (-math.log(x) - low) / (high - low)
        else:
            u = ((math.log(x) if "log_uniform" in d else x) - low) / (high - low)
    return min(max(u, EDGE), 1 - EDGE)


def _decoded(params: list[tuple[tuple[str, ...], Parameter]], point: np.ndarray) -> list[tuple[tuple[str, ...], Any]]:
    chosen: list[tuple[tuple[str, ...], Any]] = []
    start = 0
    for path, p in params:
        size = _size(p)
        coordinates = point[start:start + size]
        start += size
        if p.distribution == "constant":
            chosen.append((path, p.value))
        elif p.distribution == "categorical":
            chosen.append((path, (p.values or [])[int(np.argmax(coordinates))]))
        else:
            chosen.append((path, _value(p, float(coordinates[0]))))
    return chosen


def _value(p: Parameter, u: float) -> Any:
    d = p.distribution or ""
    if d in ("normal", "q_normal", "log_normal", "q_log_normal", "beta", "q_beta"):
        from scipy.stats import beta, norm

        x = float(beta.ppf(u, p.a, p.b)) if "beta" in d else float(norm.ppf(u, p.mu, p.sigma))
        x = exp(x) if "log" in d else x
        return quantized(x, p.q) if d.startswith("q_") and p.q is not None else x
    return bounded(p, u)
