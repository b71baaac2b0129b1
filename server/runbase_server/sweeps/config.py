"""The sweep configuration (W&B's, as a dict or YAML file), checked when a sweep is created so that a mistake is
answered then, naming the key, rather than by the first agent.

W&B's semantics: `method` grid, random or bayes; `metric` {name, goal minimize|maximize, target}; `parameters`
of `value` (constant), `values` (categorical, with optional `probabilities`), `min`/`max` (int_uniform when both
are integers, else uniform), a `distribution` with its own keys (below), or `parameters` (nested);
`early_terminate` hyperband with `min_iter` (and `eta`) or `max_iter` and `s`; `run_cap`; `program`;
`command` with the agent's macros; `name`; `description`; `entity` and `project`; and W&B's bookkeeping keys,
stored and not acted on: `apiVersion`, `kind`, `controller` (runbase's server is always the controller, so a
`local` one works as a `cloud` one does), `metric.impute` and `metric.impute_while_running`. What needs W&B
Launch (`method: custom`, `scheduler`, `metrics`, `job`, `image_uri`) is refused as not supported.

Every value is one JSON holds (no NaN, infinities, dates or bytes), and every number a suggestion can take is
a finite float: bounds whose draws would overflow are refused here, naming the parameter."""

from __future__ import annotations

import json
import math
import re
import sys
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

import yaml
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
from ..names import MAX_LABEL_LENGTH

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
PROGRAM_MACROS = ("program", "args", "args_no_hyphens", "args_no_boolean_flags", "args_json",
                  "args_json_file")  # they need `program`
MACROS = ("env", "interpreter", *PROGRAM_MACROS)  # each a word of its own; and ${envvar:NAME} anywhere
ENVVAR = re.compile(r"envvar:[A-Z0-9_]*")  # W&B's names: upper-case letters, digits and _
DEFAULT_COMMAND = ["${env}", "${interpreter}", "${program}", "${args}"]
_MACRO = re.compile(r"\$\{([^}]*)\}")
MAX_GRID = 2**62  # combinations a grid may have (they are counted in a 64-bit column)
LARGEST = sys.float_info.max
LOG_LARGEST = math.log(LARGEST)  # exp() of anything above overflows
NORMAL_REACH = 40  # standard deviations: no normal draw of a 64-bit generator lies further out
LAUNCH_ONLY = {"job": "`job` (a W&B Launch job)", "image_uri": "`image_uri` (sweeps on W&B Launch)",
               "scheduler": "`scheduler` (W&B Launch's optuna, ax and wandb schedulers)",
               "metrics": "`metrics` (multi-objective search, which needs `method: custom`)"}
Number = StrictInt | StrictFloat


class NotBuilt(UserError):
    """A part of W&B's sweeps that runbase does not have: said so, never faked."""

    code = "NOT_IMPLEMENTED"


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
        if not (p.min < p.max or (distribution == "int_uniform" and p.min == p.max)):
            relation = "at most" if distribution == "int_uniform" else "less than"
            raise ValueError(f"`min` ({p.min}) must be {relation} `max` ({p.max})")
        if distribution.endswith("_values") and p.min <= 0:
            raise ValueError(f"{distribution} takes the values themselves: `min` must be above 0, not {p.min}")
    for key in ("sigma", "q", "a", "b"):
        if getattr(p, key) is not None and getattr(p, key) <= 0:
            raise ValueError(f"`{key}` must be above 0, not {getattr(p, key)}")
    _check_reach(p)


def _check_reach(p: Parameter) -> None:
    """Every draw a finite float: the largest one, before and after rounding to q, within a float's range."""
    d = p.distribution or ""
    if d in ("constant", "categorical", "int_uniform"):
        return
    mu, sigma = float(p.mu if p.mu is not None else 0.0), float(p.sigma if p.sigma is not None else 1.0)
    if d in ("normal", "q_normal"):
        reach, what = abs(mu) + NORMAL_REACH * sigma, f"`mu` ± {NORMAL_REACH} `sigma`"
    elif d in ("log_normal", "q_log_normal"):
        exponent = mu + NORMAL_REACH * sigma
        if exponent > LOG_LARGEST:
            raise ValueError(f"{d} draws exp(`mu` + {NORMAL_REACH} `sigma`) = exp({exponent:g}), beyond the largest "
                             f"float: `mu` + {NORMAL_REACH} `sigma` must be at most {LOG_LARGEST:.2f}")
        reach, what = math.exp(exponent), "its largest draw"
    elif d in ("beta", "q_beta"):
        reach, what = 1.0, "its largest draw"
    else:
        assert p.min is not None and p.max is not None
        low, high = float(p.min), float(p.max)
        if d.endswith("_values"):
            low, high = math.log(low), math.log(high)
        if not math.isfinite(high - low):
            raise ValueError(f"`max` - `min` ({p.max} - {p.min}) is beyond the largest float: narrow the range")
        if d.endswith("_values") or "log" not in d:
            reach = max(abs(float(p.min)), abs(float(p.max)))
        else:  # exp(x) for x up to max; inv_log_uniform's exp(-x) for x down to min
            top, bound = (-low, "-`min`") if d.startswith("inv") else (high, "`max`")
            if top > LOG_LARGEST:
                raise ValueError(f"{d} draws exp(x) for x up to {bound} ({top:g}), beyond the largest float: "
                                 f"{bound} must be at most {LOG_LARGEST:.2f}")
            reach = math.exp(top)
        what = "its largest draw"
    if not math.isfinite(reach):
        raise ValueError(f"{d}: {what} is beyond the largest float ({LARGEST:.3g})")
    if d.startswith("q_") and p.q is not None:
        steps = reach / p.q
        if not (math.isfinite(steps) and math.isfinite((math.floor(steps) + 1) * p.q)):
            raise ValueError(f"`q` ({p.q}) is too small for {d}: {what} ({reach:g}) divided by `q` is beyond "
                             "the largest float")


class Metric(BaseModel):
    """W&B's metric; bayes.observations reads `impute` and `impute_while_running` as W&B's bayes search does."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    goal: Literal["minimize", "maximize"] = "minimize"
    target: Number | None = None
    impute: Literal["latest", "best", "worst"] | None = None
    impute_while_running: Literal["latest", "best", "worst", "false"] | None = None

    _finite_target = field_validator("target")(_finite)

    @property
    def observes_running(self) -> bool:
        """W&B's impute_while_running: bayes learns from running runs' values so far instead of waiting."""
        return self.impute_while_running not in (None, "false")


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


class Controller(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["local", "cloud"]


class SweepConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    method: Literal["grid", "random", "bayes"]
    parameters: dict[str, Parameter]
    metric: Metric | None = None
    early_terminate: Hyperband | None = None
    run_cap: StrictInt | None = Field(default=None, ge=1)
    program: str | None = Field(default=None, min_length=1)
    command: list[str] | None = None
    name: str | None = Field(default=None, max_length=MAX_LABEL_LENGTH)  # the sweep's display name
    description: str | None = None
    entity: str | None = None
    project: str | None = None
    apiVersion: str | None = None  # noqa: N815 (W&B's key)
    kind: Literal["sweep"] | None = None
    controller: Controller | None = None

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
                if ENVVAR.fullmatch(macro):
                    continue
                if macro not in MACROS:
                    raise ValueError(f"unknown macro ${{{macro}}}; the agent fills "
                                     f"{', '.join('${' + m + '}' for m in MACROS)} and ${{envvar:NAME}} (NAME "
                                     "of upper-case letters, digits and _)")
                if word != f"${{{macro}}}":
                    raise ValueError(f"${{{macro}}} in {word!r}: the agent fills a macro only where it is a word "
                                     "of its own (as W&B's does), never inside another word")
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
                if parameter.probabilities is not None:
                    raise ValueError(f"parameters.{'.'.join(name)}: grid search takes every value once, so "
                                     "`probabilities` has no meaning there (W&B refuses it too)")
        return self

    @cached_property
    def axes(self) -> list[tuple[tuple[str, ...], Axis]]:
        """Grid search's values of each parameter, by path, made once per configuration read."""
        return [(path, grid_axis(parameter)) for path, parameter in leaves(self.parameters)]


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


JSON_TYPES = {str: "string", bool: "boolean", list: "list", dict: "mapping", type(None): "null"}


def _explained(error: dict[str, Any]) -> str:
    loc = tuple(error["loc"])
    if error["type"] in ("int_type", "float_type") and loc[-1:] in (("int",), ("float",)):  # a Number's union
        value = error["input"]
        return (f"{_where(loc[:-1])}: must be a number, not the {JSON_TYPES.get(type(value), 'value')} "
                f"{repr(value)[:40]}")
    where = _where(loc)
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
    problem = not_json(document)
    if problem:
        raise UserError(f"invalid sweep configuration: {problem}")
    launch = [LAUNCH_ONLY[key] for key in LAUNCH_ONLY if key in document]
    if document.get("method") == "custom":
        launch.insert(0, "`method: custom` (W&B Launch's custom schedulers)")
    if launch:
        raise NotBuilt(f"the sweep configuration uses {', '.join(launch)}: runbase does not support W&B Launch; "
                       "give `method` grid, random or bayes and run agents (`program` or `command`)")
    try:
        return SweepConfig.model_validate(document)
    except ValidationError as exc:
        problems = list(dict.fromkeys(_explained(dict(error)) for error in exc.errors()))  # a union errs twice
        raise UserError("invalid sweep configuration: " + "; ".join(problems[:10])) from None


def not_json(document: Any) -> str | None:
    """What in a parsed configuration JSON cannot hold, by key path: YAML's dates, bytes and sets, keys that are
    not strings, NaN and infinities."""
    stack: list[tuple[str, Any]] = [("", document)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(key, str):
                    return f"{where or 'the configuration'}: the key {key!r} is not a string"
                stack.append((f"{where}.{key}" if where else key, item))
        elif isinstance(value, list):
            stack.extend((f"{where}.{index}", item) for index, item in enumerate(value))
        elif isinstance(value, float) and not math.isfinite(value):
            return f"{where}: must be a finite number, not {value} (JSON has no NaN or infinities)"
        elif value is not None and not isinstance(value, (str, int, float, bool)):
            return f"{where}: a {type(value).__name__} is not a JSON value: give a string, number or list"
    return None


@dataclass(frozen=True)
class Axis:
    """The values grid search takes for one parameter, by position: a range's are computed, never listed (an
    int_uniform range may hold billions)."""

    size: int
    start: Any = 0
    step: Any = 1
    listed: tuple[Any, ...] | None = None
    constant: bool = False  # a `value`: W&B's grid search does not vary it, nor tell runs apart by it

    def __getitem__(self, index: int) -> Any:
        return self.listed[index] if self.listed is not None else self.start + index * self.step


def grid_axis(parameter: Parameter) -> Axis:
    """W&B's grid values: `values` without repeats (W&B hands a combination out once), int_uniform's integers
    from min to max, q_uniform's numpy.arange(min, max, q) (max itself excluded, as there)."""
    if parameter.distribution == "constant":
        return Axis(1, listed=(parameter.value,), constant=True)
    if parameter.distribution == "categorical":
        distinct: dict[str, Any] = {}
        for value in parameter.values or []:  # each value where it first stands
            distinct.setdefault(value_key(value), value)
        return Axis(len(distinct), listed=tuple(distinct.values()))
    low, high = parameter.min, parameter.max
    assert low is not None and high is not None
    if parameter.distribution == "int_uniform":
        return Axis(int(high) - int(low) + 1, start=int(low))
    q = parameter.q if parameter.q is not None else 1.0
    steps = (high - low) / q
    size = max(math.ceil(steps), 0) if math.isfinite(steps) else MAX_GRID + 1
    if type(low) is int and type(high) is int and type(q) is int:
        return Axis(size, start=low, step=q)
    start = float(low)
    return Axis(size, start=start, step=(start + q) - start)  # numpy's arange steps by its second value's


def value_key(value: Any) -> str:
    """W&B tells grid values apart by their text, 3.0 as 3."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return json.dumps(value, sort_keys=True)


def grid_size(config: SweepConfig) -> int:
    """How many combinations a grid sweep enumerates."""
    total = 1
    for path, axis in config.axes:
        if axis.size == 0:
            raise UserError(f"parameters.{'.'.join(path)}: the grid takes no value from it (q_uniform's values "
                            "are numpy.arange(min, max, q))")
        total *= axis.size
        if total > MAX_GRID:
            raise UserError(f"the grid has more than {MAX_GRID} combinations")
    return total


_BASE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_FLOAT = "tag:yaml.org,2002:float"
_JSON_TAGS = ("null", "bool", "int", "float", "str", "seq", "map")


class _JSONLoader(_BASE_LOADER):  # type: ignore[misc]
    """YAML read as JSON's values: YAML 1.2's numbers (1e-5 is one, not text), dates left as text, and any
    other tag (!!binary, !!set, !!timestamp, !!python/...) refused."""

    yaml_constructors = {f"tag:yaml.org,2002:{name}": yaml.SafeLoader.yaml_constructors[f"tag:yaml.org,2002:{name}"]
                         for name in _JSON_TAGS}
    yaml_implicit_resolvers = {
        first: [(tag, pattern) for tag, pattern in resolvers
                if tag not in ("tag:yaml.org,2002:timestamp", _FLOAT)]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}

    def construct_undefined(self, node: yaml.Node) -> Any:
        raise yaml.constructor.ConstructorError(
            None, None, f"the tag {node.tag} has no JSON value: write plain strings, numbers, lists and mappings",
            node.start_mark)


_JSONLoader.add_constructor(None, _JSONLoader.construct_undefined)
_JSONLoader.add_implicit_resolver(_FLOAT, re.compile(r"""^(?:
    [-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
    |[-+]?\.[0-9_]+(?:[eE][-+]?[0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""", re.X), list("-+0123456789."))


def read(text: str) -> Any:
    """The configuration's document from its text: JSON first (what the SDK sends), else YAML without aliases,
    which would let a few hundred bytes expand to gigabytes."""
    try:
        return json.loads(text)
    except ValueError:
        pass
    except RecursionError:
        raise UserError("the sweep configuration is nested too deeply") from None
    try:
        for event in yaml.parse(text, Loader=_BASE_LOADER):
            if isinstance(event, yaml.AliasEvent):
                raise UserError(f"the sweep configuration uses a YAML alias (*{event.anchor}, line "
                                f"{event.start_mark.line + 1}): runbase reads YAML without aliases; write the "
                                "values out")
        return yaml.load(text, Loader=_JSONLoader)
    except (yaml.YAMLError, ValueError) as exc:
        raise UserError(f"the sweep configuration is neither YAML nor JSON: {exc}") from None
    except RecursionError:
        raise UserError("the sweep configuration is nested too deeply") from None
