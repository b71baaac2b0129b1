"""Workload W6 (artifact throughput, see README.md here): upload and download of one large file and of many
small files as an artifact, beside a plain file copy of the same data on this machine (the target: within
2x of it) and, with --peers, MLflow's log_artifacts / download_artifacts through its artifact proxy. With
--s3, the same with runbase's blobs in an S3-compatible server, through the runbase server and with direct
transfers, and (with --peers) MLflow's proxy writing to it. The server (--s3-server) is SeaweedFS, a production
store keeping objects on disk (`weed mini`, from the tests' .venv-seaweedfs), where installed, else MiniStack, an
emulator holding them in memory (the tests' .venv-s3), whose one Python process bounds the rates measured.

    python benchmarks/artifacts.py [--database sqlite|postgresql|both] [--peers] [--s3]
                                   [--s3-server ministack|seaweedfs] [--big-mb 1024] [--small-files 10000]
                                   [--small-kb 10]

Each measurement runs in its own Python subprocess (this file re-invoked with --worker); the servers
and helpers are those of run.py. Peak memory is the worker's ru_maxrss and the server's VmHWM (from
/proc), next to their resident size before the measurement.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import resource
import shutil
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.append(str(Path(__file__).resolve().parent.parent / "scripts"))
import seaweedfs_mini  # noqa: E402 - how the tests start SeaweedFS
from run import (  # noqa: E402 - run.py is the harness this workload shares
    MLFLOW_VENV,
    free_port,
    mlflow_python,
    peer_python,
    run_worker,
    runbase_init,
    runbase_server,
    server_process,
)

RESULTS = Path(__file__).resolve().parent / "results" / "artifacts.json"
MB = 1 << 20
S3_SERVER = Path(__file__).resolve().parent.parent / ".venv-s3" / "bin" / "ministack"
S3_BUCKET = "runbase-w6"
S3_KEYS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1"}


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024


def process_memory_mb(pid: int) -> dict[str, float]:
    """A server's resident size now and its peak so far (VmRSS, VmHWM)."""
    fields = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(("VmRSS:", "VmHWM:")):
                fields[line.split(":")[0]] = int(line.split()[1]) / 1024
    return {"rss_mb": fields["VmRSS"], "peak_mb": fields["VmHWM"]}


def cpu_seconds(pid: int) -> float:
    """CPU time a server has used so far, with its worker processes': what the bytes through it cost it."""
    import psutil

    process = psutil.Process(pid)
    return sum(sum(each.cpu_times()[:2]) for each in (process, *process.children(recursive=True)))


def tree_bytes(path: Path) -> int:
    return path.stat().st_size if path.is_file() else sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


# -- data -------------------------------------------------------------------------------------------------

def make_big(path: Path, megabytes: int) -> None:
    """Random contents (incompressible, unlike zeros) written in 8 MiB pieces."""
    with path.open("wb") as out:
        for _ in range(0, megabytes, 8):
            out.write(os.urandom(8 * MB))
        out.truncate(megabytes * MB)


def make_small(root: Path, files: int, kilobytes: int) -> None:
    """`files` random files spread over 100 directories, as a dataset of images or shards would be."""
    for i in range(files):
        folder = root / f"d{i % 100:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"f{i:05d}.bin").write_bytes(os.urandom(kilobytes * 1024))


def plain_copy_s(source: Path, target: Path) -> float:
    """What the same bytes cost to copy on this disk: the baseline of the 2x target."""
    start = time.perf_counter()
    if source.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    else:
        shutil.copytree(source, target)
    return time.perf_counter() - start


# -- workers ----------------------------------------------------------------------------------------------

def worker_runbase_upload(cfg: dict[str, Any]) -> dict[str, Any]:
    """From building the artifact (hashing included) until the server has committed it."""
    import runbase

    run = runbase_init(cfg)
    rss = _rss_mb()
    start = time.perf_counter()
    artifact = runbase.Artifact(cfg["name"], type="dataset")
    if Path(cfg["path"]).is_file():
        artifact.add_file(cfg["path"], policy="immutable")
    else:
        artifact.add_dir(cfg["path"], policy="immutable")
    run.log_artifact(artifact)
    artifact.wait()
    seconds = time.perf_counter() - start
    run.finish()
    return {"seconds": seconds, "rss_mb": rss, "peak_mb": _peak_mb(), "version": artifact.version,
            "file_count": artifact.file_count}


def worker_runbase_download(cfg: dict[str, Any]) -> dict[str, Any]:
    """A first download into an empty cache, then a second one that the cache serves."""
    os.environ["RUNBASE_CACHE_DIR"] = cfg["cache_dir"]
    import runbase

    api = runbase.Api(api_key=cfg["key"], overrides={"base_url": cfg["url"]})
    artifact = api.artifact(f"{cfg['project']}/{cfg['name']}:latest")
    rss = _rss_mb()
    start = time.perf_counter()
    first = artifact.download(root=cfg["root"])
    seconds = time.perf_counter() - start
    start = time.perf_counter()
    artifact.download(root=cfg["root"] + "-again")
    cached = time.perf_counter() - start
    return {"seconds": seconds, "cached_s": cached, "rss_mb": rss, "peak_mb": _peak_mb(),
            "bytes": tree_bytes(Path(first))}


def worker_mlflow_upload(cfg: dict[str, Any]) -> dict[str, Any]:
    import mlflow

    mlflow.set_tracking_uri(cfg["url"])
    mlflow.set_experiment("bench-w6")
    rss = _rss_mb()
    with mlflow.start_run() as active:
        start = time.perf_counter()
        if Path(cfg["path"]).is_file():
            mlflow.log_artifact(cfg["path"], artifact_path=cfg["name"])
        else:
            mlflow.log_artifacts(cfg["path"], artifact_path=cfg["name"])
        seconds = time.perf_counter() - start
    return {"seconds": seconds, "rss_mb": rss, "peak_mb": _peak_mb(), "run_id": active.info.run_id}


def worker_mlflow_download(cfg: dict[str, Any]) -> dict[str, Any]:
    import mlflow

    mlflow.set_tracking_uri(cfg["url"])
    rss = _rss_mb()
    start = time.perf_counter()
    local = mlflow.artifacts.download_artifacts(run_id=cfg["run_id"], artifact_path=cfg["name"], dst_path=cfg["root"])
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "rss_mb": rss, "peak_mb": _peak_mb(), "bytes": tree_bytes(Path(local))}


WORKERS = {"runbase-upload": worker_runbase_upload, "runbase-download": worker_runbase_download,
           "mlflow-upload": worker_mlflow_upload, "mlflow-download": worker_mlflow_download}


# -- measurements -----------------------------------------------------------------------------------------

def rate(result: dict[str, Any], size: int, key: str = "seconds") -> float:
    return size / MB / result[key]


def runbase_dataset(database: str, name: str, path: Path, size: int, tmp: Path,
                    env: dict[str, str] | None = None) -> dict[str, Any]:
    """Upload and download against a fresh server with the settings `env` (its blob store)."""
    with runbase_server(database, env) as server:
        cfg = {"url": server["url"], "key": server["key"], "root_dir": server["root_dir"], "project": "w6",
               "name": name}
        before, cpu = process_memory_mb(server["pid"]), cpu_seconds(server["pid"])
        up = run_worker(sys.executable, "runbase-upload", {**cfg, "path": str(path)}, script=__file__)
        after_up, cpu_up = process_memory_mb(server["pid"]), cpu_seconds(server["pid"])
        down = run_worker(sys.executable, "runbase-download", {
            **cfg, "root": str(tmp / f"runbase-{database}-{name}"), "cache_dir": str(tmp / f"cache-{database}")},
            script=__file__)
        after_down, cpu_down = process_memory_mb(server["pid"]), cpu_seconds(server["pid"])
    if down["bytes"] != size:
        raise RuntimeError(f"downloaded {down['bytes']} bytes of {size}")
    return {"upload_mb_s": rate(up, size), "download_mb_s": rate(down, size), "cached_download_s": down["cached_s"],
            "client_upload_peak_mb": up["peak_mb"], "client_upload_rss_before_mb": up["rss_mb"],
            "client_download_peak_mb": down["peak_mb"], "client_download_rss_before_mb": down["rss_mb"],
            "server_rss_before_mb": before["rss_mb"], "server_peak_after_upload_mb": after_up["peak_mb"],
            "server_peak_after_download_mb": after_down["peak_mb"], "server_cpu_up_s": cpu_up - cpu,
            "server_cpu_down_s": cpu_down - cpu_up, "upload": up, "download": down}


@contextlib.contextmanager
def s3_server(tmp: Path, kind: str = "ministack") -> Iterator[str]:
    """An S3 server of the kind (ministack or seaweedfs) with the bucket S3_BUCKET; yields its endpoint. One per
    measurement, so that memory and disk are given back between them."""
    if kind == "seaweedfs":
        with seaweedfs(tmp) as url:
            yield url
        return
    if not S3_SERVER.exists():
        raise RuntimeError(f"no S3-compatible server at {S3_SERVER}: scripts/test.sh installs MiniStack there")
    tmp.mkdir(parents=True, exist_ok=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "GATEWAY_PORT": str(port), "BIND_HOST": "127.0.0.1", "SERVICES": "s3",
           "LOG_LEVEL": "WARNING", "S3_PERSIST": "0"}
    with server_process([str(S3_SERVER)], url + "/_ministack/health", tmp / "s3.log", env):
        request = urllib.request.Request(f"{url}/{S3_BUCKET}", data=b"", method="PUT")  # unsigned: an emulator
        urllib.request.urlopen(request, timeout=10).close()
        yield url


@contextlib.contextmanager
def seaweedfs(tmp: Path) -> Iterator[str]:
    """SeaweedFS's `weed mini`, started as the tests start it (scripts/seaweedfs_mini.py), its objects and logs in
    `tmp`; yields its endpoint once it takes a signed request."""
    if not seaweedfs_mini.WEED.exists():
        raise RuntimeError(f"no SeaweedFS at {seaweedfs_mini.WEED}: scripts/test.sh installs it there")
    mini = seaweedfs_mini.mini(tmp, S3_BUCKET, free_port)
    try:
        with server_process(mini.argv, mini.url + "/healthz", tmp / "s3.log", {**os.environ, **mini.env}):
            deadline = time.monotonic() + 30
            while not mini.ready(S3_BUCKET):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"SeaweedFS took no signed request in 30 s: see {tmp / 's3.log'}")
                time.sleep(0.1)
            yield mini.url
    finally:
        mini.remove_sockets()


def runbase_s3_env(endpoint: str, prefix: str, *, direct: bool) -> dict[str, str]:
    """A server's settings for blobs in the S3 server, sent through it or directly (in parts of the default
    size, the size of the server's own multipart uploads)."""
    return {"RUNBASE_BLOB_STORE": f"s3://{S3_BUCKET}/{prefix}", "RUNBASE_S3_ENDPOINT_URL": endpoint,
            "RUNBASE_S3_REGION": "us-east-1", "RUNBASE_S3_ACCESS_KEY_ID": "test",
            "RUNBASE_S3_SECRET_ACCESS_KEY": "test", "RUNBASE_DIRECT_TRANSFERS": "true" if direct else "false"}


@contextlib.contextmanager
def mlflow_artifact_server(tmp: Path, s3: str | None = None) -> Iterator[tuple[str, int]]:
    """`mlflow server` proxying artifacts over HTTP (mlflow-artifacts:/), as a shared team server runs;
    with a local --default-artifact-root the client would copy files itself, not use the network. It keeps
    them in a local folder, or in the S3 server at `s3` (through boto3, which its venv then has)."""
    tmp.mkdir(parents=True, exist_ok=True)
    port = free_port()
    python = Path(mlflow_s3_python() if s3 else mlflow_python())
    destination = f"s3://{S3_BUCKET}/mlflow" if s3 else str(tmp / "artifacts")
    argv = [str(python.with_name("mlflow")), "server", "--backend-store-uri", f"sqlite:///{tmp / 'mlflow.db'}",
            "--artifacts-destination", destination, "--serve-artifacts",
            "--host", "127.0.0.1", "--port", str(port)]
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, **({"MLFLOW_S3_ENDPOINT_URL": s3, **S3_KEYS} if s3 else {})}
    with server_process(argv, url + "/health", tmp / "mlflow.log", env, timeout=180) as process:
        yield url, process.pid


def mlflow_s3_python() -> str:
    """MLflow's venv with boto3, which its server needs to write to S3."""
    return peer_python(MLFLOW_VENV, ["mlflow>=3,<4", "boto3"], "import mlflow, boto3")


def mlflow_dataset(name: str, path: Path, size: int, tmp: Path, s3: str | None = None) -> dict[str, Any]:
    python = mlflow_s3_python() if s3 else mlflow_python()
    with mlflow_artifact_server(tmp / f"mlflow-{name}", s3) as (url, pid):
        cpu = cpu_seconds(pid)
        up = run_worker(python, "mlflow-upload", {"url": url, "path": str(path), "name": name}, script=__file__)
        cpu_up = cpu_seconds(pid)
        down = run_worker(python, "mlflow-download", {"url": url, "run_id": up["run_id"], "name": name,
                                                      "root": str(tmp / f"mlflow-down-{name}")}, script=__file__)
        cpu_down = cpu_seconds(pid)
    if down["bytes"] != size:
        raise RuntimeError(f"MLflow downloaded {down['bytes']} bytes of {size}")
    return {"upload_mb_s": rate(up, size), "download_mb_s": rate(down, size), "client_upload_peak_mb": up["peak_mb"],
            "client_download_peak_mb": down["peak_mb"], "server_cpu_up_s": cpu_up - cpu,
            "server_cpu_down_s": cpu_down - cpu_up, "upload": up, "download": down}


def runbase_on_s3(database: str, label: str, path: Path, size: int, tmp: Path, *, way: str, direct: bool,
                  kind: str) -> dict[str, Any]:
    with s3_server(tmp / way, kind) as endpoint:  # its own folders too: no download finds another one's files
        return runbase_dataset(database, label, path, size, tmp / way, runbase_s3_env(endpoint, f"{database}-{way}",
                                                                                     direct=direct))


def mlflow_on_s3(label: str, path: Path, size: int, tmp: Path, kind: str) -> dict[str, Any]:
    with s3_server(tmp / "s3-mlflow", kind) as endpoint:
        return mlflow_dataset(label, path, size, tmp / "s3-mlflow", endpoint)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--peers", action="store_true", help="also measure MLflow 3.x (installs it in a venv)")
    parser.add_argument("--s3", action="store_true",
                        help="also with the blobs in an S3-compatible server, through runbase and directly")
    parser.add_argument("--s3-server", choices=("ministack", "seaweedfs"),
                        default="seaweedfs" if seaweedfs_mini.WEED.exists() else "ministack",
                        help="the S3 server of --s3 (default: SeaweedFS where scripts/test.sh installed it)")
    parser.add_argument("--big-mb", type=int, default=1024)
    parser.add_argument("--small-files", type=int, default=10_000)
    parser.add_argument("--small-kb", type=int, default=10)
    parser.add_argument("--worker", nargs=2, metavar=("NAME", "CONFIG"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(WORKERS[args.worker[0]](json.loads(args.worker[1]))))
        return 0
    databases = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    results: dict[str, Any] = {"started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "cpus": os.cpu_count(),
                               "load_before": os.getloadavg(),
                               "settings": {"big_mb": args.big_mb, "small_files": args.small_files,
                                            "small_kb": args.small_kb, "s3_server": args.s3_server},
                               "datasets": {}}
    failed = False
    with tempfile.TemporaryDirectory(prefix="runbase-w6-") as name:
        tmp = Path(name)
        datasets = {"big": tmp / "data" / "big.bin", "small": tmp / "data" / "small"}
        print("making the data...", file=sys.stderr, flush=True)
        datasets["big"].parent.mkdir(parents=True)
        make_big(datasets["big"], args.big_mb)
        make_small(datasets["small"], args.small_files, args.small_kb)
        for label, path in datasets.items():
            size = tree_bytes(path)
            figures: dict[str, Any] = {"bytes": size, "files": 1 if path.is_file() else args.small_files,
                                       "copy_mb_s": size / MB / plain_copy_s(path, tmp / "copy" / label)}
            shutil.rmtree(tmp / "copy")
            measurements: dict[str, Callable[[], dict[str, Any]]] = {}
            for database in databases:
                measurements[f"runbase_{database}"] = functools.partial(runbase_dataset, database, label, path, size,
                                                                        tmp)
                for way, direct in (("s3_proxied", False), ("s3_direct", True)) if args.s3 else ():
                    measurements[f"runbase_{database}_{way}"] = functools.partial(
                        runbase_on_s3, database, label, path, size, tmp, way=way, direct=direct, kind=args.s3_server)
            if args.peers:
                measurements["mlflow"] = functools.partial(mlflow_dataset, label, path, size, tmp)
            if args.peers and args.s3:
                measurements["mlflow_s3"] = functools.partial(mlflow_on_s3, label, path, size, tmp, args.s3_server)
            for who, measure in measurements.items():
                print(f"W6 {label}: {who}...", file=sys.stderr, flush=True)
                try:
                    figures[who] = measure()
                except Exception as exc:  # report it beside the other figures
                    figures[who] = {"error": str(exc)}
                    failed = failed or who.startswith("runbase")
            for leftover in tmp.iterdir():  # free the disk before the next data set
                if leftover.name != "data":
                    shutil.rmtree(leftover, ignore_errors=True)
            results["datasets"][label] = figures
    results["load_after"] = os.getloadavg()
    print_report(results)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, default=str) + "\n")
    return 1 if failed else 0


def print_report(results: dict[str, Any]) -> None:
    header = ("data set", "who", "upload MB/s", "download MB/s", "2nd download s", "client peak MB up/down",
              "server peak MB", "server CPU s up/down")
    lines = [header]
    for label, figures in results["datasets"].items():
        name = f"{label}: {figures['bytes'] / MB:,.0f} MB in {figures['files']:,} file(s)"
        lines.append((name, "plain copy", f"{figures['copy_mb_s']:,.0f}", "", "", "", "", ""))
        for who, got in figures.items():
            if not isinstance(got, dict):
                continue
            if "error" in got:
                lines.append((name, who, "FAILED: " + got["error"].strip().splitlines()[-1][:80], "", "", "", "", ""))
                continue
            lines.append((name, who, f"{got['upload_mb_s']:,.0f}", f"{got['download_mb_s']:,.0f}",
                          f"{got['cached_download_s']:.2f}" if "cached_download_s" in got else "-",
                          f"{got['client_upload_peak_mb']:,.0f} / {got['client_download_peak_mb']:,.0f}",
                          f"{got['server_rss_before_mb']:,.0f} -> {got['server_peak_after_download_mb']:,.0f}"
                          if "server_rss_before_mb" in got else "-",
                          f"{got['server_cpu_up_s']:.1f} / {got['server_cpu_down_s']:.1f}"))
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(header))]
    for n, line in enumerate(lines):
        print("  ".join(str(cell).ljust(width) for cell, width in zip(line, widths)))
        if n == 0:
            print("  ".join("-" * width for width in widths))


if __name__ == "__main__":
    sys.exit(main())
