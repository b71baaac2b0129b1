"""Performance workloads W1 (log-call overhead), W2 (ingest), W3 (run search), W4 (history read) and W5
(automation latency), described in README.md here, against a real `runbase server` and, with --peers, an MLflow tracking
server measured in the same invocation (MLflow has no automations, so W5 has no peer). `--workloads W8` runs web.py's
workload (the web app in headless Chromium, beside MLflow's UI, which it always measures).

    python benchmarks/run.py [--workloads W1,W2,W3,W4,W5,W8,CREATE] [--database sqlite|postgresql|both] [--peers]

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
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
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
# MLflow's synchronous log_metrics costs ~24 ms a call (measured on the 2-core development machine): 20,000 calls would take ~8 minutes,
# so the peer runs fewer calls; the median and p99 of a steady per-call cost need far fewer samples.
MLFLOW_W1_CALLS = 2_000
# MLflow ingests a few thousand points/s, so W2 is scaled down and reported as a rate (points/s).
MLFLOW_W2_STEPS = 10_000
MLFLOW_BATCH_METRICS = 1_000

# W3: a project of 10,000 runs, each with config p0..p19 and summary metrics m0..m19. p0 is one of three
# strings, so the filter below matches ~1/3 x 1/10 of the runs (~330 of 10,000).
W3_RUNS = 10_000
W3_KEYS = 20
W3_P0 = ("0.01", "0.001", "0.1")
W3_SEED = 3
W3_FILTERS = {"config.p0": "0.01", "summary_metrics.m0": {"$gte": 0.9}}
W3_ORDER = "-summary_metrics.m1"
W3_PAGE = 50
W3_REPS = 30
W3_THREADS = 4  # client threads creating the runs over GraphQL
W3_LATENCIES = ("sdk_median_ms", "sdk_p95_ms", "graphql_median_ms", "graphql_p95_ms")  # measured again on PostgreSQL
# once autovacuum has been through the new runs (vacuumed)
W3_GRAPHQL = ('query($f: JSONString) { project(name: "w3") { runs(filters: $f, order: "-summary_metrics.m1", '
              'first: 50) { edges { node { name summaryMetrics config } } } } }')
W3_UPSERT = ('mutation($id: String, $config: JSONString, $summary: JSONString) { upsertBucket(input: '
             '{modelName: "w3", name: $id, config: $config, summaryMetrics: $summary, state: "finished"}) '
             '{ inserted } }')
MLFLOW_W3_FILTER = "params.p0 = '0.01' and metrics.m0 >= 0.9"
# Creating MLflow runs in-process costs tens of ms each; if 10,000 would take longer than this, stop at
# MLFLOW_W3_SCALED runs (the projection is made after MLFLOW_W3_PROBE runs).
MLFLOW_W3_LIMIT_S = 360
MLFLOW_W3_SCALED = 2_000
MLFLOW_W3_PROBE = 1_000
# W4: one run with 200,000 steps of `loss`.
W4_STEPS = 200_000
W4_SEED = 4
W4_PAGE_SIZES = (10_000, 50_000)
W4_SCAN_REPS = 2  # per page size; the best is reported
W4_SAMPLES = 1_000
W4_SAMPLE_REPS = 20
# W4 memory: this many client processes scan the whole run at once, at the larger page size; the server's peak
# RSS (VmHWM, reset just before) is reported, and its RSS once the burst is over (what it keeps of it).
W4_CLIENTS = 4
W4_CLIENT_DELAY_S = 3.0  # the clients import and connect first, then all start scanning at one moment
W4_SETTLE_S = 1.0  # after the burst, before the RSS it keeps is read
MLFLOW_W4_SAMPLE_REPS = 5
# W5: a sawtooth `loss` (0.5, 0.5, 0.5, 2.0, ...) logged every 25 ms, so `loss > 1.0` becomes true every 4th call
# (every 100 ms): 200 separate crossings, each delivered to a webhook receiver in the logging process.
W5_CROSSINGS = 200
W5_PERIOD = 4  # log calls per crossing: PERIOD - 1 below the threshold, then one above
W5_INTERVAL_S = 0.025
W5_THRESHOLD = 1.0
W5_LOW, W5_HIGH = 0.5, 2.0
W5_WAIT_S = 30  # after the last log call, how long every POST has to arrive
# The server's default is 60 deliveries a minute per automation; W5 fires 600 a minute, so it lifts the limit.
W5_RATE_LIMIT = 100_000
W5_INTEGRATION = ('mutation($i: CreateGenericWebhookIntegrationInput!) { createGenericWebhookIntegration(input: $i) '
                  '{ integration { id } } }')
W5_TRIGGER = 'mutation($i: CreateFilterTriggerInput!) { createFilterTrigger(input: $i) { trigger { id } } }'
W5_DELIVERIES = ('query($id: ID!) { trigger(id: $id) { deliveries(first: 1000) { edges { node { id status '
                 'attemptCount createdAt payload attempts { number startedAt durationMs } } } } } }')


# -- workers: run in a subprocess, print one JSON line --------------------------------------------------

def percentiles_us(samples_ns: list[int]) -> dict[str, float]:
    """Median and p99 (nearest rank) in microseconds."""
    ordered = sorted(samples_ns)
    p99 = ordered[max(0, math.ceil(0.99 * len(ordered)) - 1)]
    return {"median_us": statistics.median(ordered) / 1000, "p99_us": p99 / 1000, "calls": len(ordered)}


def runbase_init(cfg: dict[str, Any]) -> Any:
    import runbase

    return runbase.init(project=cfg.get("project", "bench"), settings=runbase.Settings(
        api_key=cfg["key"], base_url=cfg["url"], root_dir=cfg["root_dir"], quiet=True))


def worker_runbase_w1(cfg: dict[str, Any]) -> dict[str, Any]:
    return log_calls(runbase_init(cfg), cfg["calls"])


def log_calls(run: Any, calls: int) -> dict[str, Any]:
    """W1: time each run.log call where the training script would feel it, then finish()."""
    clock = time.perf_counter_ns
    samples = []
    for i in range(calls):
        data = {key: i * 0.001 + j for j, key in enumerate(KEYS)}
        start = clock()
        run.log(data)
        samples.append(clock() - start)
    start = clock()
    run.finish()
    return {**percentiles_us(samples), "finish_s": (clock() - start) / 1e9, "run_id": run.id}


def worker_runbase_w2(cfg: dict[str, Any]) -> dict[str, Any]:
    return log_steps(runbase_init(cfg), cfg["steps"])


def log_steps(run: Any, steps: int) -> dict[str, Any]:
    """W2: wall time from the first log call until finish() says the server has everything."""
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


# -- W3 and W4 data: deterministic, so every worker can recompute what the answer must be ----------------

def w3_run(index: int) -> tuple[str, dict[str, Any], dict[str, float]]:
    """Run `index` of the W3 project: its id, plain config p0..p19 and summary metrics m0..m19."""
    rng = random.Random(W3_SEED * 1_000_003 + index)
    config: dict[str, Any] = {"p0": W3_P0[rng.randrange(len(W3_P0))]}
    for j in range(1, W3_KEYS):
        config[f"p{j}"] = rng.randrange(1, 1000) if j % 2 else round(rng.random() * 10, 6)
    return f"run{index:05d}", config, {f"m{j}": rng.random() for j in range(W3_KEYS)}


def w3_expected(runs: int) -> tuple[list[str], int]:
    """The ids the W3 query's first page must hold, in order, and how many runs match in all."""
    matching = [(name, summary["m1"]) for name, config, summary in map(w3_run, range(runs))
                if config["p0"] == W3_FILTERS["config.p0"] and summary["m0"] >= W3_FILTERS["summary_metrics.m0"]["$gte"]]
    matching.sort(key=lambda item: -item[1])
    return [name for name, _ in matching[:W3_PAGE]], len(matching)


def w4_values(steps: int) -> list[float]:
    """A noisy decaying loss curve, one value per step."""
    rng = random.Random(W4_SEED)
    return [2.0 * math.exp(-i / 40_000) + 0.1 + rng.gauss(0, 0.02) for i in range(steps)]


def latency_ms(samples_s: list[float]) -> dict[str, float]:
    """Median and p95 (nearest rank) in milliseconds."""
    ordered = sorted(samples_s)
    p95 = ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]
    return {"median_ms": statistics.median(ordered) * 1000, "p95_ms": p95 * 1000, "reps": len(ordered)}


def graphql(client: Any, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    """POST one GraphQL request on an httpx client; the server's own error text if it fails."""
    response = client.post("/graphql", json={"query": query, "variables": variables})
    try:
        body = response.json()
    except ValueError:
        raise RuntimeError(f"HTTP {response.status_code} from /graphql: {response.text[:2000]}") from None
    if response.status_code != 200 or body.get("errors"):
        raise RuntimeError(f"HTTP {response.status_code} from /graphql: {json.dumps(body.get('errors') or body)[:2000]}")
    return body["data"]


def check_w3_page(names: list[str], summaries: list[dict[str, Any]], configs: list[dict[str, Any]],
                  expected: list[str], what: str) -> None:
    """The page must be exactly the expected runs: all matching the filter, sorted by m1 descending."""
    problems = []
    m1 = [s.get("m1") for s in summaries]
    if any(c.get("p0") != W3_FILTERS["config.p0"] for c in configs):
        problems.append("a run with config.p0 != '0.01'")
    if any(not (s.get("m0", -1) >= W3_FILTERS["summary_metrics.m0"]["$gte"]) for s in summaries):
        problems.append("a run with summary m0 < 0.9")
    if any(a is None or b is None or a < b for a, b in zip(m1, m1[1:])):
        problems.append("not sorted by m1 descending")
    if names != expected:
        problems.append(f"ids differ from the expected page (got {names[:5]}..., {len(names)} runs; "
                        f"expected {expected[:5]}..., {len(expected)} runs)")
    if problems:
        raise RuntimeError(f"{what}: wrong result: {'; '.join(problems)}")


# -- W3 and W4 workers ------------------------------------------------------------------------------------

def worker_runbase_w3_create(cfg: dict[str, Any]) -> dict[str, Any]:
    """W3 set-up: create the runs through the server's GraphQL API, a few keep-alive clients in threads."""
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    payloads = []
    for index in range(cfg["runs"]):
        name, config, summary = w3_run(index)
        payloads.append({"id": name, "config": json.dumps({k: {"value": v} for k, v in config.items()}),
                         "summary": json.dumps(summary)})

    def create(share: list[dict[str, Any]]) -> int:
        with httpx.Client(base_url=cfg["url"], headers={"Authorization": f"Bearer {cfg['key']}"},
                          timeout=120) as client:
            inserted = 0
            for variables in share:
                inserted += bool(graphql(client, W3_UPSERT, variables)["upsertBucket"]["inserted"])
            return inserted

    threads = cfg["threads"]
    start = time.perf_counter()
    # The first run alone: it creates the project, so the threads measure creating runs in it.
    inserted = create(payloads[:1])
    with ThreadPoolExecutor(threads) as pool:
        inserted += sum(pool.map(create, [payloads[1 + t::threads] for t in range(threads)]))
    seconds = time.perf_counter() - start
    return {"runs": cfg["runs"], "inserted": inserted, "create_s": seconds, "create_runs_per_s": cfg["runs"] / seconds,
            "threads": threads}


def worker_runbase_w3_query(cfg: dict[str, Any]) -> dict[str, Any]:
    """W3: the first page of the filtered, ordered run search, through the SDK and as one raw GraphQL request."""
    import httpx
    import runbase

    api = runbase.Api(overrides={"base_url": cfg["url"]}, api_key=cfg["key"])
    path = f"{api.default_entity}/w3"
    expected, matching = w3_expected(cfg["runs"])
    clock = time.perf_counter

    def first_page() -> Any:
        runs = api.runs(path, filters=W3_FILTERS, order=W3_ORDER, per_page=W3_PAGE)
        runs[0]  # fetches the first page: one GraphQL request
        return runs

    runs = first_page()  # warm-up, and the result is checked
    page = runs.objects
    check_w3_page([r.id for r in page], [dict(r.summary) for r in page], [r.config for r in page], expected, "SDK")
    counted = len(runs)  # runCount, a separate request
    sdk, sdk_cpu = [], []
    for _ in range(cfg["reps"]):
        start, start_cpu = clock(), time.process_time()
        first_page()
        sdk.append(clock() - start)
        sdk_cpu.append(time.process_time() - start_cpu)

    variables = {"f": json.dumps(W3_FILTERS)}
    with httpx.Client(base_url=cfg["url"], headers={"Authorization": f"Bearer {cfg['key']}"}, timeout=120) as client:
        edges = graphql(client, W3_GRAPHQL, variables)["project"]["runs"]["edges"]
        nodes = [edge["node"] for edge in edges]
        check_w3_page([n["name"] for n in nodes], [json.loads(n["summaryMetrics"]) for n in nodes],
                      [{k: v.get("value") for k, v in json.loads(n["config"]).items()} for n in nodes],
                      expected, "raw GraphQL")
        raw, raw_cpu = [], []
        for _ in range(cfg["reps"]):
            start, start_cpu = clock(), time.process_time()
            response = client.post("/graphql", json={"query": W3_GRAPHQL, "variables": variables})
            raw.append(clock() - start)
            response.json()  # the SDK's CPU time includes parsing the answer: so does this one
            raw_cpu.append(time.process_time() - start_cpu)
            if response.status_code != 200 or "errors" in response.json():
                raise RuntimeError(f"raw GraphQL failed on a repeat: HTTP {response.status_code} {response.text[:2000]}")
    sdk_ms, raw_ms = latency_ms(sdk), latency_ms(raw)
    return {"runs": cfg["runs"], "matching": matching, "run_count": counted, "page": len(page),
            "sdk_median_ms": sdk_ms["median_ms"], "sdk_p95_ms": sdk_ms["p95_ms"],
            "graphql_median_ms": raw_ms["median_ms"], "graphql_p95_ms": raw_ms["p95_ms"], "reps": cfg["reps"],
            "sdk_overhead_cpu_ms": (statistics.median(sdk_cpu) - statistics.median(raw_cpu)) * 1000}


def worker_runbase_w4_log(cfg: dict[str, Any]) -> dict[str, Any]:
    """W4 set-up: `steps` steps (200,000 in W4) of `loss` through run.log, then finish()."""
    run = runbase_init(cfg)
    values = w4_values(cfg["steps"])
    start = time.perf_counter()
    for x in values:
        run.log({"loss": x})
    logged = time.perf_counter()
    run.finish()
    return {"run_id": run.id, "log_s": time.perf_counter() - start, "log_loop_s": logged - start}


def worker_runbase_w4_read(cfg: dict[str, Any]) -> dict[str, Any]:
    """W4: full scan_history at each page size (best of a few) and the 1,000-point sampled history."""
    import runbase

    api = runbase.Api(overrides={"base_url": cfg["url"]}, api_key=cfg["key"])
    run = api.run(f"{api.default_entity}/{cfg['project']}/{cfg['run_id']}")
    values = w4_values(cfg["steps"])
    clock = time.perf_counter
    scans: dict[str, float] = {}
    rows: list[dict[str, Any]] = []
    for size in cfg["page_sizes"]:
        best = math.inf
        for _ in range(cfg["scan_reps"]):
            rows = []  # the previous scan's 200,000 rows are freed before the clock starts, not inside the scan
            start = clock()
            rows = list(run.scan_history(keys=["loss"], page_size=size))
            best = min(best, clock() - start)
            check_w4_scan(rows, values, f"scan_history(page_size={size})")
        scans[str(size)] = best
    best_size = min(scans, key=scans.__getitem__)
    return {"points": len(values), "scan_s": scans[best_size], "points_per_s": len(values) / scans[best_size],
            "best_page_size": int(best_size), "scan_s_by_page_size": scans, **w4_sample(run, cfg, values)}


def worker_runbase_w4_sample(cfg: dict[str, Any]) -> dict[str, Any]:
    """W4's 1,000-point sampled history alone."""
    import runbase

    api = runbase.Api(overrides={"base_url": cfg["url"]}, api_key=cfg["key"])
    run = api.run(f"{api.default_entity}/{cfg['project']}/{cfg['run_id']}")
    return w4_sample(run, cfg, w4_values(cfg["steps"]))


def w4_sample(run: Any, cfg: dict[str, Any], values: list[float]) -> dict[str, Any]:
    """The median and p95 of `sample_reps` 1,000-point samples, after one that is checked."""
    sample = run.history(samples=cfg["samples"], keys=["loss"], pandas=False)  # warm-up, and checked
    steps = [row.get("_step") for row in sample]
    if not sample or len(sample) > cfg["samples"] or steps != sorted(steps) or steps[0] != 0 \
            or steps[-1] != len(values) - 1 or any(row.get("loss") != values[row["_step"]] for row in sample):
        raise RuntimeError(f"history(samples={cfg['samples']}): {len(sample)} rows, steps {steps[:3]}...{steps[-3:]}; "
                           "expected <= samples rows from first to last step with the logged values")
    latencies = []
    for _ in range(cfg["sample_reps"]):
        start = time.perf_counter()
        run.history(samples=cfg["samples"], keys=["loss"], pandas=False)
        latencies.append(time.perf_counter() - start)
    sampled = latency_ms(latencies)
    return {"sample_rows": len(sample), "sample_median_ms": sampled["median_ms"], "sample_p95_ms": sampled["p95_ms"],
            "sample_reps": sampled["reps"]}


def check_w4_scan(rows: list[dict[str, Any]], values: list[float], what: str) -> None:
    """The rows a caller gets must be the logged ones: {"_step": i, "loss": value}, exactly, in step order."""
    if [row.get("loss") for row in rows] != values:
        raise RuntimeError(f"{what}: {len(rows)} rows, not the {len(values)} logged loss values in step order")
    if any(list(row) != ["_step", "loss"] or row["_step"] != i or type(row["_step"]) is not int
           for i, row in enumerate(rows)):
        raise RuntimeError(f"{what}: rows are not {{'_step': 0..{len(values) - 1}, 'loss': value}}")


def worker_runbase_w4_scan(cfg: dict[str, Any]) -> dict[str, Any]:
    """W4 memory: one of several clients that connect, wait for the common start time, then scan the run once."""
    import runbase

    api = runbase.Api(overrides={"base_url": cfg["url"]}, api_key=cfg["key"])
    run = api.run(f"{api.default_entity}/{cfg['project']}/{cfg['run_id']}")
    values = w4_values(cfg["steps"])
    time.sleep(max(0.0, cfg["start_at"] - time.time()))
    start = time.perf_counter()
    rows = list(run.scan_history(keys=["loss"], page_size=cfg["page_size"]))
    seconds = time.perf_counter() - start
    check_w4_scan(rows, values, f"concurrent scan_history(page_size={cfg['page_size']})")
    return {"scan_s": seconds}


# -- W5 worker ---------------------------------------------------------------------------------------------

def spread_ms(samples_s: list[float]) -> dict[str, float]:
    """p50, p90, p99 (nearest rank) and max in milliseconds."""
    ordered = sorted(samples_s)

    def rank(q: float) -> float:
        return ordered[max(0, math.ceil(q * len(ordered)) - 1)] * 1000

    return {"p50_ms": rank(0.50), "p90_ms": rank(0.90), "p99_ms": rank(0.99), "max_ms": ordered[-1] * 1000}


class W5Receiver:
    """The webhook endpoint: a threaded stdlib HTTP server on 127.0.0.1 that notes time.perf_counter() (and the
    wall clock) when a request's headers have arrived, then reads the body and checks the HMAC signature and the
    timestamp's freshness as a real receiver would, and answers 200 (401 on a bad signature)."""

    def __init__(self, secret: str) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.secret = secret.encode()
        self.lock = threading.Lock()
        self.arrived = threading.Condition(self.lock)
        self.posts: list[dict[str, Any]] = []  # {"at": perf_counter, "wall": time.time(), "body", "delivery"}
        self.rejected: list[str] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the server's httpx client would like

            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                at, wall = time.perf_counter(), time.time()
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                problem = receiver.check(self.headers.get("X-Runbase-Timestamp"),
                                         self.headers.get("X-Runbase-Signature"), body)
                self.send_response(401 if problem else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()
                with receiver.arrived:
                    if problem:
                        receiver.rejected.append(problem)
                    else:
                        receiver.posts.append({"at": at, "wall": wall, "body": json.loads(body),
                                               "delivery": self.headers.get("X-Runbase-Delivery")})
                    receiver.arrived.notify_all()

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       name="w5-receiver", daemon=True)

    def check(self, timestamp: str | None, sig: str | None, body: bytes) -> str | None:
        import hashlib
        import hmac

        if not timestamp or not sig:
            return "missing X-Runbase-Timestamp or X-Runbase-Signature"
        expected = "sha256=" + hmac.new(self.secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, sig):
            return f"bad signature on {body[:100]!r}"
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > 300:
            return f"stale or malformed X-Runbase-Timestamp {timestamp!r}"
        try:
            json.loads(body)
        except ValueError:
            return f"body is not JSON: {body[:100]!r}"
        return None

    def __enter__(self) -> W5Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()

    def wait(self, count: int, deadline: float) -> None:
        """Until `count` good POSTs have arrived or time.monotonic() passes the deadline."""
        with self.arrived:
            while len(self.posts) < count and time.monotonic() < deadline:
                self.arrived.wait(min(0.5, max(0.0, deadline - time.monotonic())))


def worker_runbase_w5(cfg: dict[str, Any]) -> dict[str, Any]:
    """W5: a webhook automation on `loss > 1.0`, then a paced sawtooth through run.log (default settings) in the
    process that also runs the receiver, so the log call and the POST's arrival are timed on one clock."""
    from datetime import datetime

    import httpx
    import runbase

    secret = secrets.token_hex(16)
    with W5Receiver(secret) as receiver, \
            httpx.Client(base_url=cfg["url"], headers={"Authorization": f"Bearer {cfg['key']}"}, timeout=60) as gql:
        entity = graphql(gql, "{ viewer { entity } }", {})["viewer"]["entity"]
        integration = graphql(gql, W5_INTEGRATION, {"i": {
            "entityName": entity, "name": "w5", "urlEndpoint": receiver.url, "secret": secret}})
        integration_id = integration["createGenericWebhookIntegration"]["integration"]["id"]
        trigger = graphql(gql, W5_TRIGGER, {"i": {
            "name": "w5", "entityName": entity, "scopeType": "PROJECT", "projectName": cfg["project"],
            "eventType": "RUN_METRIC_THRESHOLD",
            "eventFilter": json.dumps({"run_filter": {}, "metric": {
                "name": "loss", "agg": None, "window": 1, "cmp": "$gt", "threshold": cfg["threshold"]}}),
            "action": json.dumps({"action_type": "GENERIC_WEBHOOK", "integration_id": integration_id,
                                  "request_payload": {"step": "${metric_step}", "value": "${metric_value}",
                                                      "run": "${run_id}"}})}})
        trigger_id = trigger["createFilterTrigger"]["trigger"]["id"]

        run = runbase.init(project=cfg["project"], settings=runbase.Settings(
            api_key=cfg["key"], base_url=cfg["url"], root_dir=cfg["root_dir"], quiet=True))
        crossings: dict[int, tuple[float, float]] = {}  # step -> (perf_counter, time.time()) just before run.log
        period, interval = cfg["period"], cfg["interval_s"]
        clock = time.perf_counter
        start = clock()
        for i in range(cfg["crossings"] * period):
            pause = start + i * interval - clock()
            if pause > 0:
                time.sleep(pause)
            high = i % period == period - 1
            if high:
                crossings[i] = (clock(), time.time())
            run.log({"loss": cfg["high"] if high else cfg["low"]})
        logged = clock()
        receiver.wait(len(crossings), time.monotonic() + cfg["wait_s"])
        waited = clock() - logged
        run.finish()
        time.sleep(0.5)  # anything delivered late, or twice, has a moment to show up
        with receiver.arrived:
            posts, rejected = list(receiver.posts), list(receiver.rejected)

        by_step: dict[int, dict[str, Any]] = {}
        duplicates, strangers = [], []
        for post in posts:
            body = post["body"]
            step = body.get("step") if isinstance(body, dict) else None
            if step in by_step:
                duplicates.append(step)
            elif step not in crossings or body.get("run") != run.id or body.get("value") != cfg["high"]:
                strangers.append(body)
            else:
                by_step[step] = post
        missing = sorted(set(crossings) - set(by_step))
        problems = []
        if missing:
            problems.append(f"{len(missing)} of {len(crossings)} crossings never reached the receiver within "
                            f"{cfg['wait_s']} s of the last log call (steps {missing[:10]}...)")
        if duplicates:
            problems.append(f"{len(duplicates)} steps delivered more than once (steps {sorted(duplicates)[:10]})")
        if strangers:
            problems.append(f"{len(strangers)} POSTs for no crossing, e.g. {strangers[:3]}")
        if rejected:
            problems.append(f"{len(rejected)} POSTs failed the receiver's checks, e.g. {rejected[:3]}")

        # Where the time went, from the server's delivery records (wall clock, the same machine's):
        # log call -> delivery row written (SDK sender, HTTP, ingest, evaluation), row -> first attempt
        # started (commit, worker wake-up, claim), attempt -> arrival (the POST itself).
        edges = graphql(gql, W5_DELIVERIES, {"id": trigger_id})["trigger"]["deliveries"]["edges"]
        nodes = [edge["node"] for edge in edges]
        statuses: dict[str, int] = {}
        stages: dict[str, list[float]] = {"log_to_enqueued": [], "enqueued_to_attempt": [], "attempt_to_arrival": []}
        for node in nodes:
            statuses[node["status"]] = statuses.get(node["status"], 0) + 1
            payload = json.loads(node["payload"]) if isinstance(node["payload"], str) else node["payload"]
            post = by_step.get(payload.get("step")) if isinstance(payload, dict) else None
            if post is None or not node["attempts"]:
                continue
            created = datetime.fromisoformat(node["createdAt"]).timestamp()
            first = min(node["attempts"], key=lambda attempt: attempt["number"])
            started = datetime.fromisoformat(first["startedAt"]).timestamp()
            stages["log_to_enqueued"].append(created - crossings[payload["step"]][1])
            stages["enqueued_to_attempt"].append(started - created)
            stages["attempt_to_arrival"].append(post["wall"] - started)
        if problems:
            raise RuntimeError("W5: " + "; ".join(problems) + f"; server's deliveries by status: {statuses}")

    latencies = [by_step[step]["at"] - crossings[step][0] for step in sorted(crossings)]
    return {"crossings": len(crossings), "delivered": len(by_step), "log_calls": cfg["crossings"] * period,
            "log_loop_s": logged - start, "wait_after_last_log_s": waited, **spread_ms(latencies),
            "mean_ms": statistics.fmean(latencies) * 1000, "statuses": statuses,
            "stages_ms": {name: spread_ms(values) for name, values in stages.items() if values},
            "run_id": run.id}


def worker_mlflow_w3_create(cfg: dict[str, Any]) -> dict[str, Any]:
    """W3 set-up for MLflow, in-process into its SQLite store: create_run + log_batch(params, metrics) per run.
    Stops at MLFLOW_W3_SCALED runs if the whole 10,000 would take longer than MLFLOW_W3_LIMIT_S."""
    from mlflow.entities import Metric, Param
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=cfg["db_uri"])
    experiment_id = client.create_experiment("w3")
    target, created, projected = cfg["runs"], 0, None
    start = time.perf_counter()
    while created < target:
        name, config, summary = w3_run(created)
        run_id = client.create_run(experiment_id, run_name=name).info.run_id
        now = int(time.time() * 1000)
        client.log_batch(run_id, metrics=[Metric(k, v, now, 0) for k, v in summary.items()],
                         params=[Param(k, str(v)) for k, v in config.items()])
        created += 1
        if created == cfg["probe"] and target > cfg["scaled"]:
            projected = (time.perf_counter() - start) / created * target
            if projected > cfg["limit_s"]:
                target = cfg["scaled"]
    seconds = time.perf_counter() - start
    return {"experiment_id": experiment_id, "runs": created, "create_s": seconds,
            "create_runs_per_s": created / seconds, "projected_full_s": projected}


def worker_mlflow_w3_query(cfg: dict[str, Any]) -> dict[str, Any]:
    """W3 for MLflow: search_runs through the tracking server, first page of 50, checked against the data."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=cfg["url"])
    expected, matching = w3_expected(cfg["runs"])
    clock = time.perf_counter

    def first_page() -> Any:
        return client.search_runs([cfg["experiment_id"]], MLFLOW_W3_FILTER, order_by=["metrics.m1 DESC"],
                                  max_results=W3_PAGE)

    page = first_page()  # warm-up, and checked
    check_w3_page([r.info.run_name for r in page], [r.data.metrics for r in page], [r.data.params for r in page],
                  expected, "MLflow search_runs")
    samples = []
    for _ in range(cfg["reps"]):
        start = clock()
        first_page()
        samples.append(clock() - start)
    figures = latency_ms(samples)
    return {"runs": cfg["runs"], "matching": matching, "page": len(page), "sdk_median_ms": figures["median_ms"],
            "sdk_p95_ms": figures["p95_ms"], "reps": figures["reps"]}


def worker_mlflow_w4_create(cfg: dict[str, Any]) -> dict[str, Any]:
    """W4 set-up for MLflow, in-process into its SQLite store: log_batch of 1,000 `loss` metrics per call."""
    from mlflow.entities import Metric
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=cfg["db_uri"])
    run_id = client.create_run(client.create_experiment("w4")).info.run_id
    values = w4_values(cfg["steps"])
    start = time.perf_counter()
    for first in range(0, len(values), cfg["batch_metrics"]):
        now = int(time.time() * 1000)
        client.log_batch(run_id, metrics=[Metric("loss", values[i], now, i)
                                          for i in range(first, min(len(values), first + cfg["batch_metrics"]))])
    client.set_terminated(run_id)
    return {"run_id": run_id, "log_s": time.perf_counter() - start}


def worker_mlflow_w4_read(cfg: dict[str, Any]) -> dict[str, Any]:
    """W4 for MLflow through the server: get_metric_history (all points) and the get-history-bulk-interval
    REST endpoint with max_results=1000 (MlflowClient has no method for it)."""
    import requests
    from mlflow.tracking import MlflowClient

    values = w4_values(cfg["steps"])
    clock = time.perf_counter
    client = MlflowClient(tracking_uri=cfg["url"])
    start = clock()
    history = client.get_metric_history(cfg["run_id"], "loss")
    full_s = clock() - start
    if sorted((m.step, m.value) for m in history) != list(enumerate(values)):
        raise RuntimeError(f"get_metric_history: {len(history)} points, not the {len(values)} logged")

    url = cfg["url"] + "/ajax-api/2.0/mlflow/metrics/get-history-bulk-interval"
    params = {"run_ids": cfg["run_id"], "metric_key": "loss", "max_results": cfg["samples"]}
    with requests.Session() as session:
        def sampled() -> list[dict[str, Any]]:
            response = session.get(url, params=params, timeout=600)
            response.raise_for_status()
            return response.json().get("metrics", [])

        sample = sampled()  # warm-up, and checked
        if not sample or len(sample) > cfg["samples"] or any(m["value"] != values[int(m["step"])] for m in sample):
            raise RuntimeError(f"get-history-bulk-interval: {len(sample)} points, or values not the logged ones")
        latencies = []
        for _ in range(cfg["sample_reps"]):
            start = clock()
            sampled()
            latencies.append(clock() - start)
    figures = latency_ms(latencies)
    return {"points": len(history), "scan_s": full_s, "points_per_s": len(history) / full_s,
            "sample_rows": len(sample), "sample_median_ms": figures["median_ms"], "sample_p95_ms": figures["p95_ms"],
            "sample_reps": figures["reps"]}


WORKERS = {"runbase-w1": worker_runbase_w1, "runbase-w2": worker_runbase_w2,
           "runbase-w3-create": worker_runbase_w3_create, "runbase-w3-query": worker_runbase_w3_query,
           "runbase-w4-log": worker_runbase_w4_log, "runbase-w4-read": worker_runbase_w4_read,
           "runbase-w4-scan": worker_runbase_w4_scan, "runbase-w4-sample": worker_runbase_w4_sample,
           "runbase-w5": worker_runbase_w5,
           "mlflow-w1": worker_mlflow_w1, "mlflow-w2": worker_mlflow_w2,
           "mlflow-w3-create": worker_mlflow_w3_create, "mlflow-w3-query": worker_mlflow_w3_query,
           "mlflow-w4-create": worker_mlflow_w4_create, "mlflow-w4-read": worker_mlflow_w4_read}


def run_worker(python: str, name: str, cfg: dict[str, Any], timeout: float = 1800,
               script: str = __file__) -> dict[str, Any]:
    """Run one worker of `script` in a fresh interpreter; its last stdout line is the JSON result."""
    proc = subprocess.run([python, str(Path(script).resolve()), "--worker", name, json.dumps(cfg)],
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
                   timeout: float = 60) -> Iterator[subprocess.Popen[bytes]]:
    """Start a server, wait until it answers, and always stop it (SIGINT, then SIGKILL)."""
    with log.open("wb") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        wait_healthy(health_url, proc, log, timeout)
        yield proc
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


def vacuumed(name: str, tables: tuple[str, ...], timeout: float = 300.0) -> str:
    """Wait until PostgreSQL's autovacuum has vacuumed and analyzed `tables` since they were filled (it looks every
    minute), or, where autovacuum is off (as on some test machines), run what it would: until then a fresh table
    has no statistics and no visibility map, so index-only scans read the heap, which no project that has existed
    for a few minutes pays. Says which it was."""
    import psycopg

    start = time.monotonic()
    query = ("SELECT count(*) FROM pg_stat_user_tables WHERE relname = ANY(%s) AND last_autovacuum IS NOT NULL "
             "AND last_autoanalyze IS NOT NULL")
    with psycopg.connect(PG_ADMIN_DSN.replace("dbname=postgres", f"dbname={name}"), autocommit=True) as conn:
        if conn.execute("SHOW autovacuum").fetchone() == ("off",):
            conn.execute(f"VACUUM ANALYZE {', '.join(tables)}")
            return "VACUUM ANALYZE (this PostgreSQL has autovacuum off)"
        while conn.execute(query, (list(tables),)).fetchone() != (len(tables),):
            if time.monotonic() - start > timeout:
                raise RuntimeError(f"autovacuum did not reach {tables} within {timeout:.0f} s")
            time.sleep(2)
    return f"autovacuum, after {time.monotonic() - start:.0f} s"


def pg_size(name: str) -> int:
    import psycopg

    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        return conn.execute("SELECT pg_database_size(%s)", (name,)).fetchone()[0]


def file_bytes(db: Path) -> int:
    """The database file plus its WAL (and rollback journal), as a user would see them on disk."""
    return sum(p.stat().st_size for p in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-journal"))
               if p.exists())


@contextlib.contextmanager
def runbase_server(database: str, env: dict[str, str] | None = None) -> Iterator[dict[str, Any]]:
    """A real `runbase server` on a free port with a temp data dir (and a fresh PostgreSQL database);
    `env` adds RUNBASE_* settings."""
    key = secrets.token_hex(24)  # no "-": the shape the wandb client accepts
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
        server_env = {**os.environ, **(env or {}), "RUNBASE_ADMIN_API_KEY": key}
        info["pid"] = stack.enter_context(server_process(argv, info["url"] + "/healthz", Path(tmp) / "server.log",
                                                         server_env)).pid
        yield info


def history_line_count(server: dict[str, Any], run_id: str, project: str = "bench") -> int | None:
    """Ask the server (GraphQL) how many history rows it stored for the run."""
    query = '{ project(name: %s) { run(name: %s) { historyLineCount } } }' % (json.dumps(project), json.dumps(run_id))
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
    """W2 through runbase's SDK."""
    return ingest(database, lambda server: run_worker(sys.executable, "runbase-w2",
                                                      {**sdk_config(server), "steps": W2_STEPS}))


def ingest(database: str, log: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
    """W2 against a fresh runbase server, its run logged by `log(server)` (a worker's result: points, seconds,
    run_id), then the rows and the database's size checked."""
    with runbase_server(database) as server:
        before, cpu = pg_size(server["pg"]) if server["pg"] else 0, cpu_seconds(server["pid"])
        result = log(server)
        result["server_cpu_s"] = cpu_seconds(server["pid"]) - cpu  # the server's own work for the points
        result["points_per_s"] = result["points"] / result["seconds"]
        result["verified_rows"] = history_line_count(server, result["run_id"])
        if server["pg"]:  # pg_database_size growth: tables, TOAST and indexes, not the server's WAL
            result["bytes_per_point"] = (pg_size(server["pg"]) - before) / result["points"]
        else:  # whole files after the run: includes the empty schema (~0.1 MB) and WAL slack
            result["bytes_per_point"] = file_bytes(server["sqlite"]) / result["points"]
            wal = server["sqlite"].with_name("runbase.db-wal")
            result["wal_bytes"] = wal.stat().st_size if wal.exists() else 0
    if result["verified_rows"] != W2_STEPS:
        print(f"W2 ({database}): server has {result['verified_rows']} rows, expected {W2_STEPS}",
              file=sys.stderr)
    return result


# What a caller (the scaling mode) looks at while a workload's server still holds its data.
Inspect = Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]]


def runbase_w3(database: str, runs: int = W3_RUNS, inspect: Inspect | None = None) -> dict[str, Any]:
    """W3 against a fresh runbase server: create the runs over GraphQL, then time the search; `inspect(server,
    result)` adds its figures before the server stops."""
    with runbase_server(database) as server:
        result = create_runs(server, runs)
        query = {**sdk_config(server), "runs": runs, "reps": W3_REPS}
        result.update(run_worker(sys.executable, "runbase-w3-query", query))
        if server["pg"] is not None:
            result["maintenance"] = vacuumed(server["pg"], ("runs", "run_values"))
            again = run_worker(sys.executable, "runbase-w3-query", query)
            result.update({f"{key}_after_autovacuum": again[key] for key in W3_LATENCIES})
        if inspect is not None:
            result.update(inspect(server, result))
    return result


def runbase_w4(database: str, steps: int = W4_STEPS, inspect: Inspect | None = None) -> dict[str, Any]:
    """W4 against a fresh runbase server: log the run through the SDK, check it, then time the reads;
    `inspect(server, result)` adds its figures before the server stops."""
    with runbase_server(database) as server:
        result = run_worker(sys.executable, "runbase-w4-log", {**sdk_config(server), "project": "w4",
                                                                "steps": steps}, timeout=3600)
        result["verified_rows"] = history_line_count(server, result["run_id"], "w4")
        if result["verified_rows"] != steps:
            raise RuntimeError(f"server has {result['verified_rows']} history rows, expected {steps}")
        result.update(run_worker(sys.executable, "runbase-w4-read", {
            **sdk_config(server), "project": "w4", "run_id": result["run_id"], "steps": steps,
            "page_sizes": list(W4_PAGE_SIZES), "scan_reps": W4_SCAN_REPS, "samples": W4_SAMPLES,
            "sample_reps": W4_SAMPLE_REPS}))
        result.update(w4_concurrent(server, result["run_id"], steps))
        if inspect is not None:
            result.update(inspect(server, result))
    result.update(runbase_w4_uncached(database, steps))
    return result


def runbase_w4_uncached(database: str, steps: int) -> dict[str, Any]:
    """W4's sample on a server that keeps no history in memory (RUNBASE_HISTORY_CACHE_MB=0): what every read
    cost before the cache, and what a first read of a segment costs now."""
    with runbase_server(database, env={"RUNBASE_HISTORY_CACHE_MB": "0"}) as server:
        logged = run_worker(sys.executable, "runbase-w4-log", {**sdk_config(server), "project": "w4", "steps": steps},
                            timeout=3600)
        figures = run_worker(sys.executable, "runbase-w4-sample", {
            **sdk_config(server), "project": "w4", "run_id": logged["run_id"], "steps": steps, "samples": W4_SAMPLES,
            "sample_reps": W4_SAMPLE_REPS})
    return {f"uncached_{key}": value for key, value in figures.items()}


def cpu_seconds(pid: int) -> float:
    """A process's user + system CPU time so far (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_kib(pid: int, field: str) -> int | None:
    """A size from /proc/PID/status (VmRSS, VmHWM) in KiB; None where there is no /proc."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return None


def w4_concurrent(server: dict[str, Any], run_id: str, steps: int) -> dict[str, Any]:
    """W4 memory: W4_CLIENTS processes scan the whole run at once; the server's peak RSS meanwhile (its VmHWM,
    reset to the current RSS first by writing 5 to /proc/PID/clear_refs; where that fails, the peak since the
    server started, said so) and its RSS W4_SETTLE_S after the burst."""
    from concurrent.futures import ThreadPoolExecutor

    pid, size = server["pid"], max(W4_PAGE_SIZES)
    peak_reset_error = None
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError as exc:
        peak_reset_error = f"writing /proc/{pid}/clear_refs failed ({exc}): the peak is since the server started"
        print(f"W4 memory: {peak_reset_error}", file=sys.stderr, flush=True)
    before = proc_kib(pid, "VmRSS")
    cfg = {**sdk_config(server), "project": "w4", "run_id": run_id, "steps": steps, "page_size": size,
           "start_at": time.time() + W4_CLIENT_DELAY_S}
    start = time.perf_counter()
    with ThreadPoolExecutor(W4_CLIENTS) as pool:
        scans = list(pool.map(lambda _: run_worker(sys.executable, "runbase-w4-scan", cfg), range(W4_CLIENTS)))
    wall = time.perf_counter() - start - W4_CLIENT_DELAY_S
    peak = proc_kib(pid, "VmHWM")
    time.sleep(W4_SETTLE_S)
    after = proc_kib(pid, "VmRSS")
    return {"clients": W4_CLIENTS, "client_page_size": size, "server_rss_before_mb": before and before / 1024,
            "server_peak_rss_mb": peak and peak / 1024, "server_rss_after_mb": after and after / 1024,
            "peak_reset_error": peak_reset_error, "concurrent_scan_s": max(s["scan_s"] for s in scans),
            "concurrent_points_per_s": W4_CLIENTS * steps / max(s["scan_s"] for s in scans), "wall_s": wall}


def runbase_w5(database: str) -> dict[str, Any]:
    """W5 against a fresh runbase server whose per-automation rate limit is lifted (W5 fires 600 times a minute)."""
    # The receiver is on loopback, where deliveries may go only when the operator allows it.
    with runbase_server(database, {"RUNBASE_AUTOMATION_RATE_LIMIT": str(W5_RATE_LIMIT),
                                   "RUNBASE_WEBHOOK_ALLOWED_HOSTS": "127.0.0.1"}) as server:
        return run_worker(sys.executable, "runbase-w5", {
            **sdk_config(server), "project": "w5", "crossings": W5_CROSSINGS, "period": W5_PERIOD,
            "interval_s": W5_INTERVAL_S, "threshold": W5_THRESHOLD, "low": W5_LOW, "high": W5_HIGH,
            "wait_s": W5_WAIT_S}, timeout=600)


def runbase_create(database: str, runs: int = W3_RUNS) -> dict[str, Any]:
    """Run creation alone: W3's set-up (the same runs, threads and requests) against a fresh server, no search."""
    with runbase_server(database) as server:
        return create_runs(server, runs)


def create_runs(server: dict[str, Any], runs: int) -> dict[str, Any]:
    """W3's runs created over GraphQL by W3_THREADS client threads, with the server's CPU per run: on two cores
    the server's and the client's CPU together bound the rate."""
    cpu = cpu_seconds(server["pid"])
    result = run_worker(sys.executable, "runbase-w3-create",
                        {**sdk_config(server), "runs": runs, "threads": W3_THREADS})
    result["server_cpu_ms_per_run"] = (cpu_seconds(server["pid"]) - cpu) * 1000 / runs
    return result


def runbase_w8(database: str) -> dict[str, Any]:
    """W8 (web.py): runbase's run page and runs table in headless Chromium, and MLflow's UI on the same data in
    the same invocation; MLflow's figures travel under "mlflow" and land in its column."""
    import web

    result = web.measure(database)
    return {**web.flat(result, "runbase"), "mlflow": web.flat(result, "MLflow"), "report": web.notes(result),
            "detail": {key: value for key, value in result.items() if key != "figures"}}  # every sample, what was drawn


RUNBASE_WORKLOADS = {"W1": runbase_w1, "W2": runbase_w2, "W3": runbase_w3, "W4": runbase_w4, "W5": runbase_w5,
                     "W8": runbase_w8, "CREATE": runbase_create}

# -- MLflow ----------------------------------------------------------------------------------------------

def mlflow_python() -> str:
    """Create benchmarks/.venv-mlflow with MLflow 3.x unless it is already there; returns its python."""
    return peer_python(MLFLOW_VENV, ["mlflow>=3,<4"], "import mlflow")


def peer_python(venv: Path, requirements: list[str], probe: str) -> str:
    """A peer's own virtualenv (its dependencies must not meet runbase's), created with `requirements`
    unless the Python code `probe` already runs in it; returns its python."""
    python = venv / "bin" / "python"
    if python.exists() and subprocess.run([str(python), "-c", probe], capture_output=True).returncode == 0:
        return str(python)
    print(f"installing {' '.join(requirements)} into {venv} (a few minutes the first time)...", file=sys.stderr)
    base = getattr(sys, "_base_executable", sys.executable)
    for argv in ([base, "-m", "venv", "--clear", str(venv)],
                 [str(python), "-m", "pip", "install", "--quiet", *requirements]):
        proc = subprocess.run(argv, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(argv[:4])} failed:\n{(proc.stderr or proc.stdout)[-2000:]}")
    return str(python)


@contextlib.contextmanager
def mlflow_server(db: Path, tmp: Path) -> Iterator[str]:
    """`mlflow server` (default workers) on a SQLite backend store; yields its URL."""
    port = free_port()
    argv = [str(MLFLOW_VENV / "bin" / "mlflow"), "server", "--backend-store-uri", f"sqlite:///{db}",
            "--default-artifact-root", str(tmp / "artifacts"), "--host", "127.0.0.1", "--port", str(port)]
    url = f"http://127.0.0.1:{port}"
    with server_process(argv, url + "/health", tmp / "server.log", dict(os.environ), timeout=180):
        yield url


def mlflow_w3(python: str, tmp: Path) -> dict[str, Any]:
    """W3 for MLflow: runs created in-process into the SQLite file (through a server it would take far too
    long), then searched through a server started on that file."""
    db = tmp / "mlflow.db"
    result = run_worker(python, "mlflow-w3-create", {
        "db_uri": f"sqlite:///{db}", "runs": W3_RUNS, "scaled": MLFLOW_W3_SCALED, "probe": MLFLOW_W3_PROBE,
        "limit_s": MLFLOW_W3_LIMIT_S})
    with mlflow_server(db, tmp) as url:
        result.update(run_worker(python, "mlflow-w3-query", {
            "url": url, "experiment_id": result["experiment_id"], "runs": result["runs"], "reps": W3_REPS}))
    return result


def mlflow_w4(python: str, tmp: Path) -> dict[str, Any]:
    """W4 for MLflow: the run logged in-process into the SQLite file, then read through a server."""
    db = tmp / "mlflow.db"
    result = run_worker(python, "mlflow-w4-create", {"db_uri": f"sqlite:///{db}", "steps": W4_STEPS,
                                                     "batch_metrics": MLFLOW_BATCH_METRICS})
    with mlflow_server(db, tmp) as url:
        result.update(run_worker(python, "mlflow-w4-read", {
            "url": url, "run_id": result["run_id"], "steps": W4_STEPS, "samples": W4_SAMPLES,
            "sample_reps": MLFLOW_W4_SAMPLE_REPS}))
    return result


def mlflow_peers(workloads: list[str]) -> dict[str, Any]:
    """The workloads against an MLflow tracking server with a SQLite backend store: W1 and W2 share one
    server; W3 and W4 each get a fresh store and server. A failing workload is recorded, not fatal."""
    python = mlflow_python()
    version = subprocess.run([python, "-c", "import mlflow; print(mlflow.__version__)"],
                             capture_output=True, text=True).stdout.strip()
    out: dict[str, Any] = {"version": version}
    if "W1" in workloads or "W2" in workloads:
        with tempfile.TemporaryDirectory(prefix="mlflow-bench-") as tmp:
            db = Path(tmp) / "mlflow.db"
            with mlflow_server(db, Path(tmp)) as url:
                cfg = {"url": url}
                if "W1" in workloads:
                    out["W1"] = run_worker(python, "mlflow-w1", {**cfg, "calls": MLFLOW_W1_CALLS})
                if "W2" in workloads:
                    before = file_bytes(db)
                    w2 = run_worker(python, "mlflow-w2", {**cfg, "steps": MLFLOW_W2_STEPS,
                                                          "batch_metrics": MLFLOW_BATCH_METRICS})
                    w2["points_per_s"] = w2["points"] / w2["seconds"]
                    w2["bytes_per_point"] = (file_bytes(db) - before) / w2["points"]  # growth of mlflow.db
                    out["W2"] = w2
    for workload, measure in (("W3", mlflow_w3), ("W4", mlflow_w4)):
        if workload not in workloads:
            continue
        print(f"MLflow {workload}...", file=sys.stderr, flush=True)
        try:
            with tempfile.TemporaryDirectory(prefix="mlflow-bench-") as tmp:
                out[workload] = measure(python, Path(tmp))
        except Exception as exc:
            print(f"MLflow {workload} failed: {exc}", file=sys.stderr)
            out[workload] = {"error": str(exc)}
    return out


# -- report ----------------------------------------------------------------------------------------------

FIGURES = [  # (workload, label, result key, format, lower is better, ratio is like for like)
    ("W1", "median per log call (us)", "median_us", "{:,.1f}", True, True),
    ("W1", "p99 per log call (us)", "p99_us", "{:,.1f}", True, True),
    ("W1", "finish() (s)", "finish_s", "{:,.3f}", True, True),
    ("W2", "ingest (points/s)", "points_per_s", "{:,.0f}", False, True),
    ("W2", "bytes per point (approx.)", "bytes_per_point", "{:,.1f}", True, True),
    ("W3", "create runs (runs/s; MLflow in-process)", "create_runs_per_s", "{:,.0f}", False, False),
    ("CREATE", "create runs over GraphQL (runs/s)", "create_runs_per_s", "{:,.0f}", False, False),
    *[(workload, "server CPU per run created (ms)", "server_cpu_ms_per_run", "{:,.2f}", True, False)
      for workload in ("W3", "CREATE")],
    ("W3", "first page of 50, SDK median (ms)", "sdk_median_ms", "{:,.1f}", True, True),
    ("W3", "first page of 50, SDK p95 (ms)", "sdk_p95_ms", "{:,.1f}", True, True),
    ("W3", "first page of 50, raw GraphQL median (ms)", "graphql_median_ms", "{:,.1f}", True, True),
    ("W3", "first page of 50, raw GraphQL p95 (ms)", "graphql_p95_ms", "{:,.1f}", True, True),
    ("W3", "first page of 50, SDK's own CPU over raw GraphQL (ms)", "sdk_overhead_cpu_ms", "{:,.2f}", True, False),
    *[("W3", f"{label} once autovacuum has run (ms)", f"{key}_after_autovacuum", "{:,.1f}", True, False)
      for label, key in (("first page of 50, SDK median", "sdk_median_ms"), ("first page of 50, SDK p95", "sdk_p95_ms"),
                         ("first page of 50, raw GraphQL median", "graphql_median_ms"))],
    ("W4", "full history read (points/s)", "points_per_s", "{:,.0f}", False, True),
    ("W4", "full history read (s)", "scan_s", "{:,.3f}", True, True),
    ("W4", "1,000-point sample median (ms)", "sample_median_ms", "{:,.1f}", True, True),
    ("W4", "1,000-point sample p95 (ms)", "sample_p95_ms", "{:,.1f}", True, True),
    ("W4", "1,000-point sample median, history cache off (ms)", "uncached_sample_median_ms", "{:,.1f}", True, False),
    ("W4", "server peak RSS, 4 clients scanning at once (MB)", "server_peak_rss_mb", "{:,.0f}", True, False),
    ("W4", "server RSS after the burst (MB)", "server_rss_after_mb", "{:,.0f}", True, False),
    ("W4", "4 clients scanning at once (points/s in all)", "concurrent_points_per_s", "{:,.0f}", False, False),
    ("W5", "log -> webhook POST p50 (ms)", "p50_ms", "{:,.1f}", True, True),
    ("W5", "log -> webhook POST p90 (ms)", "p90_ms", "{:,.1f}", True, True),
    ("W5", "log -> webhook POST p99 (ms)", "p99_ms", "{:,.1f}", True, True),
    ("W5", "log -> webhook POST max (ms)", "max_ms", "{:,.1f}", True, True),
    ("W5", "crossings delivered", "delivered", "{:,.0f}", False, False),
    *[("W8", f"{page} drawn, {cache} cache, {stat} (ms)", f"{key}_{cache}_{stat}_ms", "{:,.0f}", True, True)
      for page, key in (("run page (8 charts)", "run_page"), ("runs table first page", "runs_table"))
      for cache in ("cold", "warm") for stat in ("median", "p95")],
]
# Workloads MLflow has no counterpart for: the table shows "n/a" in its column and the notes say why.
MLFLOW_NA = {"W5": "MLflow has no automations or webhooks on metrics, so W5 has no MLflow figure (n/a); "
                   "ClearML's Slack monitor polls every 10 s, so its latency is 0-10 s by design (not measured)"}
TARGETS = [  # (workload, result key, target text): printed for the record, not judged
    ("W3", "sdk_median_ms", "W3 first page median through the SDK < 15 ms"),
    ("W3", "sdk_overhead_cpu_ms", "W3 SDK's own overhead (client CPU over raw GraphQL) < 3 ms"),
    ("W4", "sample_median_ms", "W4 1,000-point sample < 5 ms"),
    ("W4", "points_per_s", "W4 full scan > 3,000,000 points/s"),
    ("W4", "server_peak_rss_mb", "W4 server peak RSS with 4 clients scanning at once < 300 MB"),
    ("W5", "p50_ms", "W5 log -> webhook POST p50 < 300 ms"),
    ("W5", "p99_ms", "W5 log -> webhook POST p99 < 1,000 ms"),
]


def table(results: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per figure and database; ratio is how many times better runbase is (>1: runbase wins)."""
    rows = []
    mlflow = results.get("mlflow") or {}
    for workload, label, key, fmt, lower_better, comparable in FIGURES:
        for database, figures in results["runbase"].items():
            ours = figures.get(workload, {}).get(key)
            theirs = mlflow.get(workload, {}).get(key) if isinstance(mlflow.get(workload), dict) else None
            if ours is None:
                continue
            ratio = None
            if comparable and theirs is not None and ours and theirs:
                ratio = theirs / ours if lower_better else ours / theirs
            rows.append({"workload": workload, "figure": label, "database": database, "runbase": ours,
                         "mlflow": "n/a" if workload in MLFLOW_NA else theirs, "ratio": ratio, "format": fmt})
    return rows


def notes(results: dict[str, Any]) -> list[str]:
    """What a reader of the table must know: failures, scaled-down peers, the targets."""
    def last_line(error: str) -> str:  # the exception's own message; the JSON keeps the whole traceback
        return ([line.strip() for line in error.splitlines() if line.strip()] or ["?"])[-1]

    lines = []
    mlflow = results.get("mlflow") or {}
    for database, figures in results["runbase"].items():
        for workload, figure in figures.items():
            if "error" in figure:
                lines.append(f"runbase {workload} ({database}) FAILED: {last_line(figure['error'])}")
    for workload, figure in mlflow.items():
        if isinstance(figure, dict) and "error" in figure:
            lines.append(f"MLflow {workload} FAILED: {last_line(figure['error'])}")
    if "error" in mlflow and isinstance(mlflow["error"], str):
        lines.append(f"MLflow skipped: {last_line(mlflow['error'])}")
    w3 = mlflow.get("W3") if isinstance(mlflow.get("W3"), dict) else {}
    if w3.get("runs") and w3["runs"] != W3_RUNS:
        lines.append(f"MLflow W3 searched {w3['runs']:,} runs, not {W3_RUNS:,}: creating them in-process was "
                     f"projected at {w3.get('projected_full_s') or 0:,.0f} s for {W3_RUNS:,} (> {MLFLOW_W3_LIMIT_S} s); "
                     f"{w3.get('matching', 0)} of them match the filter")
    for database, figures in results["runbase"].items():
        for workload in ("W3", "CREATE"):
            w3 = figures.get(workload) or {}
            if "create_s" in w3:
                matching = f"; {w3.get('matching', '?')} match the filter" if workload == "W3" else ""
                lines.append(f"runbase {workload} ({database}): {w3['runs']:,} runs created over GraphQL in "
                             f"{w3['create_s']:,.1f} s ({w3['threads']} client threads){matching}")
            if "maintenance" in w3:
                lines.append(f"runbase {workload} ({database}): measured again once the new runs were vacuumed and "
                             f"analyzed, by {w3['maintenance']}")
        w4 = figures.get("W4") or {}
        if "scan_s_by_page_size" in w4:
            by_size = ", ".join(f"{int(size):,}: {seconds:.3f} s" for size, seconds in w4["scan_s_by_page_size"].items())
            lines.append(f"runbase W4 ({database}): scan_history by page_size {by_size} (best of {W4_SCAN_REPS}); "
                         f"logging {W4_STEPS:,} steps took {w4['log_s']:,.1f} s")
        if w4.get("server_peak_rss_mb"):
            lines.append(f"runbase W4 ({database}): {w4['clients']} client processes scanning at once (page_size "
                         f"{w4['client_page_size']:,}) took {w4['concurrent_scan_s']:.2f} s; server RSS "
                         f"{w4['server_rss_before_mb']:,.0f} MB before, peak {w4['server_peak_rss_mb']:,.0f} MB, "
                         f"{w4['server_rss_after_mb']:,.0f} MB {W4_SETTLE_S:g} s after the burst")
        if w4.get("peak_reset_error"):
            lines.append(f"runbase W4 ({database}): {w4['peak_reset_error']}")
    for database, figures in results["runbase"].items():
        w5 = figures.get("W5") or {}
        if "stages_ms" in w5:
            stages = w5["stages_ms"]
            lines.append(f"runbase W5 ({database}): {w5['delivered']} of {w5['crossings']} crossings delivered once "
                         f"each; server-side stages p50 / p99 ms: " + ", ".join(
                             f"{name.replace('_', ' ')} {stage['p50_ms']:,.1f} / {stage['p99_ms']:,.1f}"
                             for name, stage in stages.items()))
    for database, figures in results["runbase"].items():
        lines += [f"W8 ({database}): {line}" for line in (figures.get("W8") or {}).get("report", []) if line]
    if any("W5" in figures for figures in results["runbase"].values()):
        lines.append(MLFLOW_NA["W5"])
    if "W4" in mlflow and isinstance(mlflow["W4"], dict) and "log_s" in mlflow["W4"]:
        lines.append(f"MLflow W4: full read = one get_metric_history call; sample = REST get-history-bulk-interval "
                     f"(max_results={W4_SAMPLES}), median of {MLFLOW_W4_SAMPLE_REPS}")
    for workload, key, text in TARGETS:
        figures_by_db = ", ".join(f"{database} {figures[workload][key]:,.1f}"
                                  for database, figures in results["runbase"].items()
                                  if key in (figures.get(workload) or {}))
        if figures_by_db:
            lines.append(f"target (for the record): {text}; measured {figures_by_db}")
    return lines


def print_table(rows: list[dict[str, Any]], peer_key: str = "mlflow", peer_name: str = "MLflow") -> None:
    """The rows as columns; the peer's figure is row[peer_key], headed peer_name."""
    cells = [("workload", "figure", "runbase db", "runbase", peer_name, "ratio")]
    for row in rows:
        fmt, peer = row["format"], row[peer_key]
        cells.append((row["workload"], row["figure"], row["database"], fmt.format(row["runbase"]),
                      "-" if peer is None else peer if isinstance(peer, str) else fmt.format(peer),
                      "-" if row["ratio"] is None else f"{row['ratio']:,.1f}x"))
    widths = [max(len(line[i]) for line in cells) for i in range(len(cells[0]))]
    for n, line in enumerate(cells):
        print("  ".join(c.ljust(w) if i < 3 else c.rjust(w) for i, (c, w) in enumerate(zip(line, widths))))
        if n == 0:
            print("  ".join("-" * w for w in widths))


def run_as_worker(args: argparse.Namespace, workers: Mapping[str, Callable[[dict[str, Any]], dict[str, Any]]]) -> bool:
    """When this process is a worker (--worker NAME CONFIG): run it and print its result as one JSON line."""
    if not args.worker:
        return False
    print(json.dumps(workers[args.worker[0]](json.loads(args.worker[1]))))
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workloads", default="W1,W2,W3,W4,W5",
                        help="comma-separated: W1,W2,W3,W4,W5, W8 (the web app, web.py; not in the default set) "
                             "and CREATE (W3's run creation alone)")
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--peers", action="store_true", help="also measure MLflow 3.x (installs it in a venv)")
    parser.add_argument("--worker", nargs=2, metavar=("NAME", "CONFIG"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if run_as_worker(args, WORKERS):
        return 0
    workloads = [w.strip().upper() for w in args.workloads.split(",") if w.strip()]
    unknown = set(workloads) - set(RUNBASE_WORKLOADS)
    if unknown:
        parser.error(f"unknown workloads: {', '.join(sorted(unknown))} (this script runs W1, W2, W3, W4, W5, W8 and CREATE)")
    databases = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    results: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "settings": {"w1_calls": W1_CALLS, "w2_steps": W2_STEPS, "keys": len(KEYS), "mlflow_w1_calls": MLFLOW_W1_CALLS,
                     "mlflow_w2_steps": MLFLOW_W2_STEPS, "mlflow_batch_metrics": MLFLOW_BATCH_METRICS,
                     "w3_runs": W3_RUNS, "w3_filters": W3_FILTERS, "w3_order": W3_ORDER, "w3_reps": W3_REPS,
                     "w3_threads": W3_THREADS, "mlflow_w3_filter": MLFLOW_W3_FILTER, "w4_steps": W4_STEPS,
                     "w4_page_sizes": list(W4_PAGE_SIZES), "w4_samples": W4_SAMPLES,
                     "w4_sample_reps": W4_SAMPLE_REPS, "mlflow_w4_sample_reps": MLFLOW_W4_SAMPLE_REPS,
                     "w4_clients": W4_CLIENTS,
                     "w5_crossings": W5_CROSSINGS, "w5_period": W5_PERIOD, "w5_interval_s": W5_INTERVAL_S,
                     "w5_threshold": W5_THRESHOLD, "w5_wait_s": W5_WAIT_S,
                     "w5_server_rate_limit": W5_RATE_LIMIT},
        "runbase": {},
    }
    for database in databases:
        figures = results["runbase"][database] = {}
        for workload in workloads:
            print(f"runbase {workload} ({database})...", file=sys.stderr, flush=True)
            try:
                figures[workload] = RUNBASE_WORKLOADS[workload](database)
                if "mlflow" in figures[workload]:  # a workload that measured its peer itself (W8)
                    results.setdefault("mlflow", {})[workload] = figures[workload].pop("mlflow")
            except Exception as exc:  # report it with the other figures rather than lose them
                print(f"runbase {workload} ({database}) failed: {exc}", file=sys.stderr, flush=True)
                figures[workload] = {"error": str(exc)}
    if args.peers:
        print("MLflow peers...", file=sys.stderr, flush=True)
        try:
            results["mlflow"] = {**results.get("mlflow", {}), **mlflow_peers(workloads)}
        except Exception as exc:  # a missing peer must not cost the runbase figures
            print(f"MLflow skipped: {exc}", file=sys.stderr)
            results["mlflow"] = {**results.get("mlflow", {}), "error": str(exc)}
    rows = table(results)
    results["table"] = [{k: v for k, v in row.items() if k != "format"} for row in rows]
    print_table(rows)
    results["notes"] = notes(results)
    if results["notes"]:
        print("\nnotes:")
        for line in results["notes"]:
            print(f"- {line}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(f"\nwrote {RESULTS.relative_to(Path.cwd()) if RESULTS.is_relative_to(Path.cwd()) else RESULTS}")
    return 1 if any("error" in figure for figures in results["runbase"].values() for figure in figures.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
