"""A 200 MB artifact end to end: uploaded in the background sender and downloaded with flat memory on
both sides, and a second download served by the local cache without the server's copy."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from conftest import Server, run_script

MB = 1024 * 1024


def vm_hwm_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM in /proc status")


def test_a_200_mb_artifact_moves_with_flat_memory_and_downloads_again_from_the_cache(
        server: Server, backend: str, sdk_env: dict[str, str], tmp_path: Path) -> None:
    if backend == "postgresql":
        pytest.skip("artifact contents never touch the database; one backend measures the streaming")
    data = tmp_path / "data"
    data.mkdir()
    hasher = hashlib.sha256()
    with (data / "weights.bin").open("wb") as out:
        for _ in range(200):
            chunk = os.urandom(MB)
            hasher.update(chunk)
            out.write(chunk)
    (data / "config.json").write_text('{"layers": 12}')
    env = {**sdk_env, "RUNBASE_CACHE_DIR": str(tmp_path / "cache")}
    server_before = vm_hwm_kib(server.process.pid)
    result = run_script(f"""
        import json, resource, time, runbase
        run = runbase.init(project="big-artifacts")
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        start = time.monotonic()
        artifact = runbase.Artifact("weights", type="model")
        artifact.add_dir({str(data)!r})
        run.log_artifact(artifact)
        artifact.wait()
        uploaded = time.monotonic()
        after_upload = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        run.finish()
        fetched = runbase.Api().artifact("big-artifacts/weights:latest")
        path = fetched.download(root={str(tmp_path / "down")!r})
        downloaded = time.monotonic()
        after_download = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print("RSS", json.dumps({{"base": base, "upload": after_upload, "download": after_download,
                                 "upload_s": uploaded - start, "download_s": downloaded - uploaded,
                                 "version": fetched.version, "path": path}}))
    """, env, cwd=tmp_path, timeout=300)
    stats = json.loads(result.stdout.split("RSS ", 1)[1].splitlines()[0])
    server_growth = vm_hwm_kib(server.process.pid) - server_before
    print(f"200 MB artifact: upload {stats['upload_s']:.2f} s, download {stats['download_s']:.2f} s; client peak "
          f"RSS {stats['base'] / 1024:.0f} MiB +{(stats['download'] - stats['base']) / 1024:.1f} MiB, server "
          f"peak RSS +{server_growth / 1024:.1f} MiB")
    assert stats["version"] == "v0"
    assert (stats["upload"] - stats["base"]) < 100 * 1024, stats  # KiB
    assert (stats["download"] - stats["base"]) < 100 * 1024, stats
    assert server_growth < 100 * 1024
    down = Path(stats["path"])
    with (down / "weights.bin").open("rb") as f:
        assert hashlib.file_digest(f, "sha256").hexdigest() == hasher.hexdigest()
    assert (down / "config.json").read_text() == '{"layers": 12}'

    for digest in (hasher.hexdigest(), hashlib.sha256(b'{"layers": 12}').hexdigest()):
        blob = server.data_dir / "blobs" / digest[:2] / digest[2:4] / digest
        blob.unlink()  # the server can no longer serve the contents
    again = run_script(f"""
        import runbase
        print("PATH", runbase.Api().artifact("big-artifacts/weights:latest").download(root={str(tmp_path / "again")!r}))
    """, env, cwd=tmp_path, timeout=120)
    cached = Path(again.stdout.split("PATH ", 1)[1].splitlines()[0])
    with (cached / "weights.bin").open("rb") as f:
        assert hashlib.file_digest(f, "sha256").hexdigest() == hasher.hexdigest()
    assert json.loads((cached / "config.json").read_text()) == {"layers": 12}
