"""Regenerate the GraphQL client from schema.graphql and client/queries.

ariadne-codegen pins an older graphql-core than strawberry needs, so it runs
from its own virtualenv (.codegen-venv, made on first use). `--check`
regenerates into a scratch copy and fails if the committed client differs.
"""

from __future__ import annotations

import argparse
import filecmp
import shutil
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOL_VENV = ROOT / ".codegen-venv"
# The formatter is part of the output: pin both so the drift check is stable.
TOOLS = ["ariadne-codegen==0.19.0", "ruff==0.15.22"]
GENERATED = Path("client/runbase/_generated")
INPUTS = ["codegen.toml", "schema.graphql", "client/queries"]


def tool(name: str) -> Path:
    return TOOL_VENV / ("Scripts" if sys.platform == "win32" else "bin") / name


def ensure_tool_venv() -> None:
    marker = TOOL_VENV / "tools.txt"
    if marker.exists() and marker.read_text() == "\n".join(TOOLS):
        return
    venv.create(TOOL_VENV, with_pip=True, clear=True)
    subprocess.run([str(tool("python")), "-m", "pip", "install", "-q", *TOOLS], check=True)
    marker.write_text("\n".join(TOOLS))


def generate(workdir: Path) -> None:
    shutil.rmtree(workdir / GENERATED, ignore_errors=True)  # codegen never deletes stale modules
    subprocess.run([str(tool("ariadne-codegen")), "--config", "codegen.toml", "client"], cwd=workdir, check=True,
                   stdout=subprocess.DEVNULL)


def differences(a: Path, b: Path) -> list[str]:
    cmp = filecmp.dircmp(a, b, ignore=["__pycache__"])
    out = [f"only in one: {n}" for n in cmp.left_only + cmp.right_only] + [f"differs: {n}" for n in cmp.diff_files]
    for name, sub in cmp.subdirs.items():
        out += differences(a / name, b / name)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if the committed client is stale")
    args = parser.parse_args()
    ensure_tool_venv()
    if not args.check:
        generate(ROOT)
        return 0
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        for name in INPUTS:
            src = ROOT / name
            (shutil.copytree if src.is_dir() else shutil.copy)(src, work / name)
        (work / GENERATED).parent.mkdir(parents=True, exist_ok=True)
        generate(work)
        diff = differences(ROOT / GENERATED, work / GENERATED)
    if diff:
        print("the generated client is stale; run `python scripts/codegen.py`:\n  " + "\n  ".join(diff))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
