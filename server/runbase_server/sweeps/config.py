"""The sweep configuration (W&B's, as a dict or YAML file), checked when a sweep is created so that a mistake is
answered then, naming the key, rather than by the first agent.

W&B's semantics: `method` grid, random or bayes; `metric` {name, goal minimize|maximize, target}; `parameters`
of `value` (constant), `values` (categorical, with optional `probabilities`), `min`/`max` (int_uniform when both
are integers, else uniform), a `distribution` with its own keys (below), or `parameters` (nested);
`early_terminate` hyperband with `min_iter` (and `eta`) or `max_iter` and `s`; `run_cap`; `program`;
`command` with the agent's macros; `name`; `description`."""

from __future__ import annotations

import math
import re
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    ValidationError,
    field_validator,
    model_validator,
)

from ..errors import UserError

# Each distribution's keys: those it needs, and those it may take with their defaults (W&B's).
NEEDED: dict[str, tuple[str, ...]] = {
    "constant": ("value",), "categorical": ("values",), "int_uniform": ("min", "max"), "uniform": ("min", "max"),
    "q_uniform": ("min", "max"), "log_uniform": ("min", "max"), "log_uniform_values": ("min", "max"),
    "q_log_uniform": ("min", "max"), "q_log_uniform_values": ("min", "max"), "inv_log_uniform": ("min", "max"),
    "inv_log_uniform_values": ("min", "max"), "normal": (), "q_normal": (), "log_normal": (), "q_log_normal": (),
    "beta": (), "q_beta": (),
}
DEFAULTS: dict[str, dict[str, float]] = {
    "categorical": {}, "constant": {}, "int_uniform": {}, "uniform": {}, "q_uniform": {"q": 1.0},
    "log_uniform": {}, "log_uniform_values": {}, "q_log_uniform": {"q": 1.0}, "q_log_uniform_values": {"q": 1.0},
    "inv_log_uniform": {}, "inv_log_uniform_values": {}, "normal": {"mu": 0.0, "sigma": 1.0},
    "q_normal": {"mu": 0.0, "sigma": 1.0, "q": 1.0}, "log_normal": {"mu": 0.0, "sigma": 1.0},
    "q_log_normal": {"mu": 0.0, "sigma": 1.0, "q": 1.0}, "beta": {"a": 1.0, "b": 1.0},
    "q_beta": {"a": 1.0, "b": 1.0, "q": 1.0},
}
DISTRIBUTIONS = tuple(NEEDED)
GRIDDABLE = ("constant", "categorical", "int_uniform", "q_uniform")  # what grid search can enumerate
MACROS = ("env", "interpreter", "program", "args", "args_no_hyphens", "args_json", "args_json_file")
PROGRAM_MACROS = ("program", "args", "args_no_hyphens", "args_json", "args_json_file")  # they need `program`
DEFAULT_COMMAND = ["${env}", "${interpreter}", "${program}", "${args}"]
_MACRO = re.compile(r"\$\{([^}]*)\}")
MAX_GRID = 2**62  # combinations a grid may have (they are counted in a 64-bit column)
Number = StrictInt | StrictFloat


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("must be a finite number")
    return value


class Parameter(BaseModel):
    """One parameter: what W&B's sweep config allows under parameters.NAME."""

    model_config = ConfigDict(extra="forbid")

    value: Any = None
    values: list[Any] | None = None
    probabilities: list[Number] | None = None
    distribution: Literal[DISTRIBUTIONS] | None = None  # type: ignore[valid-type]
    min: Number | None = None
    max: Number | None = None
    mu: Number | None = None
    sigma: Number | None = None
    q: Number | None = None
    a: Number | None = None
    b: Number | None = None
    parameters: dict[str, Parameter] | None = None

    _finite_numbers = field_validator("min", "max", "mu", "sigma", "q", "a", "b")(_finite)

    @model_validator(mode="after")
    def _resolve(self) -> Parameter:
        given = self.model_fields_set
        if "parameters" in given:
            if given - {"parameters"}:
                raise ValueError(f"a nested parameter holds only `parameters`, not {sorted(given - {'parameters'})}")
            if not self.parameters:
                raise ValueError("`parameters` must name at least one parameter")
            return self
        if "value" in given and "values" in given:
            raise ValueError("give `value` (one value) or `values` (a list), not both")
        self.distribution = self.distribution or _inferred(self, given)
        _check_keys(self, given)
        _check_bounds(self)
        for key, default in DEFAULTS[self.distribution].items():
            if getattr(self, key) is None:
                setattr(self, key, default)
        return self


def _inferred(parameter: Parameter, given: set[str]) -> str:
    """W&B's reading of a parameter without `distribution`."""
    if "value" in given:
        return "constant"
    if "values" in given:
        return "categorical"
    if "min" in given and "max" in given:
        ints = type(parameter.min) is int and type(parameter.max) is int
        return "int_uniform" if ints else "uniform"
    raise ValueError("a parameter needs `value`, `values`, `min` and `max`, a `distribution` or nested "
                     "`parameters`")


def _check_keys(parameter: Parameter, given: set[str]) -> None:
    distribution = parameter.distribution or ""
    allowed = {*NEEDED[distribution], *DEFAULTS[distribution], "distribution"}
    if distribution == "categorical":
        allowed.add("probabilities")
    extra = sorted(given - allowed)
    if extra:
        raise ValueError(f"distribution {distribution} takes {sorted(allowed - {'distribution'})}, not {extra}")
    missing = [key for key in NEEDED[distribution] if key not in given]
    if missing:
        raise ValueError(f"distribution {distribution} needs {missing}")


def _check_bounds(parameter: Parameter) -> None:
    p, distribution = parameter, parameter.distribution or ""
    if distribution == "categorical":
        if not p.values:
            raise ValueError("`values` must hold at least one value")
        if p.probabilities is not None:
            if len(p.probabilities) != len(p.values):
                raise ValueError(f"`probabilities` has {len(p.probabilities)} entries for {len(p.values)} values")
            if any(not 0 <= x <= 1 for x in p.probabilities) or not math.isclose(sum(p.probabilities), 1.0,
                                                                                  abs_tol=1e-6):
                raise ValueError("`probabilities` must be between 0 and 1 and add up to 1")
    if p.min is not None and p.max is not None:
        if distribution == "int_uniform" and (type(p.min) is not int or type(p.max) is not int):
            raise ValueError("int_uniform needs integer `min` and `max`")
        if not p.min < p.max:
            raise ValueError(f"`min` ({p.min}) must be less than `max` ({p.max})")
        if distribution.endswith("_values") and p.min <= 0:
            raise ValueError(f"{distribution} takes the values themselves: `min` must be above 0, not {p.min}")
    for key in ("sigma", "q", "a", "b"):
        if getattr(p, key) is not None and getattr(p, key) <= 0:
            raise ValueError(f"`{key}` must be above 0, not {getattr(p, key)}")


class Metric(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    goal: Literal["minimize", "maximize"] = "minimize"
    target: Number | None = None

    _finite_target = field_validator("target")(_finite)


class Hyperband(BaseModel):
    """W&B's early termination: brackets from min_iter (and eta), or from max_iter and s."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["hyperband"]
    min_iter: StrictInt | None = Field(default=None, ge=1)
    max_iter: StrictInt | None = Field(default=None, ge=1)
    s: StrictInt | None = Field(default=None, ge=1)
    eta: Number = 3
    strict: StrictBool = True  # W&B's schema default: a run is judged by its value at the bracket

    @model_validator(mode="after")
    def _brackets(self) -> Hyperband:
        if (self.min_iter is None) == (self.max_iter is None):
            raise ValueError("hyperband takes `min_iter` or `max_iter` (with `s`), one of them")
        if self.max_iter is not None and self.s is None:
            raise ValueError("hyperband with `max_iter` needs `s`, the number of brackets")
        if not (math.isfinite(self.eta) and self.eta > 1):
            raise ValueError(f"`eta` must be above 1, not {self.eta}")
        if self.max_iter is not None and self.max_iter / self.eta < 1:
            raise ValueError(f"hyperband has no bracket: max_iter / eta ({self.max_iter} / {self.eta}) is below 1")
        return self


class SweepConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    method: Literal["grid", "random", "bayes"]
    parameters: dict[str, Parameter]
    metric: Metric | None = None
    early_terminate: Hyperband | None = None
    run_cap: StrictInt | None = Field(default=None, ge=1)
    program: str | None = Field(default=None, min_length=1)
    command: list[str] | None = None
    name: str | None = None
    description: str | None = None
    entity: str | None = None
    project: str | None = None

    @field_validator("parameters")
    @classmethod
    def _some(cls, parameters: dict[str, Parameter]) -> dict[str, Parameter]:
        if not parameters:
            raise ValueError("name at least one parameter")
        return parameters

    @field_validator("command")
    @classmethod
    def _macros(cls, command: list[str]) -> list[str]:
        if not command:
            raise ValueError("the command needs at least one word")
        for word in command:
            for macro in _MACRO.findall(word):
                if macro not in MACROS:
                    raise ValueError(f"unknown macro ${{{macro}}}; the agent fills "
                                     f"{', '.join('${' + m + '}' for m in MACROS)}")
        return command

    @model_validator(mode="after")
    def _consistent(self) -> SweepConfig:
        if self.program is None and self.command is not None:
            used = sorted({m for word in self.command for m in _MACRO.findall(word)} & set(PROGRAM_MACROS))
            if used:
                raise ValueError(f"command: {', '.join('${' + m + '}' for m in used)} needs `program`, which the "
                                 "configuration does not name")
        if self.method == "bayes" and self.metric is None:
            raise ValueError("method bayes needs `metric` (the value to optimize)")
        if self.early_terminate is not None and self.metric is None:
            raise ValueError("early_terminate needs `metric` (the value runs are compared on)")
        if self.method == "grid":
            for name, parameter in leaves(self.parameters):
                if parameter.distribution not in GRIDDABLE:
                    raise ValueError(f"parameters.{'.'.join(name)}: grid search enumerates values, which "
                                     f"distribution {parameter.distribution} does not have: give `values` (or an "
                                     "int_uniform or q_uniform distribution)")
        return self


def leaves(parameters: dict[str, Parameter], prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Parameter]]:
    """The parameters to choose, nested ones included, by path; sorted, so that every server enumerates and
    samples them in the same order."""
    found: list[tuple[tuple[str, ...], Parameter]] = []
    for name in sorted(parameters):
        parameter = parameters[name]
        if parameter.parameters is not None:
            found += leaves(parameter.parameters, (*prefix, name))
        else:
            found.append(((*prefix, name), parameter))
    return found


def _where(loc: tuple[int | str, ...]) -> str:
    """A pydantic error location as the key path a user wrote (parameters.lr.min)."""
    return ".".join(str(part) for part in loc)


def _explained(error: dict[str, Any]) -> str:
    where = _where(tuple(error["loc"]))
    if error["type"] == "extra_forbidden":
        return f"{where}: unknown key"
    if error["type"] == "missing":
        return f"{where}: missing (it is required)"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


def parse(document: Any) -> SweepConfig:
    """The configuration, or a UserError naming each bad key."""
    if not isinstance(document, dict):
        raise UserError("the sweep configuration must be a mapping (a dict, or a YAML/JSON object)")
    try:
        return SweepConfig.model_validate(document)
    except ValidationError as exc:
        problems = [_explained(dict(error)) for error in exc.errors()]
        raise UserError("invalid sweep configuration: " + "; ".join(problems[:10])) from None


def grid_size(config: SweepConfig) -> int:
    """How many combinations a grid sweep enumerates."""
    total = 1
    for name, parameter in leaves(config.parameters):
        total *= len(grid_values(parameter))
        if total > MAX_GRID:
            raise UserError(f"the grid has more than {MAX_GRID} combinations")
    return total


def grid_values(parameter: Parameter) -> list[Any]:
    """The values grid search takes for one parameter: q_uniform's are the multiples of q it can round to."""
    if parameter.distribution == "constant":
        return [parameter.value]
    if parameter.distribution == "categorical":
        return list(parameter.values or [])
    low, high = parameter.min, parameter.max
    assert low is not None and high is not None
    if parameter.distribution == "int_uniform":
        return list(range(int(low), int(high) + 1))
    q = parameter.q or 1.0
    first, last = round(low / q), round(high / q)
    if last - first > 1_000_000:
        raise UserError(f"q_uniform from {low} to {high} in steps of {q} has more than a million values")
    return [k * q for k in range(first, last + 1)]
