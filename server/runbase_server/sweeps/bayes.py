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

import logging
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .config import Metric, Parameter, SweepConfig, leaves
from .search import bounded, exp, nested, quantized, sample

CANDIDATES = 2000  # random points the acquisition is evaluated at
LOCAL_CANDIDATES = 500  # and points near the best runs so far
LOCAL_SCALE = 0.05  # their spread, in unit coordinates
BEST_ANCHORS = 5
PENDING_LIMIT = 50  # runs still going that the model believes (the newest)
BEST_RUNS = 100  # ended runs the model is fitted on: the best (model_runs)
NEWEST_RUNS = 100  # and the newest
RESTARTS = 0  # fits of the kernel from random starting points, besides the default one
FIT_ITERATIONS = 50  # L-BFGS iterations a fit may take: the suggestion is wanted in well under a second
EDGE = 1e-6  # unit coordinates stay inside (0, 1), where every inverse CDF is finite
OUTLIER = 10.0  # robust scales from the median past which a metric's value is compressed (_scaled)
FIT_FAILURES = (ValueError, ArithmeticError, np.linalg.LinAlgError)

log = logging.getLogger("runbase.server")


@dataclass(frozen=True)
class Observed:
    """A run for the model: its parameters (nested as the configuration nests them) and its metric."""

    parameters: dict[str, Any]
    value: float


@dataclass(frozen=True)
class Evaluated:
    """A run of the sweep as W&B's bayes search reads it: its parameters, state, and the finite numbers it
    logged or summarized under the metric (the least and greatest; the last it logged)."""

    parameters: dict[str, Any]
    state: str
    low: float | None = None
    high: float | None = None
    last: float | None = None


TERMINAL = ("finished", "failed", "crashed", "killed")
IMPUTED = ("failed", "crashed", "killed")  # ended without finishing: their metric is imputed (metric.impute)
NO_VALUE = 0.0  # W&B's value for a metric imputed from nothing


def observations(runs: Sequence[Evaluated], metric: Metric) -> list[Observed]:
    """The runs the model learns from, and their metric, as W&B's bayes search takes them: a finished run's
    best value (its min when minimizing, max when maximizing); a failed, crashed or killed one's imputed
    (`impute`: worst, the worst value of any ended run, by default; best, its own best; latest, the last it
    logged); a running one's best only with `impute_while_running` (else it counts as still going, as pending
    and preempted ones do, at the model's prediction: the claim passes those)."""
    maximize = metric.goal == "maximize"
    worsts = [run.low if maximize else run.high for run in runs if run.state in TERMINAL]
    found = [value for value in worsts if value is not None]
    worst = (min(found) if maximize else max(found)) if found else NO_VALUE

    def best(run: Evaluated) -> float | None:
        return run.high if maximize else run.low

    def imputed(run: Evaluated, strategy: str) -> float:
        if strategy == "worst":
            return worst
        value = best(run) if strategy == "best" else run.last
        return NO_VALUE if value is None else value

    strategies: dict[str, str] = {"finished": metric.impute or "worst"}
    if metric.observes_running:
        strategies["running"] = str(metric.impute_while_running)
    observed = []
    for run in runs:
        if run.state in IMPUTED:
            value = imputed(run, metric.impute or "worst")
        elif run.state in strategies:  # its best value; one without any imputed as the strategy says
            own = best(run)
            value = imputed(run, strategies[run.state]) if own is None else own
        else:
            continue
        observed.append(Observed(run.parameters, value))
    return observed


def minimum_runs(config: SweepConfig) -> int:
    """Finished runs needed before the model is used: enough to fit a length scale per coordinate."""
    return max(5, _width(config) + 1)


def _width(config: SweepConfig) -> int:
    return sum(len(p.values or []) if p.distribution == "categorical" else 1
               for _, p in leaves(config.parameters) if p.distribution != "constant")


@dataclass
class Model:
    """The fitted model of a sweep's runs: the slow part of a suggestion, made before the suggestion is claimed
    (outside any write transaction), so that claiming it stays short."""

    x: np.ndarray
    y: np.ndarray
    kernel: Any  # the fitted kernel, its hyperparameters fixed
    model: Any


def model_runs(observed: Sequence[Observed], *, maximize: bool) -> list[Observed]:
    """The runs the model is fitted on, given the sweep's ended runs oldest first: the BEST_RUNS best and the
    NEWEST_RUNS newest. A fit costs the cube of its runs; these keep the region expected improvement exploits
    and where the search is now, and about 200 runs fit in well under a second."""
    if len(observed) <= BEST_RUNS + NEWEST_RUNS:
        return list(observed)
    order = sorted(range(len(observed)), key=lambda i: -observed[i].value if maximize else observed[i].value)
    keep = set(order[:BEST_RUNS]) | set(range(len(observed) - NEWEST_RUNS, len(observed)))
    return [observed[i] for i in sorted(keep)]


def fit(config: SweepConfig, *, seed: int, observed: Sequence[Observed]) -> Model | None:
    """The model of the runs (model_runs picks them); None while too few have ended, when random search's
    suggestion is used."""
    assert config.metric is not None
    params = [(path, p) for path, p in leaves(config.parameters)]
    maximize = config.metric.goal == "maximize"
    rows = [(x, o.value) for o in model_runs([o for o in observed if math.isfinite(o.value)], maximize=maximize)
            for x in [_encode(params, o.parameters)] if x is not None]
    if len(rows) < minimum_runs(config):
        return None
    sign = -1.0 if maximize else 1.0
    x = np.array([row for row, _ in rows])
    y = _scaled(np.array([sign * value for _, value in rows]))
    try:
        model = _fit(x, y, seed=int(np.random.default_rng([seed, len(rows)]).integers(2**31)))
    except FIT_FAILURES as error:
        log.warning("bayes sweep: the model of %d runs could not be fitted (%s); random search suggests", len(rows),
                    error)
        return None
    return Model(x, y, model.kernel_, model)


def _scaled(y: np.ndarray) -> np.ndarray:
    """The metric as the model learns it: its order kept, centred on the median and in units of the spread of its
    middle half, values beyond OUTLIER of those units compressed logarithmically. So a few huge values (any
    finite float) neither overflow the fit's squares nor flatten the others; ordinary metrics are only shifted
    and scaled, which the fit's own normalisation undoes. Halved first, so that no difference overflows."""
    half = y / 2
    centre = float(np.median(half))
    low, high = np.percentile(half, [25, 75])
    spread = float(high - low) or float(np.max(np.abs(half - centre))) or 1.0
    with np.errstate(over="ignore"):
        z = np.clip((half - centre) / spread, -np.finfo(float).max, np.finfo(float).max)
    beyond = np.abs(z) > OUTLIER
    z[beyond] = np.sign(z[beyond]) * (OUTLIER + np.log1p(np.abs(z[beyond]) - OUTLIER))
    return z


def suggest(config: SweepConfig, *, seed: int, number: int, observed: Sequence[Observed] = (),
            pending: Sequence[dict[str, Any]] = (), model: Model | None = None) -> dict[str, Any]:
    """The parameters of a bayes sweep's next run, given its finished runs (or the model of them) and those
    still going (believed at their predicted value: no kernel fit, only a solve)."""
    if model is None and observed:
        model = fit(config, seed=seed, observed=observed)
    params = [(path, p) for path, p in leaves(config.parameters)]
    if model is None:
        return _random(params, seed=seed, number=number)
    rng = np.random.default_rng([seed, number])
    waiting = [row for row in (_encode(params, p) for p in pending) if row is not None]
    candidates = _candidates(params, model.x[np.argsort(model.y)[:BEST_ANCHORS]], rng)
    try:
        believed = _believed(model, np.array(waiting)) if waiting else model.model
        mean, std = believed.predict(candidates, return_std=True)
        improvement = _expected_improvement(mean, std, float(model.y.min()))
        if not np.isfinite(improvement).any():
            raise ArithmeticError("no candidate has a finite expected improvement")
    except FIT_FAILURES as error:
        log.warning("bayes sweep: the model could not predict (%s); random search suggests", error)
        return _random(params, seed=seed, number=number)
    best = _decoded(params, candidates[int(np.nanargmax(np.where(np.isfinite(improvement), improvement, np.nan)))])
    return nested(best)


def _random(params: list[tuple[tuple[str, ...], Parameter]], *, seed: int, number: int) -> dict[str, Any]:
    """Random search's suggestion: before the model is fitted, or when it fails."""
    rng = np.random.default_rng([seed, number])
    return nested([(path, sample(p, rng)) for path, p in params])


def _fit(x: np.ndarray, y: np.ndarray, *, seed: int) -> Any:
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
    return model


def _believed(model: Model, waiting: np.ndarray) -> Any:
    """The model with the runs still going added at their predicted values, its kernel kept as fitted."""
    from sklearn.gaussian_process import GaussianProcessRegressor
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        believed = GaussianProcessRegressor(model.kernel, normalize_y=True, optimizer=None)
        believed.fit(np.vstack([model.x, waiting]), np.concatenate([model.y, model.model.predict(waiting)]))
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
    if "log" in d and x <= 0:  # a quantized log value rounded to 0: the low end of its domain, kept
        return 1 - EDGE if d.startswith("inv_log") else EDGE
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
