"""Workload W8 (the web app, see README.md here): in headless Chromium (Debian's, driven by Playwright), the time
from navigation to all charts drawn on a run of 8 metrics x 200,000 steps, and to the first page of a
10,000-run table; and the same two pages in MLflow's UI, on the same data, measured in the same invocation,
the four pages taking turns so that each meets the machine's load of the moment about equally.

    python benchmarks/web.py [--database sqlite|postgresql] [--cold 5] [--warm 10]
    python benchmarks/run.py --workloads W8        (the same, in run.py's table)

What "drawn" means, for each page, is in DONE below and in README.md. Each part runs in its own worker
process (this file re-invoked with --worker); the servers are run.py's. Only the standard library is imported
at module level.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import math
import os
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import (  # run.py is the harness this workload shares
    MLFLOW_VENV,
    free_port,
    mlflow_python,
    run_as_worker,
    run_worker,
    runbase_server,
    server_process,
)

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "web.json"
CHROMIUM = "/usr/bin/chromium"
METRICS = [f"m{k}" for k in range(8)]
STEPS = 200_000
RUNS = 10_000
RUN_PROJECT = "w8-run"  # the big run, alone in its project / experiment
TABLE_PROJECT = "w8"  # the 10,000 runs
RUNBASE_BATCH_ROWS = 20_000  # rows per logHistory request (8 values each)
MLFLOW_BATCH_METRICS = 1_000  # MLflow's limit per log-batch request: 125 steps x 8 metrics
LOAD_THREADS = 4
TABLE_KEYS = 3  # config p0..p2 and summary m0..m2 per table run, the same in both
BASE_MS = 1_700_000_000_000  # the runs' start times (MLflow orders its table by them)
# Tall enough that all 8 of MLflow's charts are on screen: MLflow draws a chart only once it is scrolled into
# view, runbase draws them all at once. Both get the same window.
VIEWPORT: Any = {"width": 1280, "height": 1600}  # Playwright's ViewportSize
NAVIGATION_TIMEOUT_MS = 120_000
COLD_REPS = 5
WARM_REPS = 10
PAGES = ("runbase run page", "MLflow run page", "runbase runs table", "MLflow runs table")

# When a page counts as drawn: checked in the page at every animation frame (Playwright's polling="raf"); the
# time is the page's own performance.now() at the first frame where it holds, i.e. milliseconds since the
# navigation started (performance.timeOrigin), so the browser's launch and Playwright's round trips stay out.
DONE = {
    # Every history chart (8) holds its uPlot instance, that instance has run its first commit (status 1:
    # axes laid out, the canvas painted), its canvas has a size, and its data are the points the page loaded
    # (x and y arrays of equal, non-zero length with at least one value). The frame that sees this is the one
    # that shows the painted canvases.
    "runbase run page": """(n) => {
        const charts = [...document.querySelectorAll('[data-section="history"] .chart')];
        if (charts.length !== n) return false;
        for (const c of charts) {
            const u = c.uplot;
            if (!u || u.status !== 1 || !(u.ctx.canvas.width > 0)) return false;
            const [xs, ys] = u.data;
            if (!xs || !ys || xs.length === 0 || xs.length !== ys.length || !ys.some((y) => y !== null)) return false;
        }
        return performance.now();
    }""",
    # Every metric chart (8) is a Plotly plot whose first trace holds points and whose SVG line has been drawn
    # (a non-empty path in its scatter layer).
    "MLflow run page": """(n) => {
        const plots = [...document.querySelectorAll('.js-plotly-plot')];
        if (plots.length < n) return false;
        for (const p of plots) {
            const trace = (p._fullData || [])[0];
            if (!trace || !trace.x || trace.x.length === 0) return false;
            const line = p.querySelector('.scatterlayer path.js-line');
            if (!line || !(line.getAttribute('d') || '').length) return false;
        }
        return performance.now();
    }""",
    # The table's first page: 50 rows, the first one the newest run, and the total (10,000) shown.
    "runbase runs table": """([n, first, total]) => {
        const rows = document.querySelectorAll('table.runs-table tbody tr[data-run]');
        if (rows.length !== n || rows[0].dataset.run !== first) return false;
        if ((document.querySelector('.count .total') || {}).textContent !== String(total)) return false;
        return performance.now();
    }""",
    # MLflow's grid (AG Grid; it puts only the rows in view into the page) shows rows, the newest run's among
    # them by name.
    "MLflow runs table": """([n, first]) => {
        const rows = [...document.querySelectorAll('.ag-row')];
        if (rows.length < n || !rows.some((r) => r.textContent.includes(first))) return false;
        return performance.now();
    }""",
}


# -- data: deterministic, so every worker can recompute it ------------------------------------------------

def metric_value(k: int, step: int) -> float:
    """Metric k at a step: a decaying curve with a wiggle and a spike every 10,007 steps."""
    spike = 1.0 if step % 10_007 == 0 else 0.0
    return round((k + 1) * math.exp(-step / 60_000) + 0.05 * math.sin(step / 37 + k) + spike, 6)


def table_run(index: int) -> tuple[str, dict[str, Any], dict[str, float]]:
    """Run `index` of the 10,000: its name, config p0..p2 and summary m0..m2."""
    config: dict[str, Any] = {"p0": ("adam", "sgd", "lion")[index % 3], "p1": index % 7, "p2": round(0.001 * (index % 11), 6)}
    summary = {f"m{j}": round(((index * 2_654_435_761 + j * 40_503) % 1_000_003) / 1_000_003, 6) for j in range(TABLE_KEYS)}
    return f"run{index:05d}", config, summary


def latency(samples_ms: list[float]) -> dict[str, float]:
    """Median and p95 (nearest rank) of milliseconds, and the extremes."""
    ordered = sorted(samples_ms)
    p95 = ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]
    return {"median_ms": statistics.median(ordered), "p95_ms": p95, "min_ms": ordered[0], "max_ms": ordered[-1],
            "reps": len(ordered)}


# -- loading runbase: GraphQL over keep-alive HTTP ---------------------------------------------------------

UPSERT = ('mutation($i: UpsertBucketInput!) { upsertBucket(input: $i) { bucket { id } inserted } }')
LOG = "mutation($i: LogHistoryInput!) { logHistory(input: $i) { historyLineCount } }"
COUNT = 'query($p: String!, $r: String!) { project(name: $p) { run(name: $r) { historyLineCount } } }'
FIRST = ('query($p: String!) { project(name: $p) { runCount runs(order: "-created_at", first: 1) '
         '{ edges { node { name } } } } }')


def worker_runbase_load(cfg: dict[str, Any]) -> dict[str, Any]:
    """The big run through logHistory in batches of 20,000 rows; the 10,000 runs through upsertBucket from a
    few threads (the first alone: it creates the project)."""
    import httpx

    def client() -> httpx.Client:
        return httpx.Client(base_url=cfg["url"], headers={"Authorization": f"Bearer {cfg['key']}"}, timeout=600)

    def graphql(http: httpx.Client, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        body = http.post("/graphql", json={"query": query, "variables": variables}).json()
        if body.get("errors"):
            raise RuntimeError(f"runbase GraphQL: {json.dumps(body['errors'])[:2000]}")
        return dict(body["data"])

    out: dict[str, Any] = {}
    with client() as http:
        start = time.perf_counter()
        graphql(http, UPSERT, {"i": {"modelName": RUN_PROJECT, "name": "big", "state": "finished"}})
        for low in range(0, cfg["steps"], RUNBASE_BATCH_ROWS):
            rows = [{"_step": i, **{key: metric_value(k, i) for k, key in enumerate(METRICS)}}
                    for i in range(low, min(cfg["steps"], low + RUNBASE_BATCH_ROWS))]
            graphql(http, LOG, {"i": {"projectName": RUN_PROJECT, "runName": "big", "rows": json.dumps(rows)}})
        out["run_log_s"] = time.perf_counter() - start
        out["run_rows"] = graphql(http, COUNT, {"p": RUN_PROJECT, "r": "big"})["project"]["run"]["historyLineCount"]

    def create(indexes: list[int]) -> None:
        with client() as http:
            for index in indexes:
                name, config, summary = table_run(index)
                graphql(http, UPSERT, {"i": {"modelName": TABLE_PROJECT, "name": name, "state": "finished",
                                             "config": json.dumps({k: {"value": v} for k, v in config.items()}),
                                             "summaryMetrics": json.dumps(summary)}})

    start = time.perf_counter()
    create([0])
    with ThreadPoolExecutor(LOAD_THREADS) as pool:
        list(pool.map(create, [list(range(1 + t, cfg["runs"], LOAD_THREADS)) for t in range(LOAD_THREADS)]))
    out["table_create_s"] = time.perf_counter() - start
    with client() as http:
        project = graphql(http, FIRST, {"p": TABLE_PROJECT})["project"]
    out["table_runs"] = project["runCount"]
    out["table_first"] = project["runs"]["edges"][0]["node"]["name"]
    return out


# -- loading MLflow: its REST API (standard library only) ----------------------------------------------------

class MlflowRest:
    """One keep-alive connection to an MLflow server's REST API, opened anew after a pause (the server closes
    idle ones after a few seconds)."""

    IDLE_S = 2.0

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        self.used = time.monotonic()

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        if time.monotonic() - self.used > self.IDLE_S:
            self.conn.close()  # http.client connects again on the next request
        self.conn.request(method, "/api/2.0/mlflow/" + path, body=None if body is None else json.dumps(body),
                          headers={"Content-Type": "application/json"})
        response = self.conn.getresponse()
        data = response.read()
        self.used = time.monotonic()
        if response.status != 200:
            raise RuntimeError(f"MLflow {method} {path}: HTTP {response.status}: {data[:2000]!r}")
        return dict(json.loads(data or b"{}"))

    def close(self) -> None:
        self.conn.close()


def mlflow_log_run(port: int, run_id: str, steps: int) -> None:
    """The big run's metrics through REST log-batch, 1,000 metrics (125 steps x 8) a request, from a few threads,
    each with its own connection."""
    per = MLFLOW_BATCH_METRICS // len(METRICS)

    def send(firsts: list[int]) -> None:
        rest = MlflowRest(port)
        try:
            for first in firsts:
                metrics = [{"key": key, "value": metric_value(k, i), "timestamp": BASE_MS + i, "step": i}
                           for i in range(first, min(steps, first + per)) for k, key in enumerate(METRICS)]
                rest.call("POST", "runs/log-batch", {"run_id": run_id, "metrics": metrics})
        finally:
            rest.close()

    firsts = list(range(0, steps, per))
    with ThreadPoolExecutor(LOAD_THREADS) as pool:
        list(pool.map(send, [firsts[t::LOAD_THREADS] for t in range(LOAD_THREADS)]))


def mlflow_clone_runs(db: Path, template: str, runs: int) -> None:
    """Runs 1..runs-1 as copies of run 0 (made through REST) in MLflow's own tables, each with its own id, name,
    start time, params and metric values: every row of every table keyed by the run's id is copied, so the
    copies are whatever MLflow itself stored for run 0."""
    with contextlib.closing(sqlite3.connect(db, timeout=60)) as conn, conn:
        tables = [name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                  if any(col[1] == "run_uuid" for col in conn.execute(f"PRAGMA table_info('{name}')"))]
        for table in tables:
            columns = [col[1] for col in conn.execute(f"PRAGMA table_info('{table}')")]
            template_rows = [dict(zip(columns, row)) for row in
                             conn.execute(f"SELECT * FROM \"{table}\" WHERE run_uuid = ?", (template,))]
            copies = []
            for index in range(1, runs):
                name, config, summary = table_run(index)
                run_uuid = uuid.uuid5(uuid.NAMESPACE_OID, f"w8-{index}").hex
                for row in template_rows:
                    row = {**row, "run_uuid": run_uuid}
                    if table == "runs":
                        row.update(name=name, start_time=BASE_MS + index, end_time=BASE_MS + index + 1,
                                   artifact_uri=str(row["artifact_uri"]).replace(template, run_uuid))
                    elif table == "tags" and row["key"] == "mlflow.runName":
                        row["value"] = name
                    elif table == "params" and row["key"] in config:
                        row["value"] = str(config[row["key"]])
                    elif table in ("metrics", "latest_metrics") and row["key"] in summary:
                        row["value"] = summary[row["key"]]
                    copies.append(tuple(row[c] for c in columns))
            if copies:
                marks = ", ".join("?" * len(columns))
                quoted = ", ".join(f'"{c}"' for c in columns)
                conn.executemany(f'INSERT INTO "{table}" ({quoted}) VALUES ({marks})', copies)


def mlflow_load(port: int, db: Path, steps: int, runs: int) -> dict[str, Any]:
    """Both MLflow data sets, checked through REST: the big run's latest step of each metric and its stored point
    count, the table's run count and its newest run."""
    rest = MlflowRest(port)
    out: dict[str, Any] = {}
    try:
        experiment = rest.call("POST", "experiments/create", {"name": RUN_PROJECT})["experiment_id"]
        run_id = rest.call("POST", "runs/create", {"experiment_id": experiment, "run_name": "big",
                                                   "start_time": BASE_MS})["run"]["info"]["run_id"]
        start = time.perf_counter()
        mlflow_log_run(port, run_id, steps)
        rest.call("POST", "runs/update", {"run_id": run_id, "status": "FINISHED", "end_time": BASE_MS + steps})
        out["run_log_s"] = time.perf_counter() - start
        latest = rest.call("GET", f"runs/get?run_id={run_id}")["run"]["data"].get("metrics", [])
        if sorted((m["key"], m["step"]) for m in latest) != [(key, steps - 1) for key in METRICS]:
            raise RuntimeError(f"MLflow's run has these latest metrics, not all 8 at step {steps - 1}: {latest}")
        with contextlib.closing(sqlite3.connect(db, timeout=60)) as conn:
            out["run_points"] = conn.execute("SELECT count(*) FROM metrics WHERE run_uuid = ?", (run_id,)).fetchone()[0]
        if out["run_points"] != steps * len(METRICS):
            raise RuntimeError(f"MLflow stored {out['run_points']} points, not {steps * len(METRICS)}")
        out["experiment_id"], out["run_id"] = experiment, run_id

        table = rest.call("POST", "experiments/create", {"name": TABLE_PROJECT})["experiment_id"]
        start = time.perf_counter()
        name, config, summary = table_run(0)
        template = rest.call("POST", "runs/create", {"experiment_id": table, "run_name": name,
                                                     "start_time": BASE_MS})["run"]["info"]["run_id"]
        rest.call("POST", "runs/log-batch", {
            "run_id": template, "params": [{"key": k, "value": str(v)} for k, v in config.items()],
            "metrics": [{"key": k, "value": v, "timestamp": BASE_MS, "step": 0} for k, v in summary.items()]})
        rest.call("POST", "runs/update", {"run_id": template, "status": "FINISHED", "end_time": BASE_MS + 1})
        mlflow_clone_runs(db, template, runs)
        out["table_create_s"] = time.perf_counter() - start
        counted, token, first = 0, None, None
        while True:  # the whole table through REST search, as the UI pages it
            page = rest.call("POST", "runs/search", {"experiment_ids": [table], "max_results": 1000,
                                                     "order_by": ["attributes.start_time DESC"],
                                                     **({"page_token": token} if token else {})})
            found = page.get("runs", [])
            first = first or found[0]["info"]["run_name"]
            counted += len(found)
            token = page.get("next_page_token")
            if not token:
                break
        out["table_experiment_id"], out["table_runs"], out["table_first"] = table, counted, first
    finally:
        rest.close()
    return out


# -- the browser ----------------------------------------------------------------------------------------

def worker_browser(cfg: dict[str, Any]) -> dict[str, Any]:
    """Sign in to runbase once, then navigate to the four pages in turn: cold (a new browser context each time,
    so an empty HTTP cache; runbase's session cookie is carried over) and warm (one context per page whose
    cache a first, unmeasured navigation filled; a new tab each time)."""
    from playwright.sync_api import sync_playwright

    targets = {
        "runbase run page": (cfg["runbase_run_url"], len(METRICS)),
        "MLflow run page": (cfg["mlflow_run_url"], len(METRICS)),
        "runbase runs table": (cfg["runbase_table_url"], [50, cfg["runbase_first"], cfg["runs"]]),
        "MLflow runs table": (cfg["mlflow_table_url"], [1, cfg["mlflow_first"]]),
    }
    pages = [name for name in PAGES if targets[name][0]]  # MLflow's have none where it could not be set up
    samples: dict[str, dict[str, list[float]]] = {page: {"cold": [], "warm": []} for page in PAGES}
    wall: dict[str, list[float]] = {page: [] for page in PAGES}
    seen: dict[str, Any] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        signing = browser.new_context(viewport=VIEWPORT)
        page = signing.new_page()
        page.goto(cfg["runbase_table_url"])
        page.wait_for_url(lambda url: "/signin" in url)
        page.fill("#api-key", cfg["key"])
        page.click("button[type=submit]")
        page.wait_for_url(cfg["runbase_table_url"])
        state = signing.storage_state()
        signing.close()

        def measure(context: Any, name: str) -> float:
            url, arg = targets[name]
            tab = context.new_page()
            errors: list[str] = []
            tab.on("pageerror", lambda error: errors.append(str(error)))
            try:
                started = time.perf_counter()
                tab.goto(url, wait_until="commit", timeout=NAVIGATION_TIMEOUT_MS)
                done = tab.wait_for_function(DONE[name], arg=arg, polling="raf", timeout=NAVIGATION_TIMEOUT_MS)
                wall[name].append((time.perf_counter() - started) * 1000)
                if name not in seen:  # what was drawn, and when each request ended, read once from the page
                    seen[name] = tab.evaluate(SEEN[name])
                    seen[name].update(page_errors=errors, timeline=tab.evaluate(TIMELINE))
                return float(done.json_value())
            finally:
                tab.close()

        warm = {name: browser.new_context(viewport=VIEWPORT, storage_state=state) for name in pages}
        for name in pages:
            measure(warm[name], name)  # fills the cache; not counted
        for rep in range(max(cfg["cold"], cfg["warm"])):
            for name in pages:
                if rep < cfg["cold"]:
                    context = browser.new_context(viewport=VIEWPORT, storage_state=state)
                    try:
                        samples[name]["cold"].append(measure(context, name))
                    finally:
                        context.close()
                if rep < cfg["warm"]:
                    samples[name]["warm"].append(measure(warm[name], name))
        for context in warm.values():
            context.close()
        version = browser.version
        browser.close()
    return {"chromium": version, "samples_ms": samples, "wall_ms": {k: latency(v) for k, v in wall.items() if v},
            "seen": seen, "viewport": VIEWPORT}


# Where the time went on the first navigation to a page (a cold one): when the HTML and each request the page
# made ended, in ms since the navigation started.
TIMELINE = """() => [["html", Math.round(performance.getEntriesByType('navigation')[0].responseEnd)],
    ...performance.getEntriesByType('resource').map((e) => [e.name.replace(location.origin, '').slice(0, 90),
                                                            Math.round(e.startTime), Math.round(e.responseEnd)])]"""

# What each page had drawn, read once after its first measured navigation (the points per chart, the rows).
SEEN = {
    "runbase run page": """() => { const cs = [...document.querySelectorAll('[data-section="history"] .chart')];
        return {charts: cs.length, points: cs.map((c) => c.uplot.data[0].length),
                x_max: Math.max(...cs.map((c) => c.uplot.data[0][c.uplot.data[0].length - 1]))}; }""",
    "MLflow run page": """() => { const ps = [...document.querySelectorAll('.js-plotly-plot')];
        return {charts: ps.length, points: ps.map((p) => p._fullData[0].x.length),
                below_window: ps.filter((p) => p.getBoundingClientRect().bottom > innerHeight).length}; }""",
    "runbase runs table": """() => ({rows: document.querySelectorAll('table.runs-table tbody tr[data-run]').length,
        first: document.querySelector('table.runs-table tbody tr[data-run]').dataset.run})""",
    "MLflow runs table": """() => ({rows_in_page: document.querySelectorAll('.ag-center-cols-container .ag-row').length,
        text: (document.body.innerText.match(/\\d+ matching runs/) || [''])[0]})""",
}


# -- the workload ---------------------------------------------------------------------------------------

@contextlib.contextmanager
def mlflow_ui_server(db: Path, tmp: Path) -> Iterator[int]:
    """`mlflow server` as run.py starts it (SQLite store, default workers), telemetry off; yields its port."""
    port = free_port()
    argv = [str(MLFLOW_VENV / "bin" / "mlflow"), "server", "--backend-store-uri", f"sqlite:///{db}",
            "--default-artifact-root", str(tmp / "artifacts"), "--host", "127.0.0.1", "--port", str(port)]
    env = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true"}
    with server_process(argv, f"http://127.0.0.1:{port}/health", tmp / "mlflow.log", env, timeout=180):
        yield port


def mlflow_side(stack: contextlib.ExitStack, steps: int, runs: int) -> dict[str, Any]:
    """MLflow's server with both data sets loaded, up until `stack` closes: its two page URLs; or, where that
    cannot be had, the reason (its pages are then not measured, and the output says why)."""
    try:
        mlflow_python()  # installs MLflow's virtualenv on first use
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="mlflow-w8-")))
        port = stack.enter_context(mlflow_ui_server(tmp / "mlflow.db", tmp))
        print("W8: loading MLflow...", file=sys.stderr, flush=True)
        theirs = mlflow_load(port, tmp / "mlflow.db", steps, runs)
        if theirs["table_runs"] != runs:
            raise RuntimeError(f"MLflow's search finds {theirs['table_runs']} runs, not {runs}")
    except Exception as exc:  # runbase's figures still count; the reason is printed in their place
        print(f"W8: MLflow's UI is not measured: {exc}", file=sys.stderr, flush=True)
        return {"error": f"{type(exc).__name__}: {exc}"}
    pages = f"http://127.0.0.1:{port}/#/experiments"
    return {**theirs, "run_url": f"{pages}/{theirs['experiment_id']}/runs/{theirs['run_id']}/model-metrics",
            "table_url": f"{pages}/{theirs['table_experiment_id']}/runs"}


def measure(database: str = "sqlite", cold: int = COLD_REPS, warm: int = WARM_REPS, *, steps: int = STEPS,
            runs: int = RUNS) -> dict[str, Any]:
    """W8: both servers up at once, both data sets loaded and checked, then the browser worker."""
    result: dict[str, Any] = {"database": database, "steps": steps, "metrics": len(METRICS), "runs": runs,
                              "load_before": os.getloadavg()}
    with runbase_server(database) as server, contextlib.ExitStack() as stack:
        print("W8: loading runbase...", file=sys.stderr, flush=True)
        ours = run_worker(sys.executable, "runbase-load", {"url": server["url"], "key": server["key"],
                                                           "steps": steps, "runs": runs}, script=__file__)
        if ours["run_rows"] != steps or ours["table_runs"] != runs:
            raise RuntimeError(f"runbase holds {ours['run_rows']} rows and {ours['table_runs']} runs")
        theirs = mlflow_side(stack, steps, runs)
        print("W8: navigating...", file=sys.stderr, flush=True)
        result["load_at_navigation"] = os.getloadavg()
        browser = run_worker(sys.executable, "browser", {
            "key": server["key"], "cold": cold, "warm": warm, "runs": runs,
            "runbase_run_url": f"{server['url']}/admin/{RUN_PROJECT}/runs/big",
            "runbase_table_url": f"{server['url']}/admin/{TABLE_PROJECT}",
            "runbase_first": ours["table_first"], "mlflow_run_url": theirs.get("run_url"),
            "mlflow_table_url": theirs.get("table_url"), "mlflow_first": theirs.get("table_first")},
            timeout=3600, script=__file__)
    result["load_after"] = os.getloadavg()
    result.update(runbase_load=ours, mlflow_load=theirs, chromium=browser["chromium"], viewport=browser["viewport"],
                  seen=browser["seen"], wall_ms=browser["wall_ms"], samples_ms=browser["samples_ms"],
                  figures={name: {cache: latency(values) for cache, values in by_cache.items() if values}
                           for name, by_cache in browser["samples_ms"].items()})
    return result


def flat(result: dict[str, Any], side: str) -> dict[str, float]:
    """One side's figures (side: "runbase" or "MLflow") as run.py's table keys: run_page_cold_median_ms..."""
    out = {}
    for page, key in (("run page", "run_page"), ("runs table", "runs_table")):
        for cache, figure in result["figures"].get(f"{side} {page}", {}).items():
            out.update({f"{key}_{cache}_median_ms": figure["median_ms"], f"{key}_{cache}_p95_ms": figure["p95_ms"]})
    return out


def table(result: dict[str, Any]) -> list[str]:
    figures = result["figures"]
    lines = [f"{'page':<20}  {'cache':<5}  {'median ms':>9}  {'p95 ms':>8}  {'min ms':>8}  {'max ms':>8}  reps",
             "-" * 72]
    for name in PAGES:
        for cache, figure in figures[name].items():
            lines.append(f"{name:<20}  {cache:<5}  {figure['median_ms']:>9,.0f}  {figure['p95_ms']:>8,.0f}  "
                         f"{figure['min_ms']:>8,.0f}  {figure['max_ms']:>8,.0f}  {figure['reps']}")
        if not figures[name]:
            lines.append(f"{name:<20}  -      not measured: {result['mlflow_load'].get('error', '?')}"[:300])
    return lines


def notes(result: dict[str, Any]) -> list[str]:
    """The targets, judged, and what a reader of the table must know."""
    figures = result["figures"]
    lines = []
    targets = [("runbase run page", 1000, "run page < 1 s"), ("runbase runs table", 300, "runs table < 300 ms")]
    for name, limit, text in targets:
        for cache, figure in figures[name].items():
            verdict = "met" if figure["median_ms"] < limit else "NOT met"
            lines.append(f"target {text} ({cache} cache): median {figure['median_ms']:,.0f} ms, {verdict}")
    for cache in ("cold", "warm"):
        ours, theirs = figures["runbase run page"].get(cache), figures["MLflow run page"].get(cache)
        if ours and theirs:
            ratio = theirs["median_ms"] / ours["median_ms"]
            lines.append(f"target >= 10x faster than MLflow's run page ({cache} cache): {ratio:,.1f}x, "
                         f"{'met' if ratio >= 10 else 'NOT met'}")
        ours, theirs = figures["runbase runs table"].get(cache), figures["MLflow runs table"].get(cache)
        if ours and theirs:
            lines.append(f"runs table vs MLflow's ({cache} cache): {theirs['median_ms'] / ours['median_ms']:,.1f}x")
    seen, ours, theirs = result["seen"], result["runbase_load"], result["mlflow_load"]
    lines += [
        "times: the page's performance.now() at the first animation frame where it counts as drawn (DONE in "
        f"web.py), i.e. since navigation start; Chromium {result['chromium']} headless, window "
        f"{result['viewport']['width']}x{result['viewport']['height']}; runbase database {result['database']}",
        "cold = a new browser context per navigation (empty HTTP cache, runbase's session cookie carried over); "
        "warm = one context per page, its cache filled by an unmeasured first navigation, a new tab each time",
        f"drawn: runbase run page {seen['runbase run page']['charts']} charts of "
        f"{seen['runbase run page']['points']} points (sampled by the server from {result['steps']:,} steps); "
        f"runbase runs table {seen['runbase runs table']['rows']} rows (first {seen['runbase runs table']['first']})",
        f"data: runbase logHistory {result['steps']:,} rows x {len(METRICS)} in {ours['run_log_s']:.1f} s, "
        f"{result['runs']:,} runs over GraphQL upsertBucket in {ours['table_create_s']:.1f} s",
    ]
    if "error" in theirs:
        lines.append(f"MLflow's UI NOT measured: {theirs['error']}"[:2000])
    else:
        lines += [
            f"drawn: MLflow run page {seen['MLflow run page']['charts']} charts of {seen['MLflow run page']['points']} "
            f"points ({seen['MLflow run page']['below_window']} below the window); MLflow runs table "
            f"{seen['MLflow runs table']['rows_in_page']} grid rows in the page ('{seen['MLflow runs table']['text']}')",
            f"data: MLflow REST log-batch {result['steps'] * len(METRICS):,} points in {theirs['run_log_s']:.1f} s "
            f"({LOAD_THREADS} threads); its {result['runs']:,} runs: one through REST, copied in its SQLite tables "
            f"({theirs['table_create_s']:.1f} s) and counted back through REST runs/search",
        ]
    lines.append("load average (1, 5, 15 min): before " + ", ".join(f"{x:.2f}" for x in result["load_before"]) +
                 "; at the first navigation " + ", ".join(f"{x:.2f}" for x in result["load_at_navigation"]) +
                 "; after " + ", ".join(f"{x:.2f}" for x in result["load_after"]))
    for name in ("runbase run page", "runbase runs table"):
        steps = ", ".join(f"{entry[0].split('?')[0]} {'-'.join(map(str, entry[1:]))}" for entry in seen[name]["timeline"])
        lines.append(f"{name}, first (cold) navigation, requests ended at (ms): {steps}")
    errors = {name: s.get("page_errors") for name, s in seen.items() if s.get("page_errors")}
    if errors:
        lines.append(f"page errors seen: {json.dumps(errors)[:1000]}")
    return lines


WORKERS = {"runbase-load": worker_runbase_load, "browser": worker_browser}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--cold", type=int, default=COLD_REPS, help="cold-cache navigations per page")
    parser.add_argument("--warm", type=int, default=WARM_REPS, help="warm-cache navigations per page")
    parser.add_argument("--steps", type=int, default=STEPS, help="steps of the big run (smaller: a quick check)")
    parser.add_argument("--runs", type=int, default=RUNS, help="runs in the table (smaller: a quick check)")
    parser.add_argument("--worker", nargs=2, metavar=("NAME", "CONFIG"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if run_as_worker(args, WORKERS):
        return 0
    result = measure(args.database, args.cold, args.warm, steps=args.steps, runs=args.runs)
    print("\n".join([*table(result), "", *notes(result)]))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwrote {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
