"""W9 sweeps: the time from a finished run to the next suggestion handed to a waiting agent, against a real
`runbase server` on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/sweeps.py [--database sqlite|postgresql|both] [--runs 200] [--bayes-runs 30]

An agent speaks W&B's protocol over GraphQL as `runbase agent` does: createAgent, then agentHeartbeat hands it a
run; the run is made as the SDK makes it (upsertBucket joining the sweep, with the suggested config), finished
with its metric in the summary, and the agent's next agentHeartbeat, timed in the caller, reports it finished
and gets the next suggestion. Grid (a grid larger than the runs measured) and random are timed over `--runs`
suggestions; bayes after 100 finished runs (made first, untimed, through the same loop), over `--bayes-runs`
more. Median and p99 milliseconds, and the mean loss of the suggestions timed (bayes's should be far
below random's: the model is at work); targets: grid/random under 50 ms, bayes under 1 s."""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import time
from typing import Any

from branching import graphql
from run import runbase_server

SWEEP = "mutation($i: UpsertSweepInput!) { upsertSweep(input: $i) { sweep { name } } }"
AGENT = "mutation($i: CreateAgentInput!) { createAgent(input: $i) { agent { id } } }"
BEAT = "mutation($i: AgentHeartbeatInput!) { agentHeartbeat(input: $i) { commands } }"
BUCKET = "mutation($i: UpsertBucketInput!) { upsertBucket(input: $i) { bucket { id } } }"
BAYES_PRIOR = 100
CONFIGS: dict[str, dict[str, Any]] = {
    "grid": {"method": "grid", "metric": {"name": "loss"},
             "parameters": {"a": {"values": list(range(100))}, "b": {"values": list(range(100))}}},
    "random": {"method": "random", "metric": {"name": "loss"},
               "parameters": {"lr": {"distribution": "log_uniform_values", "min": 1e-5, "max": 1e-1},
                              "layers": {"min": 1, "max": 8}, "act": {"values": ["relu", "gelu", "tanh"]}}},
}
CONFIGS["bayes"] = {**CONFIGS["random"], "method": "bayes"}


def loss(parameters: dict[str, Any]) -> float:
    if "lr" in parameters:
        return abs(math.log10(parameters["lr"]) + 3) + abs(parameters["layers"] - 4) / 4 + random.random() / 10
    return float(parameters["a"] + parameters["b"])


def finish(server: dict[str, Any], sweep: str, command: dict[str, Any]) -> None:
    parameters = {name: arg["value"] for name, arg in command["args"].items()}
    identity = {"modelName": "w9", "name": command["run_id"]}
    graphql(server, BUCKET, {"i": {**identity, "sweep": sweep,
                                   "config": json.dumps({k: {"value": v} for k, v in parameters.items()})}})
    graphql(server, BUCKET, {"i": {**identity, "state": "finished", "exitCode": 0,
                                   "summaryMetrics": json.dumps({"loss": loss(parameters)})}})


def measure(server: dict[str, Any], method: str, runs: int, prior: int) -> dict[str, Any]:
    sweep = graphql(server, SWEEP, {"i": {"entityName": "admin", "projectName": "w9",
                                          "config": json.dumps(CONFIGS[method])}})["upsertSweep"]["sweep"]["name"]
    agent = graphql(server, AGENT, {"i": {"sweep": sweep, "projectName": "w9"}})["createAgent"]["agent"]["id"]
    command = json.loads(graphql(server, BEAT, {"i": {"id": agent, "runState": "{}"}})["agentHeartbeat"]["commands"])[0]
    timings: list[float] = []
    losses: list[float] = []
    for n in range(prior + runs):
        finish(server, sweep, command)
        start = time.perf_counter()
        answer = graphql(server, BEAT, {"i": {"id": agent, "runState": json.dumps({command["run_id"]: "finished"})}})
        ms = (time.perf_counter() - start) * 1000
        command = json.loads(answer["agentHeartbeat"]["commands"])[0]
        assert command["type"] == "run", command
        if n >= prior:
            timings.append(ms)
            losses.append(loss({name: arg["value"] for name, arg in command["args"].items()}))
    timings.sort()
    return {"method": method, "finished_before": prior, "suggestions": runs,
            "median_ms": round(statistics.median(timings), 1),
            "p99_ms": round(timings[min(len(timings) - 1, math.ceil(0.99 * len(timings)) - 1)], 1),
            "mean_loss_suggested": round(statistics.mean(losses), 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--bayes-runs", type=int, default=30)
    args = parser.parse_args()
    random.seed(9)
    for database in ("sqlite", "postgresql") if args.database == "both" else (args.database,):
        with runbase_server(database) as server:
            for method in ("grid", "random", "bayes"):
                runs, prior = (args.bayes_runs, BAYES_PRIOR) if method == "bayes" else (args.runs, 0)
                print(json.dumps({"database": database, **measure(server, method, runs, prior)}), flush=True)


if __name__ == "__main__":
    main()
