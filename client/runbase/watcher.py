"""run.watch(): hooks on PyTorch models that log their gradients' and parameters' histograms every `log_freq`
batches, and their graph, under W&B's keys and at W&B's moments, so that dashboards built on W&B's
`gradients/...` and `parameters/...` charts read the same:

- a gradient histogram is taken in a hook on each parameter, counted per backward pass through it; the
  parameter histograms in a forward hook on the model, counted per forward pass; each logs on every
  `log_freq`-th call, with commit=False, so it rides on the step the script logs next;
- 64 bins over the tensor's finite values (NaN and infinities are dropped; a tensor with none is skipped),
  a sparse tensor's implicit zeros counted into the bin that holds zero;
- keys `gradients/NAME` and `parameters/NAME` for the run's first model, `gradients/graph_IDXNAME` after it;
- the graph, with log_graph=True, as the summary key `graph_IDX` once every layer has run forward once.

torch is imported here only, when a model is watched: `import runbase` never loads it."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Sequence
from functools import reduce
from operator import mul
from typing import TYPE_CHECKING, Any

from .errors import UsageError
from .optional import require

if TYPE_CHECKING:
    from .data_types.graph import Graph
    from .run import Run

Module = Any  # torch.nn.Module: Any, so that type-checking runbase never loads torch
LOG_CHOICES = ("gradients", "parameters", "all", None)
NUM_BINS = 64  # W&B's bins for a watched tensor's histogram
CONTAINERS = ("Sequential", "ModuleList", "ModuleDict")  # looked into for the graph, as W&B does


class WatchError(UsageError, ValueError):
    """Bad use of watch(); a ValueError too, which the reference documents for watch() before init()."""


class NotAModuleError(WatchError, TypeError):
    """Something that is not a torch.nn.Module was given as a model: a TypeError in W&B's code, a ValueError in
    its reference; both catch it."""


def _torch() -> Any:
    return require("torch", what="run.watch()")


class Every:
    """Counts calls and says yes to every n-th (W&B's log_track)."""

    def __init__(self, n: int) -> None:
        self.n, self.count = n, 0

    def __call__(self) -> bool:
        self.count += 1
        if self.count < self.n:
            return False
        self.count = 0
        return True


def histogram_of(tensor: Any) -> tuple[list[float], list[float]] | None:
    """W&B's histogram of a watched tensor: (counts, bin edges) of its finite values in 64 bins from its
    minimum to its maximum (one bin where they are equal); None where it has no finite value."""
    torch = _torch()
    tensor = tensor.detach()
    implicit_zeros = 0
    if tensor.layout != torch.strided:  # sparse: only the stored values, and a count of the zeros left out
        tensor = (tensor if tensor.is_sparse else tensor.to_sparse()).cpu().coalesce()
        implicit_zeros = tensor.numel() - tensor._values().numel()
        tensor = tensor._values()
    flat = tensor.reshape(-1)
    if flat.dtype not in (torch.float32, torch.float64):  # histc needs floats (half, bfloat16, ints)
        flat = flat.float()
    finite = torch.isfinite(flat)
    if not bool(finite.all()):
        flat = flat[finite]
    if flat.numel() == 0:
        return None
    low, high = flat.min().item(), flat.max().item()
    if implicit_zeros:
        low, high = min(low, 0.0), max(high, 0.0)
    if high - low > torch.finfo(flat.dtype).max:  # the bin width would overflow in float32: every count 0
        flat = flat.double()
    if low == high:
        counts, edges = [float(flat.numel())], [low, high]
    else:
        try:
            counts = flat.histc(bins=NUM_BINS, min=low, max=high).tolist()
        except RuntimeError:  # a device whose histc does not take this dtype
            counts = flat.cpu().double().histc(bins=NUM_BINS, min=low, max=high).tolist()
        edges = torch.linspace(low, high, steps=NUM_BINS + 1, dtype=torch.float64).tolist()
    if implicit_zeros:
        last = len(counts) - 1
        zero_bin = next((i for i in range(len(counts))
                         if edges[i] <= 0 < edges[i + 1] or (i == last and edges[i + 1] == 0)), 0)
        counts[zero_bin] += implicit_zeros
    return counts, edges


def nested_shape(value: Any, seen: set[int] | None = None) -> Any:
    """The shape of a layer's output, tensors nested in tuples and lists included (W&B's graph node field)."""
    seen = set() if seen is None else seen
    if hasattr(value, "size") and callable(value.size):
        return list(value.size())
    if hasattr(value, "shape"):
        return list(value.shape)
    seen.add(id(value))
    try:
        return [nested_shape(item, seen) if id(item) not in seen else 0 for item in list(value)]
    except TypeError:
        return []


class WatchedModel:
    """One watched model: its hooks (which unwatch takes off), and the keys they log under (which no other
    watched model may log under). The model itself is not kept: a loop that watches a new model per fold
    must not keep every fold's model alive."""

    def __init__(self, model: Module, keys: list[str], watcher: Watcher) -> None:
        self.model = weakref.ref(model, self._freed)
        self.id = id(model)
        self.keys = keys
        self.handles: list[Any] = []
        self.watcher = watcher

    def _freed(self, _: Any) -> None:
        """The model was freed: its entry goes (its id may be a new model's next)."""
        if self.watcher.models.get(self.id) is self:
            del self.watcher.models[self.id]

    def remove(self) -> None:
        for handle in self.handles:
            handle.remove()
        self.handles = []


class Watcher:
    """A run's watched models."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.models: dict[int, WatchedModel] = {}
        self.next_idx = 0  # the idx the next model gets where watch() is given none
        self._lock = threading.Lock()  # gradient hooks of models on several GPUs run on autograd's threads

    def watch(self, models: Module | Sequence[Module], criterion: Any = None, *,
              log: str | None, log_freq: int, idx: int | None, log_graph: bool) -> None:
        """See Run.watch. Everything is checked before the first hook is set: a refused call changes nothing."""
        if self.run._finished:
            raise UsageError("this run has finished; call runbase.init() to start a new one")
        if log not in LOG_CHOICES:
            raise WatchError(f"log must be 'gradients', 'parameters', 'all' or None, not {log!r}")
        if isinstance(log_freq, bool) or not isinstance(log_freq, int) or log_freq < 1:
            raise WatchError(f"log_freq must be a whole number of batches, 1 or more, not {log_freq!r}")
        if idx is not None and (isinstance(idx, bool) or not isinstance(idx, int) or idx < 0):
            raise WatchError(f"idx must be None or a whole number, 0 or more, not {idx!r}")
        listed = self._modules(models)
        from .data_types.histogram import Histogram  # needs numpy: refused here, not in the first hook

        start = self.next_idx if idx is None else idx
        planned: list[tuple[Module, int, str, list[str]]] = []
        taken = {key for watched in self.models.values() for key in watched.keys}
        for graph_idx, model in enumerate(listed, start):
            if id(model) in self.models or any(model is other for other, *_ in planned):
                raise WatchError(f"this {type(model).__name__} is watched already; call run.unwatch(model) "
                                 "before watching it again")
            prefix = f"graph_{graph_idx}" if graph_idx > 0 else ""
            keys = self._keys(model, prefix, log) + ([f"graph_{graph_idx}"] if log_graph else [])
            clash = sorted(taken.intersection(keys))
            if clash:
                raise WatchError(f"{clash[0]!r} is logged for another watched model already: pass each model "
                                 "a different idx")
            taken.update(keys)
            planned.append((model, graph_idx, prefix, keys))
        self.next_idx += len(listed)
        if self.run._disabled:
            return
        for model, graph_idx, prefix, keys in planned:
            watched = WatchedModel(model, keys, self)
            if log in ("parameters", "all"):
                watched.handles.append(self._parameter_hook(model, prefix, log_freq, Histogram))
            if log in ("gradients", "all"):
                watched.handles.extend(self._gradient_hooks(model, prefix, log_freq, Histogram))
            if log_graph:
                watched.handles.extend(GraphHooks(self, model, graph_idx).handles)
            self.models[id(model)] = watched

    def unwatch(self, models: Module | Sequence[Module] | None = None) -> None:
        """Take the hooks off the given models (a warning for one not watched), or off every watched one."""
        if models is None:
            for every in list(self.models.values()):
                every.remove()
            self.models.clear()
            return
        for model in self._modules(models):
            watched = self.models.pop(id(model), None)
            if watched is None:
                self.run._warn(f"run.unwatch(): this {type(model).__name__} is not watched")
            else:
                watched.remove()

    @staticmethod
    def _modules(models: Module | Sequence[Module]) -> list[Module]:
        torch = _torch()
        if isinstance(models, torch.nn.Module):
            return [models]
        if isinstance(models, (str, bytes)) or not isinstance(models, Sequence):
            raise NotAModuleError(f"expected a PyTorch model (torch.nn.Module) or a list of them, not "
                                  f"{type(models).__name__}")
        for model in models:
            if not isinstance(model, torch.nn.Module):
                raise NotAModuleError(f"expected PyTorch models (torch.nn.Module), not {type(model).__name__}")
        if not models:
            raise WatchError("no models given")
        return list(models)

    @staticmethod
    def _keys(model: Module, prefix: str, log: str | None) -> list[str]:
        keys = []
        if log in ("parameters", "all"):
            keys += [f"parameters/{prefix}{name}" for name, _ in model.named_parameters()]
        if log in ("gradients", "all"):
            keys += [f"gradients/{prefix}{name}" for name, p in model.named_parameters() if p.requires_grad]
        return keys

    def _log(self, data: dict[str, Any]) -> None:
        """Histograms (or the graph) onto the step the script logs next."""
        with self._lock:
            if not self.run._finished:
                self.run.log(data, commit=False)

    def _histograms(self, tensors: list[tuple[str, Any]], histogram: type[Any]) -> None:
        found = ((key, histogram_of(tensor)) for key, tensor in tensors)
        data = {key: histogram(np_histogram=counted) for key, counted in found if counted is not None}
        if data:
            self._log(data)

    def _parameter_hook(self, model: Module, prefix: str, log_freq: int, histogram: type[Any]) -> Any:
        due = Every(log_freq)

        def after_forward(module: Module, inputs: Any, output: Any) -> None:
            if due():
                self._histograms([(f"parameters/{prefix}{name}", p) for name, p in module.named_parameters()],
                                 histogram)

        return model.register_forward_hook(after_forward)

    def _gradient_hooks(self, model: Module, prefix: str, log_freq: int, histogram: type[Any]) -> list[Any]:
        def hook(key: str, due: Callable[[], bool]) -> Callable[[Any], None]:
            def on_gradient(gradient: Any) -> None:
                if due():
                    self._histograms([(key, gradient)], histogram)
            return on_gradient

        return [p.register_hook(hook(f"gradients/{prefix}{name}", Every(log_freq)))
                for name, p in model.named_parameters() if p.requires_grad]


class GraphHooks:
    """Forward hooks on a model's layers (inside Sequential, ModuleList and ModuleDict containers) that make
    W&B's torch graph: a node per layer, set as the summary key `graph_IDX` once each layer has run forward.
    W&B's torch graphs have no edges."""

    def __init__(self, watcher: Watcher, model: Module, graph_idx: int) -> None:
        from .data_types.graph import Graph

        self.watcher, self.key = watcher, f"graph_{graph_idx}"
        self.graph: Graph = Graph("torch")
        self.waiting: set[int] = set()
        self.handles: list[Any] = []
        self._hook_children(model, None, tuple(getattr(_torch().nn, name) for name in CONTAINERS))

    def _hook_children(self, module: Module, prefix: str | None, containers: tuple[type[Any], ...]) -> None:
        for position, (name, child) in enumerate(module.named_children()):
            name = name or str(position)
            name = f"{prefix}.{name}" if prefix else name
            if isinstance(child, containers):
                self._hook_children(child, name, containers)
            else:
                self.waiting.add(id(child))
                self.handles.append(child.register_forward_hook(self._after_forward(name)))

    def _after_forward(self, name: str) -> Callable[[Module, Any, Any], None]:
        def hook(module: Module, inputs: Any, output: Any) -> None:
            if id(module) not in self.waiting:
                return
            shapes = [(pname, list(p.size())) for pname, p in module.named_parameters()]
            self.graph.add_node(id=id(module), name=name, class_name=str(module), parameters=shapes,
                                output_shape=nested_shape(output if isinstance(output, tuple) else (output,)),
                                num_parameters=[reduce(mul, size, 1) for _, size in shapes])
            self.waiting.discard(id(module))
            if not self.waiting:
                with self.watcher._lock:
                    if not self.watcher.run._finished:
                        self.watcher.run.summary[self.key] = self.graph
        return hook
