"""W1 (log-call overhead) and W2 (ingest of 1M points, see README.md here) through the official `wandb` client,
online against a real `runbase server` (its W&B protocol: GraphQL and the file_stream route), beside runbase's
own SDK against the same kind of server, in the same invocation.

    python benchmarks/wandb_online.py [--database sqlite|postgresql|both] [--workloads W1,W2]

The client is the release the tests pin (tests/wandb-client-requirements.txt), installed on first use into
benchmarks/.venv-wandb-online. Each measurement gets a fresh server (and database) and runs in a worker process
of its own (this file re-invoked with --worker; the wandb workers with that virtualenv's interpreter); the servers
and runbase's workers are run.py's. Only the standard library is imported at module level.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import (  # run.py is the harness this workload shares
    KEYS,
    W1_CALLS,
    W2_STEPS,
    history_line_count,
    ingest,
    log_calls,
    log_steps,
    peer_python,
    print_table,
    run_as_worker,
    run_worker,
    runbase_server,
    runbase_w1,
    runbase_w2,
)

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "wandb_online.json"
PIN = (HERE.parent / "tests" / "wandb-client-requirements.txt").read_text().strip()
VENV = HERE / ".venv-wandb-online"
PROBE = f"import wandb; assert wandb.__version__ == {PIN.removeprefix('wandb==')!r}, wandb.__version__"


# -- wandb workers (benchmarks/.venv-wandb-online) ----------------------------------------------------------

def wandb_run(cfg: dict[str, Any]) -> Any:
    """An online wandb run against the server, as a user's script starts one: WANDB_BASE_URL and WANDB_API_KEY,
    its directories below the temp dir `cfg["root"]`, default settings (WANDB_SILENT only quiets its banner)."""
    os.environ.update(WANDB_BASE_URL=cfg["url"], WANDB_API_KEY=cfg["key"], WANDB_SILENT="true")
    for var in ("WANDB_DIR", "WANDB_DATA_DIR", "WANDB_CACHE_DIR", "WANDB_CONFIG_DIR"):
        os.environ[var] = str(Path(cfg["root"]) / var.lower())
        os.makedirs(os.environ[var], exist_ok=True)
    import wandb

    return wandb.init(project="bench")


def worker_wandb_w1(cfg: dict[str, Any]) -> dict[str, Any]:
    return log_calls(wandb_run(cfg), cfg["calls"])


def worker_wandb_w2(cfg: dict[str, Any]) -> dict[str, Any]:
    """finish() returns once the server has answered the client's last file_stream request (complete, with
    every row)."""
    return log_steps(wandb_run(cfg), cfg["steps"])


WORKERS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {"wandb-w1": worker_wandb_w1,
                                                                    "wandb-w2": worker_wandb_w2}


# -- measurements -----------------------------------------------------------------------------------------------

def wandb_w1(database: str, python: str, root: Path) -> dict[str, Any]:
    with runbase_server(database) as server:
        result = run_worker(python, "wandb-w1", {"url": server["url"], "key": server["key"], "root": str(root),
                                                  "calls": W1_CALLS}, script=__file__)
        result["verified_rows"] = history_line_count(server, result["run_id"])
    return result


def wandb_w2(database: str, python: str, root: Path) -> dict[str, Any]:
    return ingest(database, lambda server: run_worker(python, "wandb-w2", {
        "url": server["url"], "key": server["key"], "root": str(root), "steps": W2_STEPS}, script=__file__))


FIGURES = [  # (workload, label, result key, format, lower is better)
    ("W1", "median per log call (us)", "median_us", "{:,.1f}", True),
    ("W1", "p99 per log call (us)", "p99_us", "{:,.1f}", True),
    ("W1", "finish() (s)", "finish_s", "{:,.3f}", True),
    ("W2", "ingest (points/s)", "points_per_s", "{:,.0f}", False),
    ("W2", "log loop, 100,000 calls (s)", "log_loop_s", "{:,.2f}", True),
    ("W2", "finish() (s)", "finish_s", "{:,.2f}", True),
    ("W2", "server CPU for the 1M points (s)", "server_cpu_s", "{:,.2f}", True),
    ("W2", "bytes per point (approx.)", "bytes_per_point", "{:,.1f}", True),
]


def table(results: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per figure and database; ratio = how many times better runbase's SDK is (> 1: it wins)."""
    rows = []
    for workload, label, key, fmt, lower_better in FIGURES:
        for database, figures in results["databases"].items():
            ours = (figures["runbase"].get(workload) or {}).get(key)
            theirs = (figures["wandb"].get(workload) or {}).get(key)
            if ours is None and theirs is None:
                continue
            ratio = (theirs / ours if lower_better else ours / theirs) if ours and theirs else None
            rows.append({"workload": workload, "figure": label, "database": database, "runbase": ours,
                         "wandb": theirs, "ratio": ratio, "format": fmt})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--workloads", default="W1,W2", help="comma-separated: W1, W2")
    parser.add_argument("--worker", nargs=2, metavar=("NAME", "CONFIG"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if run_as_worker(args, WORKERS):
        return 0
    workloads = [w.strip().upper() for w in args.workloads.split(",") if w.strip()]
    if not workloads or set(workloads) - {"W1", "W2"}:
        parser.error(f"--workloads takes W1 and W2, not {args.workloads!r}")
    python = peer_python(VENV, [PIN], PROBE)
    runbase_side = {"W1": runbase_w1, "W2": runbase_w2}
    wandb_side = {"W1": wandb_w1, "W2": wandb_w2}
    results: dict[str, Any] = {"started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "cpus": os.cpu_count(),
                               "client": PIN, "settings": {"w1_calls": W1_CALLS, "w2_steps": W2_STEPS,
                                                           "keys": len(KEYS)}, "databases": {}}
    failed = False
    for database in ["sqlite", "postgresql"] if args.database == "both" else [args.database]:
        figures = results["databases"][database] = {"runbase": {}, "wandb": {}}
        for workload in workloads:  # the two clients in turn, so that each meets the machine's load of the moment
            for who, measure in (("runbase", lambda: runbase_side[workload](database)),
                                 ("wandb", lambda: _wandb(wandb_side[workload], database, python))):
                print(f"{workload} {who} ({database})...", file=sys.stderr, flush=True)
                load = os.getloadavg()[0]
                try:
                    figures[who][workload] = {**measure(), "load": load}
                except Exception as exc:  # noqa: BLE001 - reported beside the other figures
                    figures[who][workload] = {"error": str(exc), "load": load}
                    failed = True
    results["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    rows = table(results)
    results["table"] = [{k: v for k, v in row.items() if k != "format"} for row in rows]
    print_table(rows, peer_key="wandb", peer_name=f"{PIN} online")
    print("\nnotes:")
    for database, figures in results["databases"].items():
        for who, by_workload in figures.items():
            for workload, figure in by_workload.items():
                state = f"FAILED: {figure['error'].strip().splitlines()[-1]}" if "error" in figure else \
                    f"{figure.get('verified_rows', '?'):,} rows on the server"
                print(f"- {workload} {who} ({database}): 1-min load {figure['load']:.1f} before it; {state}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(f"\nwrote {RESULTS}")
    return 1 if failed else 0


def _wandb(measure: Callable[[str, str, Path], dict[str, Any]], database: str, python: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="wandb-bench-") as root:
        return measure(database, python, Path(root))


if __name__ == "__main__":
    sys.exit(main())
