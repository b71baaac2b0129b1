"""Performance workloads W1 (log-call overhead) and W2 (ingest) from DESIGN.md, against a real
`runbase server` and, with --peers, an MLflow tracking server measured in the same invocation.

    python benchmarks/run.py [--workloads W1,W2] [--database sqlite|postgresql|both] [--peers]

Each measurement runs in its own Python subprocess (this file re-invoked with --worker) so the
harness never competes with the code being timed; each workload gets a fresh server and database
so that sizes and timings do not include the other workload's data.

Only the standard library is imported at module level: the MLflow workers run this same file
with the MLflow virtualenv's interpreter, where runbase is not installed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "latest.json"
MLFLOW_VENV = HERE / ".venv-mlflow"
PG_ADMIN_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
KEYS = [f"k{j}" for j in range(10)]
W1_CALLS = 20_000
W2_STEPS = 100_000
# MLflow's synchronous log_metrics costs ~24 ms a call (DESIGN.md): 20,000 calls would take ~8 minutes,
# so the peer runs fewer calls; the median and p99 of a steady per-call cost need far fewer samples.
MLFLOW_W1_CALLS = 2_000
# MLflow ingests a few thousand points/s, so W2 is scaled down and reported as a rate (points/s).
MLFLOW_W2_STEPS = 10_000
MLFLOW_BATCH_METRICS = 1_000


# -- workers: run in a subprocess, print one JSON line --------------------------------------------------

def percentiles_us(samples_ns: list[int]) -> dict[str, float]:
    """Median and p99 (nearest rank) in microseconds."""
    ordered = sorted(samples_ns)
    p99 = ordered[max(0, math.ceil(0.99 * len(ordered)) - 1)]
    return {"median_us": statistics.median(ordered) / 1000, "p99_us": p99 / 1000, "calls": len(ordered)}


def runbase_init(cfg: dict[str, Any]) -> Any:
    import runbase

    return runbase.init(project="bench", settings=runbase.Settings(
        api_key=cfg["key"], base_url=cfg["url"], root_dir=cfg["root_dir"], quiet=True))


def worker_runbase_w1(cfg: dict[str, Any]) -> dict[str, Any]:
    """W1: time each run.log call where the training script would feel it."""
    run = runbase_init(cfg)
    clock = time.perf_counter_ns
    samples = []
    for i in range(cfg["calls"]):
        data = {key: i * 0.001 + j for j, key in enumerate(KEYS)}
        start = clock()
        run.log(data)
        samples.append(clock() - start)
    start = clock()
    run.finish()
    return {**percentiles_us(samples), "finish_s": (clock() - start) / 1e9, "run_id": run.id}


def worker_runbase_w2(cfg: dict[str, Any]) -> dict[str, Any]:
    """W2: wall time from the first log call until finish() says the server has everything."""
    run = runbase_init(cfg)
    steps = cfg["steps"]
    start = time.perf_counter()
    for i in range(steps):
        run.log({key: i * 0.001 + j for j, key in enumerate(KEYS)})
    logged = time.perf_counter()
    run.finish()
    end = time.perf_counter()
    return {"points": steps * len(KEYS), "seconds": end - start, "log_loop_s": logged - start,
            "finish_s": end - logged, "run_id": run.id}


def worker_mlflow_w1(cfg: dict[str, Any]) -> dict[str, Any]:
    """W1 for MLflow: synchronous mlflow.log_metrics(dict, step=i), as a training script would call it."""
    os.environ["MLFLOW_ENABLE_ASYNC_LOGGING"] = "false"
    import mlflow

    mlflow.set_tracking_uri(cfg["url"])
    mlflow.set_experiment("bench-w1")
    clock = time.perf_counter_ns
    samples = []
    with mlflow.start_run() as active:
        for i in range(cfg["calls"]):
            data = {key: i * 0.001 + j for j, key in enumerate(KEYS)}
            start = clock()
            mlflow.log_metrics(data, step=i)
            samples.append(clock() - start)
        start = clock()
    finish_s = (clock() - start) / 1e9  # end_run() on leaving the with block
    return {**percentiles_us(samples), "finish_s": finish_s, "run_id": active.info.run_id}


def worker_mlflow_w2(cfg: dict[str, Any]) -> dict[str, Any]:
    """W2 for MLflow: MlflowClient.log_batch with 1,000 metrics (100 steps x 10 keys) per call."""
    from mlflow.entities import Metric
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=cfg["url"])
    experiment_id = client.create_experiment("bench-w2")
    run_id = client.create_run(experiment_id).info.run_id
    steps, per_batch = cfg["steps"], cfg["batch_metrics"] // len(KEYS)
    start = time.perf_counter()
    for first in range(0, steps, per_batch):
        now = int(time.time() * 1000)
        metrics = [Metric(key, i * 0.001 + j, now, i)
                   for i in range(first, min(steps, first + per_batch)) for j, key in enumerate(KEYS)]
        client.log_batch(run_id, metrics=metrics)
    client.set_terminated(run_id)
    seconds = time.perf_counter() - start
    stored = min(len(client.get_metric_history(run_id, key)) for key in KEYS)
    return {"points": steps * len(KEYS), "seconds": seconds, "run_id": run_id, "verified_steps": stored}


WORKERS = {"runbase-w1": worker_runbase_w1, "runbase-w2": worker_runbase_w2,
           "mlflow-w1": worker_mlflow_w1, "mlflow-w2": worker_mlflow_w2}


def run_worker(python: str, name: str, cfg: dict[str, Any], timeout: float = 1800) -> dict[str, Any]:
    """Run one worker in a fresh interpreter; its last stdout line is the JSON result."""
    proc = subprocess.run([python, str(Path(__file__).resolve()), "--worker", name, json.dumps(cfg)],
                          capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"worker {name} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# -- servers ---------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    """Poll the health URL; fail early (with the server's log) if the process dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        time.sleep(0.2)
    raise RuntimeError(f"{url} not healthy after {timeout:.0f} s:\n{log.read_text()[-3000:]}")


@contextlib.contextmanager
def server_process(argv: list[str], health_url: str, log: Path, env: dict[str, str],
                   timeout: float = 60) -> Iterator[None]:
    """Start a server, wait until it answers, and always stop it (SIGINT, then SIGKILL)."""
    with log.open("wb") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        wait_healthy(health_url, proc, log, timeout)
        yield
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for one server, dropped afterwards."""
    import psycopg

    name = f"runbase_bench_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield name
    finally:
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def pg_size(name: str) -> int:
    import psycopg

    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        return conn.execute("SELECT pg_database_size(%s)", (name,)).fetchone()[0]


def file_bytes(db: Path) -> int:
    """The database file plus its WAL (and rollback journal), as a user would see them on disk."""
    return sum(p.stat().st_size for p in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-journal"))
               if p.exists())


@contextlib.contextmanager
def runbase_server(database: str) -> Iterator[dict[str, Any]]:
    """A real `runbase server` on a free port with a temp data dir (and a fresh PostgreSQL database)."""
    key = secrets.token_urlsafe(40)
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="runbase-bench-") as tmp, contextlib.ExitStack() as stack:
        data_dir = Path(tmp) / "data"
        argv = [str(Path(sys.executable).with_name("runbase")), "server", "--port", str(port),
                "--data-dir", str(data_dir)]
        info: dict[str, Any] = {"url": f"http://127.0.0.1:{port}", "key": key, "root_dir": str(Path(tmp) / "sdk"),
                                "sqlite": data_dir / "runbase.db", "pg": None}
        if database == "postgresql":
            info["pg"] = stack.enter_context(postgres_database())
            argv += ["--database-url", PG_URL.format(name=info["pg"])]
        env = {**os.environ, "RUNBASE_ADMIN_API_KEY": key}
        stack.enter_context(server_process(argv, info["url"] + "/healthz", Path(tmp) / "server.log", env))
        yield info


def history_line_count(server: dict[str, Any], run_id: str) -> int | None:
    """Ask the server (GraphQL) how many history rows it stored for the run."""
    query = '{ project(name: "bench") { run(name: %s) { historyLineCount } } }' % json.dumps(run_id)
    request = urllib.request.Request(server["url"] + "/graphql", data=json.dumps({"query": query}).encode(),
                                     headers={"Authorization": f"Bearer {server['key']}",
                                              "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        body = json.load(response)
    run = ((body.get("data") or {}).get("project") or {}).get("run")
    return None if run is None else run["historyLineCount"]


# -- runbase workloads ---------------------------------------------------------------------------------

def sdk_config(server: dict[str, Any]) -> dict[str, Any]:
    return {key: server[key] for key in ("url", "key", "root_dir")}


def runbase_w1(database: str) -> dict[str, Any]:
    """W1 against a fresh runbase server."""
    with runbase_server(database) as server:
        result = run_worker(sys.executable, "runbase-w1", {**sdk_config(server), "calls": W1_CALLS})
        result["verified_rows"] = history_line_count(server, result["run_id"])
    return result


def runbase_w2(database: str) -> dict[str, Any]:
    """W2 against a fresh runbase server, then check the rows and the database's size."""
    with runbase_server(database) as server:
        before = pg_size(server["pg"]) if server["pg"] else 0
        result = run_worker(sys.executable, "runbase-w2", {**sdk_config(server), "steps": W2_STEPS})
        result["points_per_s"] = result["points"] / result["seconds"]
        result["verified_rows"] = history_line_count(server, result["run_id"])
        if server["pg"]:  # pg_database_size growth: tables, TOAST and indexes, not the server's WAL
            result["bytes_per_point"] = (pg_size(server["pg"]) - before) / result["points"]
        else:  # whole files after the run: includes the empty schema (~0.1 MB) and WAL slack
            result["bytes_per_point"] = file_bytes(server["sqlite"]) / result["points"]
            wal = server["sqlite"].with_name("runbase.db-wal")
            result["wal_bytes"] = wal.stat().st_size if wal.exists() else 0
    if result["verified_rows"] != W2_STEPS:
        print(f"runbase W2 ({database}): server has {result['verified_rows']} rows, expected {W2_STEPS}",
              file=sys.stderr)
    return result


# -- MLflow ----------------------------------------------------------------------------------------------

def mlflow_python() -> str:
    """Create benchmarks/.venv-mlflow with MLflow 3.x unless it is already there; returns its python."""
    python = MLFLOW_VENV / "bin" / "python"
    if python.exists() and subprocess.run([str(python), "-c", "import mlflow"], capture_output=True).returncode == 0:
        return str(python)
    print("installing MLflow 3.x into benchmarks/.venv-mlflow (a few minutes the first time)...", file=sys.stderr)
    base = getattr(sys, "_base_executable", sys.executable)
    for argv in ([base, "-m", "venv", "--clear", str(MLFLOW_VENV)],
                 [str(python), "-m", "pip", "install", "--quiet", "mlflow>=3,<4"]):
        proc = subprocess.run(argv, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(argv[:4])} failed:\n{(proc.stderr or proc.stdout)[-2000:]}")
    return str(python)


def mlflow_peers(workloads: list[str]) -> dict[str, Any]:
    """W1 and W2 against an MLflow tracking server with a SQLite backend store."""
    python = mlflow_python()
    version = subprocess.run([python, "-c", "import mlflow; print(mlflow.__version__)"],
                             capture_output=True, text=True).stdout.strip()
    out: dict[str, Any] = {"version": version}
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="mlflow-bench-") as tmp:
        db = Path(tmp) / "mlflow.db"
        argv = [str(MLFLOW_VENV / "bin" / "mlflow"), "server", "--backend-store-uri", f"sqlite:///{db}",
                "--default-artifact-root", str(Path(tmp) / "artifacts"), "--host", "127.0.0.1", "--port", str(port)]
        cfg = {"url": f"http://127.0.0.1:{port}"}
        with server_process(argv, cfg["url"] + "/health", Path(tmp) / "server.log", dict(os.environ), timeout=180):
            if "W1" in workloads:
                out["W1"] = run_worker(python, "mlflow-w1", {**cfg, "calls": MLFLOW_W1_CALLS})
            if "W2" in workloads:
                before = file_bytes(db)
                w2 = run_worker(python, "mlflow-w2", {**cfg, "steps": MLFLOW_W2_STEPS,
                                                      "batch_metrics": MLFLOW_BATCH_METRICS})
                w2["points_per_s"] = w2["points"] / w2["seconds"]
                w2["bytes_per_point"] = (file_bytes(db) - before) / w2["points"]  # growth of mlflow.db
                out["W2"] = w2
    return out


# -- report ----------------------------------------------------------------------------------------------

FIGURES = [  # (workload, label, result key, format, lower is better)
    ("W1", "median per log call (us)", "median_us", "{:,.1f}", True),
    ("W1", "p99 per log call (us)", "p99_us", "{:,.1f}", True),
    ("W1", "finish() (s)", "finish_s", "{:,.3f}", True),
    ("W2", "ingest (points/s)", "points_per_s", "{:,.0f}", False),
    ("W2", "bytes per point (approx.)", "bytes_per_point", "{:,.1f}", True),
]


def table(results: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per figure and database; ratio is how many times better runbase is (>1: runbase wins)."""
    rows = []
    mlflow = results.get("mlflow") or {}
    for workload, label, key, fmt, lower_better in FIGURES:
        for database, figures in results["runbase"].items():
            ours = figures.get(workload, {}).get(key)
            theirs = mlflow.get(workload, {}).get(key) if isinstance(mlflow.get(workload), dict) else None
            if ours is None:
                continue
            ratio = None
            if theirs is not None and ours and theirs:
                ratio = theirs / ours if lower_better else ours / theirs
            rows.append({"workload": workload, "figure": label, "database": database, "runbase": ours,
                         "mlflow": theirs, "ratio": ratio, "format": fmt})
    return rows


def print_table(rows: list[dict[str, Any]]) -> None:
    cells = [("workload", "figure", "runbase db", "runbase", "MLflow", "ratio")]
    for row in rows:
        fmt = row["format"]
        cells.append((row["workload"], row["figure"], row["database"], fmt.format(row["runbase"]),
                      "-" if row["mlflow"] is None else fmt.format(row["mlflow"]),
                      "-" if row["ratio"] is None else f"{row['ratio']:,.1f}x"))
    widths = [max(len(line[i]) for line in cells) for i in range(len(cells[0]))]
    for n, line in enumerate(cells):
        print("  ".join(c.ljust(w) if i < 3 else c.rjust(w) for i, (c, w) in enumerate(zip(line, widths))))
        if n == 0:
            print("  ".join("-" * w for w in widths))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workloads", default="W1,W2", help="comma-separated: W1,W2")
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--peers", action="store_true", help="also measure MLflow 3.x (installs it in a venv)")
    parser.add_argument("--worker", nargs=2, metavar=("NAME", "CONFIG"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(WORKERS[args.worker[0]](json.loads(args.worker[1]))))
        return 0
    workloads = [w.strip().upper() for w in args.workloads.split(",") if w.strip()]
    unknown = set(workloads) - {"W1", "W2"}
    if unknown:
        parser.error(f"unknown workloads: {', '.join(sorted(unknown))} (this script runs W1 and W2)")
    databases = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    results: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "settings": {"w1_calls": W1_CALLS, "w2_steps": W2_STEPS, "keys": len(KEYS), "mlflow_w1_calls": MLFLOW_W1_CALLS,
                     "mlflow_w2_steps": MLFLOW_W2_STEPS, "mlflow_batch_metrics": MLFLOW_BATCH_METRICS},
        "runbase": {},
    }
    for database in databases:
        figures = results["runbase"][database] = {}
        for workload in workloads:
            print(f"runbase {workload} ({database})...", file=sys.stderr, flush=True)
            figures[workload] = (runbase_w1 if workload == "W1" else runbase_w2)(database)
    if args.peers:
        print("MLflow peers...", file=sys.stderr, flush=True)
        try:
            results["mlflow"] = mlflow_peers(workloads)
        except Exception as exc:  # a missing peer must not cost the runbase figures
            print(f"MLflow skipped: {exc}", file=sys.stderr)
            results["mlflow"] = {"error": str(exc)}
    rows = table(results)
    results["table"] = [{k: v for k, v in row.items() if k != "format"} for row in rows]
    print_table(rows)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(f"\nwrote {RESULTS.relative_to(Path.cwd()) if RESULTS.is_relative_to(Path.cwd()) else RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
