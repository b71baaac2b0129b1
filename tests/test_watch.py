"""run.watch() and runbase.watch(): a PyTorch model's gradient and parameter histograms at W&B's steps and keys,
its graph, unwatch, and refused input. One training script runs against a real server (SQLite and PostgreSQL) and
is read back through the Public API; the rest runs in this process on offline runs."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
import runbase
from conftest import Server, run_script
from runbase.data_types.graph import Graph, Node
from runbase.data_types.media import DirectorySource, RunMediaStore
from runbase.records import HISTORY, read

torch = pytest.importorskip("torch", reason="run.watch() tests need PyTorch (scripts/test.sh installs it)")
from runbase.watcher import NUM_BINS, histogram_of  # noqa: E402 - imports torch when a model is watched only

TRAINING = """
import json, sys
import runbase
assert "torch" not in sys.modules, "import runbase must not import torch"
import torch

class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.act, self.fc2 = torch.nn.Linear(4, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))

torch.manual_seed(0)
net, head = Net(), torch.nn.Linear(3, 2)
run = runbase.init(project="watch")
run.watch(net, log="all", log_freq=3, log_graph=True)
runbase.watch(head, log="parameters", log_freq=2, idx=2)
parameters = [*net.parameters(), *head.parameters()]  # stepped by hand: torch.optim takes a second to import
expected = {}  # step -> key -> [min, max, number of values]

def stats(tensor):
    return [tensor.min().item(), tensor.max().item(), tensor.numel()]

for step in range(9):
    params = {**{f"parameters/{n}": stats(p) for n, p in net.named_parameters()},
              **{f"parameters/graph_2{n}": stats(p) for n, p in head.named_parameters()}}
    loss = head(net(torch.randn(8, 4))).pow(2).mean()
    loss.backward()
    grads = {f"gradients/{n}": stats(p.grad) for n, p in net.named_parameters()}
    logged = {}
    if step < 6 and step % 3 == 2:
        logged.update({k: v for k, v in {**params, **grads}.items() if not k.startswith("parameters/graph_2")})
    if step % 2 == 1:
        logged.update({k: v for k, v in params.items() if k.startswith("parameters/graph_2")})
    expected[step] = logged
    with torch.no_grad():
        for p in parameters:
            p -= 0.1 * p.grad
            p.grad = None
    run.log({"loss": loss.item()})
    if step == 5:
        run.unwatch(net)
        assert not net._forward_hooks and all(not m._forward_hooks for m in net.modules())
        assert all(not p._backward_hooks for p in net.parameters())
        assert head._forward_hooks
graph = runbase.Graph("torch")
graph.add_edge(graph.add_node(id=1, name="fc1"), graph.add_node(id=2, name="fc2", size=[16, 3]))
artifact = runbase.Artifact("net-graph", "graph")
artifact.add(graph, "net")
run.log_artifact(artifact)
run.finish()
assert not head._forward_hooks, "finish takes the hooks off"
print(json.dumps({"id": run.id, "expected": expected}))
"""


def test_watched_model_logs_histograms_and_graph_at_wandbs_steps(server: Server, sdk_env: dict[str, str],
                                                                 tmp_path: Path) -> None:
    found = json.loads(run_script(TRAINING, sdk_env).stdout.strip().splitlines()[-1])
    api = runbase.Api(overrides={"base_url": server.url}, api_key=server.key)
    api_run = api.run(f"watch/{found['id']}")
    rows = {row["_step"]: row for row in api_run.scan_history()}
    assert sorted(rows) == list(range(9))
    for step, logged in found["expected"].items():
        row = rows[int(step)]
        assert {key for key in row if "/" in key} == set(logged), f"step {step}"
        for key, (low, high, count) in logged.items():
            histogram = row[key]
            assert histogram["_type"] == "histogram" and len(histogram["values"]) == NUM_BINS
            assert len(histogram["bins"]) == NUM_BINS + 1 and sum(histogram["values"]) == count
            assert histogram["bins"][0] == pytest.approx(low) and histogram["bins"][-1] == pytest.approx(high)
    assert set(found["expected"]["2"]) >= {"gradients/fc1.weight", "gradients/fc2.bias", "parameters/fc1.bias"}
    assert set(found["expected"]["8"]) == set(), "nothing after unwatch, and the head logs on odd steps"
    described = api_run.summary["graph_0"]
    assert described["_type"] == "graph-file" and "graph_2" not in api_run.summary
    assert described["path"].startswith("media/graph/graph_0_summary_") and described["path"].endswith(".graph.json")
    downloaded = api_run.file(described["path"]).download(root=str(tmp_path / "got"))
    stored = json.loads(Path(downloaded.name).read_text())
    assert stored["format"] == "torch" and stored["edges"] == []
    assert [(n["name"], n["class_name"].split("(")[0]) for n in stored["nodes"]] == [
        ("fc1", "Linear"), ("act", "ReLU"), ("fc2", "Linear")]
    assert stored["nodes"][0]["parameters"] == [["weight", [16, 4]], ["bias", [16]]]
    assert stored["nodes"][0]["num_parameters"] == [64, 16] and stored["nodes"][0]["output_shape"] == [[8, 16]]
    graph = api.artifact("watch/net-graph:latest").get("net")  # a Graph added to an artifact reads back
    assert isinstance(graph, Graph) and graph.to_graph_json() == {
        "format": "torch", "nodes": [{"name": "fc1", "id": 1}, {"name": "fc2", "id": 2, "size": [16, 3]}],
        "edges": [[1, 2]]}


# -- in this process: offline runs ---------------------------------------------------------------------------

def offline(tmp_path: Path, **kwargs: Any) -> runbase.Run:
    return runbase.init(project="watch", mode="offline", settings={"root_dir": str(tmp_path), "quiet": True},
                        **kwargs)


def logged_rows(tmp_path: Path) -> list[dict[str, Any]]:
    [log] = (tmp_path / "runbase").glob("offline-run-*/run-*.runbase")
    return [row for record in read(log) if record["t"] == HISTORY for row in json.loads(record["rows"])]


def model() -> Any:
    return torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.ReLU(), torch.nn.Linear(5, 1))


def train(models: list[Any], run: runbase.Run, batches: int) -> None:
    for _ in range(batches):
        for net in models:
            net(torch.randn(2, 3)).sum().backward()
        run.log({"loss": 1.0})


def test_histogram_of_drops_nonfinite_values_and_counts_sparse_zeros() -> None:
    counts, edges = histogram_of(torch.tensor([1.0, float("nan"), 3.0, float("inf"), 2.0]))
    assert len(counts) == NUM_BINS and sum(counts) == 3 and (edges[0], edges[-1]) == (1.0, 3.0)
    assert histogram_of(torch.tensor([float("nan"), float("-inf")])) is None
    assert histogram_of(torch.tensor([])) is None
    assert histogram_of(torch.full((4,), 2.5)) == ([4.0], [2.5, 2.5])  # all equal: one bin
    assert histogram_of(torch.arange(10, dtype=torch.int64))[1][-1] == 9.0  # integers, binned as floats
    assert sum(histogram_of(torch.tensor([1.0, 2.0, 3.0], dtype=torch.float16))[0]) == 3
    sparse = torch.sparse_coo_tensor([[0, 5]], [2.0, 4.0], (10,), check_invariants=True)
    counts, edges = histogram_of(sparse)
    assert edges[0] == 0.0 and edges[-1] == 4.0 and counts[0] == 8 and sum(counts) == 10


def test_keys_of_several_models_and_log_none(tmp_path: Path) -> None:
    run = offline(tmp_path)
    first, second, third, silent = model(), model(), model(), model()
    run.watch([first, second], log="gradients", log_freq=1, idx=3)
    run.watch(third, log="parameters", log_freq=2)  # the run's next idx: 2 models watched so far
    run.watch(silent, log=None)
    assert not silent._forward_hooks and all(not p._backward_hooks for p in silent.parameters())
    train([first, second, third, silent], run, 2)
    run.finish()
    first_row, second_row = logged_rows(tmp_path)
    gradients = {f"gradients/graph_{i}{n}" for i in (3, 4) for n in ("0.weight", "0.bias", "2.weight", "2.bias")}
    assert {k for k in first_row if "/" in k} == gradients
    assert {k for k in second_row if "/" in k} == gradients | {f"parameters/graph_2{n}" for n in
                                                               ("0.weight", "0.bias", "2.weight", "2.bias")}


def test_unwatch_takes_every_hook_off(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = offline(tmp_path)
    nets = [model(), model()]
    run.watch(nets, log="all", log_freq=1, log_graph=True)
    run.unwatch()
    for net in nets:
        assert all(not m._forward_hooks for m in net.modules()) and all(not p._backward_hooks for p in
                                                                         net.parameters())
    run.watch(nets[0], log_freq=1, idx=0)  # unwatched: it may be watched again, under the same keys
    run.unwatch(nets[1])
    assert "is not watched" in capsys.readouterr().err
    train(nets, run, 1)
    run.finish()
    [row] = logged_rows(tmp_path)
    assert "gradients/0.weight" in row and not any(k.startswith(("parameters/", "graph")) for k in row)


def test_disabled_run_checks_and_hooks_nothing(tmp_path: Path) -> None:
    run = runbase.init(mode="disabled")
    net = model()
    run.watch(net, log="all", log_graph=True)
    assert not net._forward_hooks
    with pytest.raises(ValueError, match="log must be"):
        run.watch(net, log="weights")


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"models": "net"}, TypeError, "expected a PyTorch model"),
    ({"models": [torch.nn.Linear(1, 1), 3]}, ValueError, "expected PyTorch models"),
    ({"models": []}, ValueError, "no models given"),
    ({"log": "weights"}, ValueError, "log must be 'gradients', 'parameters', 'all' or None"),
    ({"log_freq": 0}, ValueError, "log_freq must be"),
    ({"log_freq": -5}, ValueError, "log_freq must be"),
    ({"log_freq": 2.5}, ValueError, "log_freq must be"),
    ({"log_freq": True}, ValueError, "log_freq must be"),
    ({"idx": -1}, ValueError, "idx must be"),
])
def test_bad_input_is_refused_and_hooks_nothing(tmp_path: Path, kwargs: dict[str, Any], error: type[Exception],
                                                message: str) -> None:
    run = offline(tmp_path)
    net = model()
    kwargs = {"models": net, **kwargs}
    with pytest.raises(error, match=message) as raised:
        run.watch(**kwargs)
    assert isinstance(raised.value, runbase.UsageError)
    assert not net._forward_hooks and all(not p._backward_hooks for p in net.parameters())


def test_watch_out_of_order_is_refused(tmp_path: Path) -> None:
    net = model()
    with pytest.raises(ValueError, match=r"call runbase.init\(\) before runbase.watch\(\)"):
        runbase.watch(net)
    with pytest.raises(runbase.UsageError, match=r"before runbase.unwatch\(\)"):
        runbase.unwatch()
    run = offline(tmp_path)
    runbase.watch(net, log_freq=1)
    with pytest.raises(ValueError, match="watched already"):
        run.watch(net)
    other = model()
    with pytest.raises(ValueError, match="'gradients/0.bias' is logged for another watched model"):
        run.watch(other, idx=0)
    with pytest.raises(ValueError, match="watched already"):
        run.watch([other, other])
    assert not other._forward_hooks and all(not p._backward_hooks for p in other.parameters())
    run.finish()
    with pytest.raises(runbase.UsageError, match="has finished"):
        run.watch(other)
    net(torch.randn(1, 3)).sum().backward()  # hooks are off: nothing is logged to the finished run


def test_graph_data_type_round_trips(tmp_path: Path) -> None:
    graph = Graph("torch")
    a, b = graph.add_node(id=1, name="fc1", class_name="Linear"), graph.add_node(Node(id=2, name="fc2", size=[3]))
    graph.add_edge(a, b)
    with pytest.raises(ValueError, match="add the node"):
        graph.add_edge(a, Node(id=9))
    stored: list[str] = []
    described = graph.to_json(RunMediaStore(tmp_path, "graph_0", "summary", stored.append))
    assert described["_type"] == "graph-file" and stored == [described["path"]]
    assert described["path"].startswith("media/graph/graph_0_summary_")
    assert json.loads((tmp_path / described["path"]).read_text()) == {
        "format": "torch", "edges": [[1, 2]],
        "nodes": [{"name": "fc1", "id": 1, "class_name": "Linear"}, {"name": "fc2", "id": 2, "size": [3]}]}
    again = Graph.from_json(described, DirectorySource(tmp_path))
    assert again == graph and again[2].name == "fc2" and runbase.Graph is Graph
    with pytest.raises(NotImplementedError, match="from_keras"):
        Graph.from_keras(object())


def test_watch_without_torch_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run = offline(tmp_path)
    monkeypatch.setitem(sys.modules, "torch", None)  # as where PyTorch is not installed
    with pytest.raises(ImportError, match="run.watch\\(\\) needs the package 'torch', which is not installed: "
                                          "pip install torch"):
        run.watch(object())
