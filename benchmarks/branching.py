"""Branching a long run: rewindRun and a fork (upsertBucket with W&B's _wandb.branch_point) of a run of
200,000 steps, against a real `runbase server` on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/branching.py [--database sqlite|postgresql|both] [--steps 200000]

The run is logged through logHistory in batches of 20,000 rows (loss and i in every row, acc in every third)
with its last 5,000 rows left in the JSON tail, as a run still logging has them. Each fork and rewind is one
GraphQL request, timed in the caller; the step counts it answers are checked."""

from __future__ import annotations

import argparse
import json
import time
import urllib.request
from typing import Any

from run import runbase_server

BATCH = 20_000
TAIL = 5_000
BUCKET = "mutation($i: UpsertBucketInput!) { upsertBucket(input: $i) { bucket { historyLineCount } } }"
LOG = "mutation($i: LogHistoryInput!) { logHistory(input: $i) { historyLineCount } }"
REWIND = "mutation($i: RewindRunInput!) { rewindRun(input: $i) { rewoundRun { historyLineCount } } }"


def graphql(server: dict[str, Any], query: str, variables: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(server["url"] + "/graphql",
                                     data=json.dumps({"query": query, "variables": variables}).encode(),
                                     headers={"Authorization": f"Bearer {server['key']}",
                                              "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=600) as response:
        body = json.load(response)
    if body.get("errors"):
        raise RuntimeError(body["errors"])
    data: dict[str, Any] = body["data"]
    return data


def timed(server: dict[str, Any], query: str, variables: dict[str, Any]) -> tuple[float, dict[str, Any]]:
    start = time.perf_counter()
    data = graphql(server, query, variables)
    return (time.perf_counter() - start) * 1000, data


def log_run(server: dict[str, Any], steps: int) -> None:
    graphql(server, BUCKET, {"i": {"modelName": "bench", "name": "source"}})
    bounds = [*range(0, steps - TAIL, BATCH), steps - TAIL, steps]
    for low, high in zip(bounds, bounds[1:]):
        rows = [{"_step": i, "loss": 1 / (i + 1), "i": i, **({"acc": i / 3} if i % 3 == 0 else {})}
                for i in range(low, high)]
        graphql(server, LOG, {"i": {"projectName": "bench", "runName": "source", "rows": json.dumps(rows)}})


def measure(database: str, steps: int) -> dict[str, Any]:
    with runbase_server(database) as server:
        log_run(server, steps)
        results: dict[str, Any] = {"database": database, "steps": steps, "forks": [], "rewinds": []}
        for n, at in enumerate((steps * 5 // 8 + 7, steps // 2 + 3, steps - 1)):
            config = json.dumps({"_wandb": {"value": {"branch_point": {"run_id": "source", "step": at}}}})
            ms, data = timed(server, BUCKET, {"i": {"modelName": "bench", "name": f"fork{n}", "config": config}})
            assert data["upsertBucket"]["bucket"]["historyLineCount"] == at + 1
            results["forks"].append({"at": at, "ms": round(ms, 1)})
        for at in (steps * 3 // 4 + 11, steps // 2 + 5, steps // 4 + 1):
            ms, data = timed(server, REWIND, {"i": {"projectName": "bench", "runName": "source", "metricName": "_step",
                                                    "metricValue": at}})
            assert data["rewindRun"]["rewoundRun"]["historyLineCount"] == at + 1
            results["rewinds"].append({"at": at, "ms": round(ms, 1)})
        return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--steps", type=int, default=200_000)
    args = parser.parse_args()
    for database in ("sqlite", "postgresql") if args.database == "both" else (args.database,):
        print(json.dumps(measure(database, args.steps)))


if __name__ == "__main__":
    main()
