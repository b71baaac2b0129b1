"""The run's wandb-metadata.json and save_code through a real server: a script run in a git repository the
test makes, without git, with disable_git, offline then `runbase sync`, and Run.metadata of a run without one."""

from __future__ import annotations

import os
import platform
import socket
import subprocess
import sys
import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import runbase as wandb
from conftest import Server
from runbase.system.gpu import describe_gpus

SCRIPT = """\
import sys
import runbase

run = runbase.init(project="meta", id=sys.argv[1], **eval(sys.argv[2]))
run.log({"loss": 0.5})
run.finish()
"""
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
REMOTE = "https://git.example.com/acme/train.git"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, env={**os.environ, **GIT_ENV}, check=True, capture_output=True,
                          text=True).stdout.strip()


def make_repo(root: Path) -> tuple[Path, str]:
    """A repository with the script in src/ and a notes file modified after the commit; (repo, commit)."""
    repo = root / "repo"
    (repo / "src").mkdir(parents=True)
    (repo / "src" / "train.py").write_text(SCRIPT)
    (repo / "notes.txt").write_text("first\n")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "remote", "add", "origin", REMOTE)
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "start")
    git(repo, "update-ref", "refs/remotes/origin/main", "HEAD")  # as if pushed; the next commit is not
    (repo / "local.txt").write_text("committed, not pushed\n")
    git(repo, "add", "local.txt")
    git(repo, "commit", "-q", "-m", "local")
    (repo / "notes.txt").write_text("first\nchanged after the commit\n")
    return repo, git(repo, "rev-parse", "HEAD")


def run_file_script(script: Path, env: dict[str, str], cwd: Path, run_id: str, init_args: str = "{}",
                    ) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, str(script), run_id, init_args], env=env, cwd=cwd,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return result


def api_run(server: Server, run_id: str) -> Any:
    return wandb.Api(overrides={"base_url": server.url}, api_key=server.key).run(f"admin/meta/{run_id}")


def file_text(run: Any, name: str, root: Path) -> str:
    with run.file(name).download(root, replace=True) as opened:
        return str(opened.read())


def file_names(run: Any) -> set[str]:
    return {f.name for f in run.files()}


def test_metadata_and_code_in_a_git_repository(server: Server, sdk_env: dict[str, str], tmp_path: Path) -> None:
    repo, commit = make_repo(tmp_path)
    run_id = uuid.uuid4().hex[:12]
    run_file_script(repo / "src" / "train.py", sdk_env, repo, run_id, "{'save_code': True}")
    run = api_run(server, run_id)
    meta = run.metadata
    assert meta["python"] == f"{platform.python_implementation()} {platform.python_version()}"
    assert meta["host"] == socket.gethostname()
    assert meta["executable"] == sys.executable
    assert meta["args"] == [run_id, "{'save_code': True}"]
    assert meta["program"] == str(repo / "src" / "train.py")
    assert meta["codePath"] == "src/train.py" and meta["codePathLocal"] == "src/train.py"
    assert meta["git"] == {"commit": commit, "remote": REMOTE, "branch": "main", "dirty": True}
    assert meta["root"] == sdk_env["RUNBASE_DIR"] and meta["os"] == platform.platform(aliased=True)
    assert meta["startedAt"].endswith("Z") and "username" not in meta
    assert int(meta["memory"]["total"]) > 0 and int(meta["disk"]["/"]["total"]) >= int(meta["disk"]["/"]["used"])
    assert meta["cpu_count_logical"] == os.cpu_count()
    assert file_text(run, "code/src/train.py", tmp_path / "down") == SCRIPT
    diff = file_text(run, "diff.patch", tmp_path / "down")
    assert "+changed after the commit" in diff and "notes.txt" in diff and "local.txt" not in diff
    pushed = git(repo, "rev-parse", "origin/main")
    upstream = file_text(run, f"upstream_diff_{pushed}.patch", tmp_path / "down")
    assert "+committed, not pushed" in upstream and "+changed after the commit" in upstream


def test_without_git_and_with_disable_git(server: Server, sdk_env: dict[str, str], tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "train.py").write_text(SCRIPT)
    first = uuid.uuid4().hex[:12]
    run_file_script(plain / "train.py", {**sdk_env, "GIT_CEILING_DIRECTORIES": str(tmp_path)}, plain, first,
                    "{'save_code': True}")
    run = api_run(server, first)
    assert "git" not in run.metadata and run.metadata["codePath"] == "train.py"
    assert file_names(run) >= {"wandb-metadata.json", "code/train.py"} and "diff.patch" not in file_names(run)

    repo, _ = make_repo(tmp_path)
    second = uuid.uuid4().hex[:12]
    run_file_script(repo / "src" / "train.py", sdk_env, repo, second,
                    "{'save_code': True, 'settings': {'disable_git': True}}")
    run = api_run(server, second)
    assert "git" not in run.metadata
    assert "code/src/train.py" in file_names(run) and "diff.patch" not in file_names(run)

    third = uuid.uuid4().hex[:12]  # without save_code: metadata only; with disable_code no code either
    run_file_script(repo / "src" / "train.py", {**sdk_env, "WANDB_USERNAME": "ada", "WANDB_SAVE_CODE": "true",
                                                "WANDB_DISABLE_CODE": "true"}, repo, third)
    run = api_run(server, third)
    assert run.metadata["username"] == "ada" and run.metadata["git"]["dirty"] is True
    assert "wandb-metadata.json" in file_names(run)
    assert not any(name.startswith("code/") or name == "diff.patch" for name in file_names(run))


def test_offline_run_uploads_metadata_and_code_on_sync(server: Server, sdk_env: dict[str, str],
                                                       tmp_path: Path) -> None:
    repo, commit = make_repo(tmp_path)
    run_id = uuid.uuid4().hex[:12]
    run_file_script(repo / "src" / "train.py", {**sdk_env, "RUNBASE_MODE": "offline"}, repo, run_id,
                    "{'save_code': True}")
    synced = subprocess.run([sys.executable, "-m", "runbase.cli", "sync", sdk_env["RUNBASE_DIR"]], env=sdk_env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert synced.returncode == 0, synced.stderr
    run = api_run(server, run_id)
    assert run.metadata["git"]["commit"] == commit and "email" not in run.metadata
    assert file_text(run, "code/src/train.py", tmp_path / "down") == SCRIPT
    assert "diff.patch" in file_names(run)


def test_metadata_is_none_for_a_run_without_one(server: Server) -> None:
    run_id = uuid.uuid4().hex[:12]
    result = server.graphql("mutation($p: String!, $r: String!) { upsertBucket(input: {modelName: $p, name: $r}) "
                            "{ inserted } }", {"p": "meta", "r": run_id})
    assert "errors" not in result, result
    assert api_run(server, run_id).metadata is None


class FakeNvml:
    """Two devices; the second lacks the optional calls' answers (they raise)."""

    def nvmlDeviceGetCount(self) -> int:
        return 2

    def nvmlDeviceGetHandleByIndex(self, index: int) -> int:
        return index

    def nvmlDeviceGetName(self, handle: int) -> bytes:
        return b"NVIDIA H100 80GB HBM3"

    def nvmlDeviceGetMemoryInfo(self, handle: int) -> SimpleNamespace:
        return SimpleNamespace(total=85899345920, used=0)

    def nvmlDeviceGetNumGpuCores(self, handle: int) -> int:
        if handle:
            raise RuntimeError("not supported")
        return 16896

    def nvmlDeviceGetArchitecture(self, handle: int) -> int:
        return 9

    def nvmlDeviceGetUUID(self, handle: int) -> str:
        return f"GPU-{handle}"

    def nvmlSystemGetCudaDriverVersion(self) -> int:
        return 12040


def test_gpu_fields_from_nvml() -> None:
    info = describe_gpus(FakeNvml())  # type: ignore[arg-type]
    assert info == {"gpu": "NVIDIA H100 80GB HBM3", "gpu_count": 2, "cudaVersion": "12.4", "gpu_nvidia": [
        {"name": "NVIDIA H100 80GB HBM3", "memoryTotal": "85899345920", "cudaCores": 16896,
         "architecture": "Hopper", "uuid": "GPU-0"},
        {"name": "NVIDIA H100 80GB HBM3", "memoryTotal": "85899345920", "architecture": "Hopper", "uuid": "GPU-1"}]}
    assert describe_gpus(FakeNvml(), device_ids=[1])["gpu_count"] == 1  # type: ignore[arg-type]
