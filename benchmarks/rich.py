"""Workload W7 (rich data, see README.md here): `run.log` of one 256x256 RGB Image per call, and a
100,000-row, 10-column Table logged and read back, against a real `runbase server`, beside the official
`wandb` client (0.21.3, offline mode, in its own virtualenv) measured in the same invocation, and (images
only, for reference) a runbase run in offline mode: the client's own cost without a server.

    python benchmarks/rich.py [--database sqlite|postgresql|both] [--rounds 3] [--no-peers] [--profile]

Each measurement runs in its own Python subprocess (this file re-invoked with --worker; the wandb workers
with benchmarks/.venv-wandb's interpreter); the servers and helpers are those of run.py. Only the standard
library is imported at module level, so the wandb workers import this file without runbase.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import (  # run.py is the harness this workload shares
    cpu_seconds,
    peer_python,
    percentiles_us,
    print_table,
    run_as_worker,
    run_worker,
    runbase_init,
    runbase_server,
    sdk_config,
)

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "rich.json"
WANDB_VENV = HERE / ".venv-wandb"
# Pillow and numpy as in runbase's .venv, so that both clients encode the same PNGs with the same code.
WANDB_REQUIREMENTS = ["wandb==0.21.3", "numpy==2.4.6", "Pillow==13.0.0"]
WANDB_PROBE = "import numpy, PIL, wandb; assert wandb.__version__ == '0.21.3', wandb.__version__"
PROJECT = "w7"
IMAGES = 300
IMAGE_SHAPE = (256, 256, 3)
IMAGE_SEED = 7
IMAGE_CHECKS = 10  # images downloaded back and compared (sha256 and pixels), spread over the run
TABLE_ROWS = 100_000
TABLE_SEED = 8
TABLE_COLUMNS = ["id", "epoch", "split", "loss", "accuracy", "label", "lr", "count", "caption", "score"]
TABLE_KEY = "t"
PROFILE_TOP = 25


# -- data: deterministic, so every worker can recompute what must come back -----------------------------

def image_arrays(calls: int) -> Any:
    """`calls` random uint8 RGB images (incompressible: the PNG encoder's worst case), one array."""
    import numpy as np

    return np.random.default_rng(IMAGE_SEED).integers(0, 256, size=(calls, *IMAGE_SHAPE), dtype=np.uint8)


def table_rows(rows: int) -> list[list[Any]]:
    """Mixed columns: 3 ints, 4 floats, 3 strings (two of few distinct values, one unique per row)."""
    rng = random.Random(TABLE_SEED)
    splits = ("train", "val", "test")
    labels = [f"class_{i}" for i in range(100)]
    return [[i, i // 1000, splits[rng.randrange(3)], rng.random() * 4, rng.random(), labels[rng.randrange(100)],
             10 ** -rng.uniform(2, 5), rng.randrange(1_000_000), f"sample {i} {rng.getrandbits(32):08x}",
             rng.gauss(0, 1)] for i in range(rows)]


def check_rows(got: list[list[Any]], rows: int, what: str) -> None:
    """Every cell must come back as logged (JSON keeps ints, strings and floats' shortest repr exactly)."""
    expected = table_rows(rows)
    if len(got) != rows:
        raise RuntimeError(f"{what}: {len(got):,} rows read back, expected {rows:,}")
    wrong = next((i for i, (a, b) in enumerate(zip(got, expected)) if list(a) != b), None)
    if wrong is not None:
        raise RuntimeError(f"{what}: row {wrong} differs: got {list(got[wrong])!r}, logged {expected[wrong]!r}")


# -- the timed parts, shared by the runbase and wandb workers --------------------------------------------

def image_loop(run: Any, image: Callable[[Any], Any], calls: int, profile: bool) -> dict[str, Any]:
    """Time each `run.log({"img": Image(array)})` in the caller, then finish(); with `profile`, under cProfile
    (the timings are then inflated) and its top entries by own time returned."""
    import cProfile
    import io
    import pstats

    arrays = image_arrays(calls)
    clock = time.perf_counter_ns
    profiler = cProfile.Profile() if profile else None
    samples = []
    if profiler is not None:
        profiler.enable()
    thread_cpu, process_cpu = time.thread_time(), time.process_time()
    for array in arrays:
        start = clock()
        run.log({"img": image(array)})
        samples.append(clock() - start)
    thread_cpu, process_cpu = time.thread_time() - thread_cpu, time.process_time() - process_cpu
    if profiler is not None:
        profiler.disable()
    start = clock()
    run.finish()
    result = {**percentiles_us(samples), "finish_s": (clock() - start) / 1e9, "run_id": run.id,
              "mean_us": sum(samples) / len(samples) / 1000, "caller_cpu_ms_per_call": thread_cpu * 1000 / calls,
              "process_cpu_ms_per_call": process_cpu * 1000 / calls}
    if profiler is not None:
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(PROFILE_TOP)
        result["profile"] = text.getvalue()
    return result


def table_write(run: Any, table: Callable[..., Any], rows: int) -> dict[str, Any]:
    """Build the rows untimed, then time Table(...) + run.log, and finish()."""
    data = table_rows(rows)
    start = time.perf_counter()
    run.log({TABLE_KEY: table(columns=TABLE_COLUMNS, data=data)})
    logged = time.perf_counter()
    run.finish()
    end = time.perf_counter()
    return {"write_s": end - start, "log_s": logged - start, "finish_s": end - logged, "run_id": run.id,
            "rows": rows, "columns": len(TABLE_COLUMNS)}


# -- runbase workers --------------------------------------------------------------------------------------

def fresh_cache(cfg: dict[str, Any]) -> None:
    """An empty artifact cache for this worker, in the temp dir: nothing comes from an earlier run's copies,
    and nothing goes to the home directory (logging a table keeps a copy of its file in the cache)."""
    os.environ["RUNBASE_CACHE_DIR"] = str(Path(cfg["root"]) / f"cache-{os.getpid()}")


def runbase_run(cfg: dict[str, Any]) -> Any:
    fresh_cache(cfg)
    return runbase_init(cfg)


def runbase_api(cfg: dict[str, Any]) -> Any:
    fresh_cache(cfg)
    os.chdir(cfg["root"])  # artifact.get() downloads below the working directory, as W&B's does
    import runbase

    return runbase.Api(api_key=cfg["key"], overrides={"base_url": cfg["url"]})


def worker_runbase_images(cfg: dict[str, Any]) -> dict[str, Any]:
    import runbase

    return image_loop(runbase_run(cfg), runbase.Image, cfg["calls"], cfg["profile"])


def worker_runbase_offline_images(cfg: dict[str, Any]) -> dict[str, Any]:
    """For reference: the same loop in an offline run (no server, no uploads), the client's own cost."""
    import runbase

    run = runbase.init(project=cfg["project"], mode="offline",
                       settings=runbase.Settings(root_dir=str(Path(cfg["root"]) / "offline"), quiet=True))
    return image_loop(run, runbase.Image, cfg["calls"], cfg["profile"])


def worker_runbase_images_check(cfg: dict[str, Any]) -> dict[str, Any]:
    """Every history row must hold an image-file descriptor; a sample of the files must download with the
    descriptor's sha256 and the logged pixels (PNG is lossless)."""
    import numpy as np
    from PIL import Image as PILImage

    api = runbase_api(cfg)
    run = api.run(f"{api.default_entity}/{cfg['project']}/{cfg['run_id']}")
    rows = list(run.scan_history(keys=["img"]))
    height, width, _ = IMAGE_SHAPE
    bad = [row for row in rows if not (row["img"].get("_type") == "image-file" and row["img"].get("format") == "png"
                                       and (row["img"].get("width"), row["img"].get("height")) == (width, height)
                                       and row["img"].get("path", "").startswith("media/images/img_"))]
    if len(rows) != cfg["calls"] or bad:
        raise RuntimeError(f"{len(rows)} history rows with img (expected {cfg['calls']}), {len(bad)} not a "
                           f"{width}x{height} PNG image-file descriptor: {bad[:1]}")
    arrays = image_arrays(cfg["calls"])
    for row in rows[::max(1, len(rows) // IMAGE_CHECKS)]:
        described = row["img"]
        with run.file(described["path"]).download(root="images", replace=True) as local:
            path = local.name
        if hashlib.sha256(Path(path).read_bytes()).hexdigest() != described["sha256"]:
            raise RuntimeError(f"{described['path']}: downloaded bytes do not match the descriptor's sha256")
        if not np.array_equal(np.asarray(PILImage.open(path)), arrays[row["_step"]]):
            raise RuntimeError(f"{described['path']}: pixels differ from the array logged at step {row['_step']}")
    return {"verified_rows": len(rows), "verified_files": len(rows[::max(1, len(rows) // IMAGE_CHECKS)])}


def worker_runbase_table_write(cfg: dict[str, Any]) -> dict[str, Any]:
    import runbase

    return table_write(runbase_run(cfg), runbase.Table, cfg["rows"])


def worker_runbase_table_read(cfg: dict[str, Any]) -> dict[str, Any]:
    """In a fresh process with an empty cache: the run's table artifact (W&B's name run-ID-KEY), then the
    run file the history row names, each timed and checked."""
    api = runbase_api(cfg)
    start = time.perf_counter()
    table = api.artifact(f"{cfg['project']}/run-{cfg['run_id']}-{TABLE_KEY}:latest").get(TABLE_KEY)
    read_s = time.perf_counter() - start
    check_rows(table.data, cfg["rows"], "artifact.get")
    if table.columns != TABLE_COLUMNS:
        raise RuntimeError(f"artifact.get: columns {table.columns}, logged {TABLE_COLUMNS}")
    start = time.perf_counter()
    run = api.run(f"{api.default_entity}/{cfg['project']}/{cfg['run_id']}")
    with run.file(run.summary[TABLE_KEY]["path"]).download(root="files", replace=True) as local:
        data = json.load(local)["data"]
    file_read_s = time.perf_counter() - start
    check_rows(data, cfg["rows"], "run file")
    return {"read_s": read_s, "file_read_s": file_read_s, "entry_bytes": Path(local.name).stat().st_size}


# -- wandb workers (benchmarks/.venv-wandb) ---------------------------------------------------------------

def wandb_init(cfg: dict[str, Any]) -> Any:
    """An offline wandb run whose every directory (run files, artifact staging, cache, config) is below the
    temp dir `cfg["root"]`: nothing is written elsewhere and nothing goes to the network."""
    for var in ("WANDB_DIR", "WANDB_DATA_DIR", "WANDB_CACHE_DIR", "WANDB_CONFIG_DIR", "WANDB_ARTIFACT_DIR"):
        os.environ[var] = str(Path(cfg["root"]) / var.lower())
        os.makedirs(os.environ[var], exist_ok=True)
    os.environ.update(WANDB_MODE="offline", WANDB_SILENT="true")
    import wandb

    return wandb.init(project=cfg["project"], mode="offline")


def worker_wandb_images(cfg: dict[str, Any]) -> dict[str, Any]:
    import wandb

    run = wandb_init(cfg)
    media = Path(run.dir) / "media" / "images"
    result = image_loop(run, wandb.Image, cfg["calls"], cfg["profile"])
    result["files"] = len(list(media.glob("img_*.png")))  # one per call: the arrays all differ
    if result["files"] != cfg["calls"]:
        raise RuntimeError(f"wandb wrote {result['files']} image files for {cfg['calls']} calls")
    return result


def worker_wandb_table_write(cfg: dict[str, Any]) -> dict[str, Any]:
    import wandb

    run = wandb_init(cfg)
    run_dir = str(Path(run.dir).parent)
    return {**table_write(run, wandb.Table, cfg["rows"]), "run_dir": run_dir}


def worker_wandb_table_read(cfg: dict[str, Any]) -> dict[str, Any]:
    """wandb cannot read an offline run's artifacts through its API (Artifact.get raises for offline runs),
    so this does what Artifact.get does after its download: find the table entry in the artifact record of
    the run's transaction log (.wandb), load the staged JSON and rebuild the Table (Table.from_json)."""
    import wandb
    from wandb.proto import wandb_internal_pb2
    from wandb.sdk.internal import datastore

    start = time.perf_counter()
    store = datastore.DataStore()
    store.open_for_scan(str(next(Path(cfg["run_dir"]).glob("run-*.wandb"))))
    name, staged = f"run-{cfg['run_id']}-{TABLE_KEY}", None
    while staged is None and (data := store.scan_data()) is not None:
        record = wandb_internal_pb2.Record()
        record.ParseFromString(data)
        if record.WhichOneof("record_type") == "artifact" and record.artifact.name == name:
            staged = next(entry.local_path for entry in record.artifact.manifest.contents
                          if entry.path == f"{TABLE_KEY}.table.json")
    if staged is None:
        raise RuntimeError(f"no artifact {name} in the run's transaction log")
    located = time.perf_counter()
    with open(staged) as source:
        table = wandb.Table.from_json(json.load(source), None)
    end = time.perf_counter()
    check_rows(table.data, cfg["rows"], "wandb staged table")
    return {"read_s": end - start, "locate_s": located - start, "entry_bytes": os.path.getsize(staged)}


WORKERS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "runbase-images": worker_runbase_images, "runbase-images-check": worker_runbase_images_check,
    "runbase-offline-images": worker_runbase_offline_images,
    "runbase-table-write": worker_runbase_table_write, "runbase-table-read": worker_runbase_table_read,
    "wandb-images": worker_wandb_images, "wandb-table-write": worker_wandb_table_write,
    "wandb-table-read": worker_wandb_table_read}


# -- measurements -----------------------------------------------------------------------------------------

@dataclass
class Client:
    """One client measured: its interpreter, worker prefix and config, and the server it talks to."""

    python: str
    prefix: str  # "runbase", "runbase-offline" (images only) or "wandb"
    cfg: dict[str, Any]
    server_pid: int | None = None
    tables: bool = True
    out: dict[str, Any] = field(default_factory=lambda: {"image_rounds": []})

    def worker(self, part: str, cfg: dict[str, Any]) -> dict[str, Any]:
        return run_worker(self.python, f"{self.prefix}-{part}", {**self.cfg, **cfg}, script=__file__)

    def images(self, profile: bool) -> None:
        """One round of the image loop (checked through the Public API for runbase), with the load average
        before it and the server's CPU time during it."""
        load, server_cpu = os.getloadavg()[0], cpu_seconds(self.server_pid) if self.server_pid else 0.0
        result = {**self.worker("images", {"calls": IMAGES, "profile": profile}), "load": load}
        if self.server_pid:
            result["server_cpu_ms_per_call"] = (cpu_seconds(self.server_pid) - server_cpu) * 1000 / IMAGES
        if profile:  # kept apart: cProfile slows the calls
            self.out["images_profile"] = result["profile"]
            return
        if self.prefix == "runbase":
            result.update(self.worker("images-check", {"calls": IMAGES, "run_id": result["run_id"]}))
        self.out["image_rounds"].append(result)

    def table(self) -> None:
        self.out["load_before_table"] = os.getloadavg()[0]
        self.out["table"] = self.worker("table-write", {"rows": TABLE_ROWS})
        self.out["table"].update(self.worker("table-read", {"rows": TABLE_ROWS, **self.out["table"]}))


def measure(clients: dict[str, Client], rounds: int, profile: bool) -> None:
    """The image loop in `rounds` rounds, the clients taking turns (so that each sees the machine's load
    of the moment about equally), the best round of each reported; then the table, client after client. A
    client that fails keeps its error and drops out; the others go on."""
    steps: list[Callable[[Client], None]] = [*(lambda c: c.images(False) for _ in range(rounds)), Client.table]
    if profile:
        steps.append(lambda c: c.images(True))
    for step in steps:
        for name, client in clients.items():
            if "error" in client.out or (step is Client.table and not client.tables):
                continue
            print(f"W7 {name}: {'table' if step is Client.table else 'images'}...", file=sys.stderr, flush=True)
            try:
                step(client)
            except Exception as exc:  # noqa: BLE001 - reported beside the others' figures
                client.out["error"] = str(exc)
    for client in clients.values():
        if client.out["image_rounds"]:
            client.out["images"] = min(client.out["image_rounds"], key=lambda result: result["median_us"])


# -- report -----------------------------------------------------------------------------------------------

FIGURES = [  # (part, label, result key, format); all are times: lower is better
    ("images", "image: median per log call (us)", "median_us", "{:,.0f}"),
    ("images", "image: p99 per log call (us)", "p99_us", "{:,.0f}"),
    ("images", "image: finish() (s)", "finish_s", "{:,.3f}"),
    ("table", "table: write, Table() + log + finish (s)", "write_s", "{:,.2f}"),
    ("table", "table: read, artifact.get (s)", "read_s", "{:,.2f}"),
    ("table", "table: read, run file download + json (s)", "file_read_s", "{:,.2f}"),
]
TARGETS = [  # (runbase part and key, W&B part and key, how many times better runbase must be, text)
    ("images", "median_us", "images", "median_us", 1.0, "image median per call no worse than W&B's"),
    ("table", "write_s", "table", "write_s", 5.0, "table write at least 5x faster than W&B's offline write"),
    ("table", "read_s", "table", "write_s", 5.0, "table read at least 5x faster than W&B's offline write"),
]


def figure(results: dict[str, Any] | None, part: str, key: str) -> float | None:
    value = ((results or {}).get(part) or {}).get(key)
    return value if isinstance(value, (int, float)) else None


def table(results: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per figure and database; ratio = W&B / runbase (> 1: runbase is faster)."""
    rows = []
    peer = results.get("wandb")
    for part, label, key, fmt in FIGURES:
        for database, figures in results["runbase"].items():
            ours, theirs = figure(figures, part, key), figure(peer, part, key)
            if ours is not None:
                rows.append({"workload": "W7", "figure": label, "database": database, "runbase": ours,
                             "wandb": theirs, "ratio": theirs / ours if theirs and ours else None, "format": fmt})
    return rows


def notes(results: dict[str, Any]) -> list[str]:
    """Failures, each round's medians, where the CPU went, how W&B's read is measured, the targets."""
    lines = []
    clients = [*((f"runbase ({db})", f) for db, f in results["runbase"].items()), ("W&B", results.get("wandb")),
               ("runbase offline (reference, no server)", results.get("runbase_offline"))]
    for who, figures in clients:
        if figures and "error" in figures:
            lines.append(f"{who} FAILED: {figures['error'].strip().splitlines()[-1]}")
        if figures and figures.get("image_rounds"):
            rounds, best = figures["image_rounds"], figures["images"]
            medians = ", ".join(f"{result['median_us'] / 1000:.1f}" for result in rounds)
            loads = ", ".join(f"{result['load']:.1f}" for result in rounds)
            server = f", server {best['server_cpu_ms_per_call']:.1f} ms" if "server_cpu_ms_per_call" in best else ""
            lines.append(f"{who} images: median per call by round {medians} ms (1-min load {loads}), the best "
                         f"reported; its CPU per call: caller thread {best['caller_cpu_ms_per_call']:.1f} ms, whole "
                         f"client process {best['process_cpu_ms_per_call']:.1f} ms{server}")
        if figures and "table" in figures and "read_s" in figures["table"]:
            table = figures["table"]
            lines.append(f"{who} table: 1-min load {figures['load_before_table']:.1f}; write = log "
                         f"{table['log_s']:.2f} s + finish {table['finish_s']:.2f} s; table JSON "
                         f"{table['entry_bytes'] / 2**20:,.1f} MiB")
    peer = results.get("wandb")
    if peer and "version" in peer:
        lines.append(f"W&B {peer['version']} offline: its table read = find the entry in the artifact record of the "
                     "run's .wandb log + json.load of the staged file + Table.from_json (what Artifact.get does after "
                     "downloading; it refuses offline runs); its run file is a 10,000-row preview, so it has no "
                     "run-file read figure")
    for database, figures in results["runbase"].items():
        for part, key, peer_part, peer_key, factor, text in TARGETS:
            ours, theirs = figure(figures, part, key), figure(peer, peer_part, peer_key)
            if ours is not None and theirs is not None:
                lines.append(f"target: {text}: runbase ({database}) {theirs / ours:,.1f}x "
                             f"({'met' if theirs / ours >= factor else 'NOT met'})")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--rounds", type=int, default=3, help="image-loop rounds per client (the best is reported)")
    parser.add_argument("--no-peers", action="store_true", help="skip the wandb client (the targets need it)")
    parser.add_argument("--profile", action="store_true",
                        help="also run each client's image loop once under cProfile and print its top entries")
    parser.add_argument("--worker", nargs=2, metavar=("NAME", "CONFIG"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if run_as_worker(args, WORKERS):
        return 0
    databases = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    results: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "cpus": os.cpu_count(),
        "settings": {"images": IMAGES, "image_shape": list(IMAGE_SHAPE), "image_checks": IMAGE_CHECKS,
                     "rounds": args.rounds, "table_rows": TABLE_ROWS, "table_columns": TABLE_COLUMNS,
                     "wandb": WANDB_REQUIREMENTS}}
    with tempfile.TemporaryDirectory(prefix="runbase-w7-") as name, contextlib.ExitStack() as stack:
        tmp = Path(name)
        clients: dict[str, Client] = {}
        for database in databases:
            server = stack.enter_context(runbase_server(database))
            (tmp / database).mkdir()
            clients[database] = Client(sys.executable, "runbase", {**sdk_config(server), "project": PROJECT,
                                                                   "root": str(tmp / database)}, server["pid"])
        clients["offline"] = Client(sys.executable, "runbase-offline", {"project": PROJECT, "root": str(tmp)},
                                    tables=False)
        version = None
        if not args.no_peers:
            try:
                python = peer_python(WANDB_VENV, WANDB_REQUIREMENTS, WANDB_PROBE)
                version = subprocess.run([python, "-c", "import wandb; print(wandb.__version__)"],
                                         capture_output=True, text=True, check=True).stdout.strip()
                (tmp / "wandb").mkdir()
                clients["wandb"] = Client(python, "wandb", {"project": PROJECT, "root": str(tmp / "wandb")})
            except Exception as exc:  # noqa: BLE001 - a missing peer must not cost the runbase figures
                results["wandb"] = {"error": str(exc)}
        measure(clients, args.rounds, args.profile)
    results["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    results["runbase"] = {database: clients[database].out for database in databases}
    results["runbase_offline"] = clients["offline"].out
    if "wandb" in clients:
        results["wandb"] = {"version": version, **clients["wandb"].out}
    rows = table(results)
    results["table"] = [{k: v for k, v in row.items() if k != "format"} for row in rows]
    print_table(rows, peer_key="wandb", peer_name="W&B offline")
    results["notes"] = notes(results)
    print("\nnotes:")
    for line in results["notes"]:
        print(f"- {line}")
    for who, figures in [*results["runbase"].items(), ("W&B", results.get("wandb") or {}),
                         ("runbase offline", results["runbase_offline"])]:
        if "images_profile" in figures:
            print(f"\ncProfile of the {who} image loop (top {PROFILE_TOP} by own time; caller thread only; a "
                  f"separate, slower round):\n{figures['images_profile']}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(f"\nwrote {RESULTS}")
    return 1 if any("error" in figures for figures in results["runbase"].values()) else 0


if __name__ == "__main__":
    sys.exit(main())
