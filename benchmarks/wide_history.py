"""sampledHistoryText on wide rows: specs of one key each on a run whose every row holds 1,000 keys, beside a narrow
run (100 keys x 10,000 steps), against a real `runbase server` on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/wide_history.py [--database sqlite|postgresql|both] [--steps 1000] [--keys 1000]

The wide run's rows stay in the JSON tail (fewer than the 10,000 that trigger compaction), as a run still logging
has them. Each request is timed in the caller (median of 3; one try for 100 specs)."""

from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Any

from branching import graphql
from run import runbase_server

BUCKET = "mutation($i: UpsertBucketInput!) { upsertBucket(input: $i) { inserted } }"
LOG = "mutation($i: LogHistoryInput!) { logHistory(input: $i) { historyLineCount } }"
SAMPLE = """query($r: String!, $s: [JSONString!]!) { project(name: "bench") { run(name: $r) {
    sampledHistoryText(specs: $s) } } }"""
BATCH_VALUES = 1_000_000  # values per logHistory request


def log_run(server: dict[str, Any], name: str, steps: int, keys: int) -> None:
    graphql(server, BUCKET, {"i": {"modelName": "bench", "name": name}})
    batch = max(1, BATCH_VALUES // keys)
    for low in range(0, steps, batch):
        rows = [{"_step": i, **{f"k{k}": i * 0.5 + k for k in range(keys)}} for i in range(low, min(steps, low + batch))]
        graphql(server, LOG, {"i": {"projectName": "bench", "runName": name, "rows": json.dumps(rows)}})


def sample_ms(server: dict[str, Any], name: str, specs: int) -> tuple[float, list[Any]]:
    variables = {"r": name, "s": [json.dumps({"keys": [f"k{n}"], "samples": 500}) for n in range(specs)]}
    times, answer = [], []
    for _ in range(1 if specs >= 100 else 3):
        start = time.perf_counter()
        answer = graphql(server, SAMPLE, variables)["project"]["run"]["sampledHistoryText"]
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 1), answer


def measure(database: str, steps: int, keys: int) -> dict[str, Any]:
    runs = {"wide": (steps, keys), "narrow": (10_000, 100)}
    results: dict[str, Any] = {"database": database}
    with runbase_server(database) as server:
        for name, (run_steps, run_keys) in runs.items():
            log_run(server, name.replace(" ", "-"), run_steps, run_keys)
            for specs in (1, 10, 100):
                ms, answer = sample_ms(server, name.replace(" ", "-"), specs)
                assert len(answer) == specs and all(json.loads(rows) for rows in answer)
                results[f"{name} ({run_steps} steps x {run_keys} keys), {specs} specs ms"] = ms
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--steps", type=int, default=1_000)
    parser.add_argument("--keys", type=int, default=1_000)
    args = parser.parse_args()
    for database in ("sqlite", "postgresql") if args.database == "both" else (args.database,):
        print(json.dumps(measure(database, args.steps, args.keys), indent=1))


if __name__ == "__main__":
    main()
