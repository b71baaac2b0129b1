"""How cost grows: W3 (first page of a filtered, ordered run search) at several project sizes and W4 (one run's
history: full scan and 1,000-point sample) at several run lengths, on SQLite and PostgreSQL, with the query plans
of the SQL the server issues for each, a table and a log-log plot.

    python benchmarks/scaling.py [--sizes small|full] [--w3-runs N,N] [--w4-steps N,N] [--workloads W3,W4]
                                 [--database sqlite|postgresql|both]

The workloads are run.py's (same workers, servers, data and checks); only the sizes change. The plans come from
a second server process on the same database that records the statements its SQLAlchemy engine sends while the
SDK makes the workload's calls, then asks the database to EXPLAIN each (PostgreSQL: EXPLAIN ANALYZE).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import (  # noqa: E402 - run.py is the harness this mode shares
    PG_URL,
    W3_FILTERS,
    W3_GRAPHQL,
    W3_ORDER,
    W3_PAGE,
    W4_PAGE_SIZES,
    W4_SAMPLES,
    free_port,
    graphql,
    run_as_worker,
    run_worker,
    runbase_w3,
    runbase_w4,
)

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "scaling.json"
PLANS = HERE / "results" / "scaling-plans.txt"
PLOT = HERE / "scaling.png"  # tracked: the README links it
SIZES = {"small": {"W3": [1_000, 10_000], "W4": [20_000, 200_000]},
         "full": {"W3": [1_000, 10_000, 100_000], "W4": [20_000, 200_000, 2_000_000]}}
FIGURES = {  # workload -> (label, result key, format)
    "W3": [("SDK first page median (ms)", "sdk_median_ms", "{:,.1f}"),
           ("raw GraphQL median (ms)", "graphql_median_ms", "{:,.1f}"),
           ("SDK first page median once autovacuum has run (ms)", "sdk_median_ms_after_autovacuum", "{:,.1f}"),
           ("raw GraphQL median once autovacuum has run (ms)", "graphql_median_ms_after_autovacuum", "{:,.1f}"),
           ("create (runs/s)", "create_runs_per_s", "{:,.0f}")],
    "W4": [("full scan (points/s)", "points_per_s", "{:,.0f}"),
           ("full scan (s)", "scan_s", "{:,.3f}"),
           ("1,000-point sample median (ms)", "sample_median_ms", "{:,.1f}"),
           ("1,000-point sample median, history cache off (ms)", "uncached_sample_median_ms", "{:,.1f}"),
           ("log through the SDK (s)", "log_s", "{:,.1f}")],
}


# -- plans worker: a second server in this process, its SQL recorded and explained ---------------------

def worker_plans(cfg: dict[str, Any]) -> dict[str, Any]:
    """The statements the server sends for each of the workload's calls, each with the database's plan."""
    import httpx
    import runbase
    import uvicorn
    from runbase_server.database import make_engine
    from runbase_server.http.app import create_app
    from runbase_server.http.protocol import deadlined_h11
    from runbase_server.settings import ServerSettings
    from sqlalchemy import Engine, event

    sent: list[tuple[str, Any]] = []

    def record(statement: Any, parameters: Any) -> None:
        if str(statement).lstrip().upper().startswith(("SELECT", "WITH")):
            sent.append((str(statement), parameters))

    settings = ServerSettings(data_dir=Path(cfg["data_dir"]), database_url=cfg["database_url"])
    postgres = cfg["database_url"] is not None
    if postgres:  # at the driver: the history reads go to psycopg's binary cursor, past SQLAlchemy
        import psycopg

        execute = psycopg.Cursor.execute

        def recorded(cursor: Any, query: Any, params: Any = None, **kwargs: Any) -> Any:
            record(query, params)
            return execute(cursor, query, params, **kwargs)

        psycopg.Cursor.execute = recorded  # type: ignore[method-assign, assignment]
    else:
        event.listen(Engine, "before_cursor_execute",
                     lambda _conn, _cursor, statement, parameters, _context, _many: record(statement, parameters))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning",
                                           http=deadlined_h11(settings.request_head_timeout_seconds,
                                                              settings.request_body_idle_seconds),
                                           loop="asyncio"))  # as `runbase server` runs
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the plans server did not start")
        time.sleep(0.1)
    api = runbase.Api(overrides={"base_url": url}, api_key=cfg["key"])
    entity = api.default_entity
    calls: dict[str, Any] = {}
    if cfg["workload"] == "W3":
        def raw() -> None:
            with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {cfg['key']}"}, timeout=120) as client:
                graphql(client, W3_GRAPHQL, {"f": json.dumps(W3_FILTERS)})

        calls["W3 SDK first page"] = lambda: api.runs(f"{entity}/w3", filters=W3_FILTERS, order=W3_ORDER,
                                                      per_page=W3_PAGE)[0]
        calls["W3 raw GraphQL"] = raw
    else:
        run = api.run(f"{entity}/w4/{cfg['run_id']}")
        size = W4_PAGE_SIZES[0]
        calls[f"W4 {W4_SAMPLES:,}-point sample"] = lambda: run.history(samples=W4_SAMPLES, keys=["loss"], pandas=False)
        # The first two pages: the second shows the keyset step every later page repeats.
        calls[f"W4 scan, first two pages of {size:,}"] = lambda: [
            row for _, row in zip(range(size + 1), run.scan_history(keys=["loss"], page_size=size))]
    engine = make_engine(settings.resolved_database_url())
    explained: dict[str, list[dict[str, Any]]] = {}
    try:
        for name, call in calls.items():
            call()  # warm-up: the API key's lookup is cached after this
            del sent[:]
            call()
            unique = {statement: parameters for statement, parameters in sent}
            explained[name] = []
            with engine.connect() as conn:
                driver = conn.connection.driver_connection
                for statement, parameters in unique.items():
                    if postgres:
                        plan = [row[0] for row in driver.execute(  # type: ignore[union-attr]
                            "EXPLAIN (ANALYZE, COSTS OFF) " + statement, parameters).fetchall()]
                    else:
                        plan = [f"{row[1]:>3} {row[-1]}" for row in conn.exec_driver_sql(
                            "EXPLAIN QUERY PLAN " + statement, parameters).fetchall()]
                    explained[name].append({"sql": " ".join(statement.split()), "plan": plan})
    finally:
        server.should_exit = True
        thread.join(30)
        engine.dispose()
    return {"plans": explained}


def plans(database: str, workload: str) -> Any:
    """An inspect hook for run.py's runbase_w3 / runbase_w4 that adds the plans of the workload's SQL."""
    def inspect(server: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
        cfg = {"workload": workload, "key": server["key"], "data_dir": str(Path(server["sqlite"]).parent),
               "database_url": PG_URL.format(name=server["pg"]) if server["pg"] else None,
               "run_id": result.get("run_id")}
        return run_worker(sys.executable, "plans", cfg, script=__file__)
    return inspect


# -- report -------------------------------------------------------------------------------------------------

def print_table(results: dict[str, Any]) -> None:
    cells = [("workload", "database", "size", "figure", "value")]
    for workload, by_db in results["runs"].items():
        for database, by_size in by_db.items():
            for size, figures in by_size.items():
                if "error" in figures:
                    cells.append((workload, database, f"{int(size):,}", "FAILED", figures["error"].splitlines()[-1]))
                    continue
                for label, key, fmt in FIGURES[workload]:
                    if key in figures:
                        cells.append((workload, database, f"{int(size):,}", label, fmt.format(figures[key])))
    widths = [max(len(line[i]) for line in cells) for i in range(len(cells[0]))]
    for n, line in enumerate(cells):
        print("  ".join(c.rjust(w) if i in (2, 4) else c.ljust(w) for i, (c, w) in enumerate(zip(line, widths))))
        if n == 0:
            print("  ".join("-" * w for w in widths))


def write_plans(results: dict[str, Any]) -> None:
    lines = []
    for workload, by_db in results["runs"].items():
        for database, by_size in by_db.items():
            for size, figures in by_size.items():
                for call, statements in (figures.get("plans") or {}).items():
                    lines.append(f"=== {call}, {database}, {int(size):,} {'runs' if workload == 'W3' else 'steps'}")
                    for statement in statements:
                        lines += ["", statement["sql"], *(f"    {line}" for line in statement["plan"])]
                    lines.append("")
    PLANS.write_text("\n".join(lines) + "\n")


def plot(results: dict[str, Any]) -> None:
    """Latency and throughput against size, log-log: one panel per figure, a line per database (and path)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    panels = [("W3", "first page of 50 (ms)", "runs in the project",
               [("sdk_median_ms", "SDK"), ("graphql_median_ms", "raw GraphQL"),
                ("sdk_median_ms_after_autovacuum", "SDK, once vacuumed")]),
              ("W4", "1,000-point sample (ms)", "steps in the run",
               [("sample_median_ms", "sample"), ("uncached_sample_median_ms", "sample, cache off")]),
              ("W4", "full scan (points/s)", "steps in the run", [("points_per_s", "scan")])]
    fig, axes = plt.subplots(1, len(panels), figsize=(15, 4.5))
    for ax, (workload, ylabel, xlabel, series) in zip(axes, panels):
        for database, by_size in results["runs"].get(workload, {}).items():
            for key, name in series:
                points = sorted((int(size), figures[key]) for size, figures in by_size.items() if key in figures)
                if points:
                    ax.plot(*zip(*points), marker="o", label=f"{database} {name}")
        ax.set_xscale("log")
        ax.set_xticks(sorted({int(size) for by_size in results["runs"].get(workload, {}).values() for size in by_size}))
        ax.set_yscale("log")
        low, high = ax.get_ylim()
        if high < 10 * low:  # at least a decade, so that a figure which barely moves looks flat
            middle = (low * high) ** 0.5
            ax.set_ylim(middle / 10 ** 0.5, middle * 10 ** 0.5)
        ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        for axis in (ax.xaxis, ax.yaxis):
            axis.set_major_formatter(FuncFormatter(lambda value, _at: f"{value:,.0f}" if value >= 1 else f"{value:g}"))
            axis.set_minor_formatter(NullFormatter())
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(f"runbase: cost against size ({results['started']}, {results['machine']})")
    fig.tight_layout()
    fig.savefig(PLOT, dpi=100)
    plt.close(fig)


def sizes(text: str) -> list[int]:
    try:
        values = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of integers: {text!r}") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"sizes must be positive integers: {text!r}")
    return values


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", choices=sorted(SIZES), default="small",
                        help="small: 1k/10k runs, 20k/200k steps (minutes); full adds 100k runs and 2M steps")
    parser.add_argument("--w3-runs", type=sizes, help="W3 project sizes, e.g. 1000,10000 (overrides --sizes)")
    parser.add_argument("--w4-steps", type=sizes, help="W4 run lengths, e.g. 20000,2000000 (overrides --sizes)")
    parser.add_argument("--workloads", default="W3,W4", help="comma-separated: W3,W4")
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--no-plot", action="store_true", help="leave benchmarks/scaling.png as it is")
    parser.add_argument("--worker", nargs=2, metavar=("NAME", "CONFIG"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if run_as_worker(args, {"plans": worker_plans}):
        return 0
    workloads = [w.strip().upper() for w in args.workloads.split(",") if w.strip()]
    if set(workloads) - {"W3", "W4"} or not workloads:
        parser.error(f"--workloads takes W3 and/or W4, not {args.workloads!r}")
    chosen = {"W3": args.w3_runs or SIZES[args.sizes]["W3"], "W4": args.w4_steps or SIZES[args.sizes]["W4"]}
    databases = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    results: dict[str, Any] = {"started": time.strftime("%Y-%m-%d %H:%M"),
                               "machine": f"{os.cpu_count()} CPUs, Python {platform.python_version()}",
                               "sizes": {w: chosen[w] for w in workloads}, "runs": {}}
    measure = {"W3": runbase_w3, "W4": runbase_w4}
    for workload in workloads:
        for database in databases:
            by_size = results["runs"].setdefault(workload, {}).setdefault(database, {})
            for size in chosen[workload]:
                print(f"{workload} ({database}) at {size:,}...", file=sys.stderr, flush=True)
                start = time.perf_counter()
                try:
                    by_size[str(size)] = measure[workload](database, size, plans(database, workload))
                except Exception as exc:  # report it with the other sizes rather than lose them
                    print(f"{workload} ({database}) at {size:,} failed: {exc}", file=sys.stderr, flush=True)
                    by_size[str(size)] = {"error": str(exc)}
                by_size[str(size)]["wall_s"] = time.perf_counter() - start
    print_table(results)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, default=str) + "\n")
    write_plans(results)
    if not args.no_plot:
        plot(results)
    print(f"\nwrote {RESULTS}, {PLANS}" + ("" if args.no_plot else f" and {PLOT}"))
    return 1 if any("error" in f for by_db in results["runs"].values() for by_size in by_db.values()
                    for f in by_size.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
