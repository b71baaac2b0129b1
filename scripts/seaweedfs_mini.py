"""How the tests (tests/conftest.py, SeaweedFS) and the benchmarks (benchmarks/artifacts.py) start SeaweedFS, which
scripts/test.sh installs: `weed mini`, its master, volume server, filer and S3 gateway in one process, on 127.0.0.1
with every port chosen free (its defaults are fixed ones, which two at once would share), its data, log files and
unix sockets under one folder, the bucket made at start, and one identity with the keys "test" / "test". Kept
here, outside tests/, for the benchmarks to import too; each starts and stops the process its own way."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

WEED = Path(__file__).resolve().parent.parent / ".venv-seaweedfs" / "bin" / "weed"
PORTS = ("master.port", "master.port.grpc", "volume.port", "volume.port.grpc", "filer.port", "filer.port.grpc",
         "s3.port", "s3.port.grpc")
# Its maintenance worker dials the admin server's gRPC port at its HTTP port + 10000, whatever -admin.port.grpc
# says: the admin's two ports are chosen that far apart.
ADMIN_GRPC_OFFSET = 10_000


@dataclass(frozen=True)
class Mini:
    """A `weed mini` command: its arguments and environment, its S3 port and its gRPC ports."""

    argv: list[str]
    env: dict[str, str]  # TMPDIR, where it writes its log files
    port: int
    grpc_ports: list[int]

    @property
    def url(self) -> str:
        """The S3 endpoint."""
        return f"http://127.0.0.1:{self.port}"

    def ready(self, bucket: str) -> bool:
        """Whether it takes a signed request on the bucket, as runbase sends: its S3 port may answer before the
        bucket is made."""
        import httpx
        from runbase_server.artifacts.s3_requests import S3Error, S3Requests

        requests = S3Requests(self.url, bucket, "", "us-east-1", "test", "test")
        try:
            requests.unfinished()
        except (S3Error, httpx.HTTPError):
            return False
        finally:
            requests.http.close()
        return True

    def remove_sockets(self) -> None:
        """Once it has stopped: the unix sockets of its gRPC ports, which it makes in /tmp whatever TMPDIR says
        and does not always remove."""
        for port in self.grpc_ports:
            for leftover in Path("/tmp").glob(f"seaweedfs-*-grpc-{port}.sock"):
                leftover.unlink(missing_ok=True)


def mini(root: Path, bucket: str, free_port: Callable[[], int], weed: Path = WEED) -> Mini:
    """The command that runs SeaweedFS in `root` (made), ports chosen by `free_port` (the caller's way). Its volumes
    are of 64 MB at most: they are append-only files, and small ones keep the disk use small. Nothing the tests and
    benchmarks do not use runs (Iceberg, Lance, WebDAV, the admin UI), nor its telemetry."""
    (root / "data").mkdir(parents=True, exist_ok=True)
    config = root / "s3.json"
    config.write_text(json.dumps({"identities": [{
        "name": "test", "credentials": [{"accessKey": "test", "secretKey": "test"}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}))
    ports = {flag: free_port() for flag in PORTS}
    admin = next(port for port in iter(free_port, None) if _free(port + ADMIN_GRPC_OFFSET))
    ports.update({"admin.port": admin, "admin.port.grpc": admin + ADMIN_GRPC_OFFSET})
    argv = [str(weed), "mini", f"-dir={root / 'data'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            *(f"-{flag}={port}" for flag, port in ports.items()), "-s3.port.iceberg=0", "-s3.port.lance=0",
            "-admin.ui=false", "-webdav=false", "-master.telemetry=false", "-master.volumeSizeLimitMB=64",
            "-volume.preStopSeconds=0", f"-s3.localSocket={root / 's3.sock'}",
            f"-filer.localSocket={root / 'filer.sock'}", f"-s3.config={config}", f"-bucket={bucket}"]
    return Mini(argv, {"TMPDIR": str(root)}, ports["s3.port"],
                [port for flag, port in ports.items() if flag.endswith(".grpc")])


def _free(port: int) -> bool:
    if port > 65_535:
        return False
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True
