"""The README's run command, as a new user runs it (its own virtualenv, its server and demo), and every
Python example in the README run as written against it, with only the key and host filled in. Examples a
user runs again (logging, artifacts, queries) run twice."""

from __future__ import annotations

import re
import subprocess
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
import plain_http
from conftest import ROOT, free_port
from installs import RunCommand, clean_environment

pytestmark = pytest.mark.slow
RERUN = ("Log a run", "Version datasets and models", "Query runs")


@pytest.fixture(scope="module")
def run_command(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunCommand]:
    """./scripts/run.sh, installed into a virtualenv of its own and serving (SQLite), its demo done."""
    command = RunCommand(tmp_path_factory.mktemp("run-command"), free_port())
    try:
        command.wait_for_demo()
        yield command
    finally:
        command.stop()


def python_examples() -> list[tuple[str, str]]:
    """(section title, code) of each ```python block, in the README's order."""
    examples: list[tuple[str, str]] = []
    section, fence, code = "", None, []
    for line in (ROOT / "README.md").read_text().splitlines(keepends=True):
        if fence is None and line.startswith("#"):
            section = line.lstrip("#").strip()
        elif fence is None and line.startswith("```"):
            fence, code = line.strip()[3:], []
        elif line.startswith("```"):
            if fence == "python":
                examples.append((section, "".join(code)))
            fence = None
        else:
            code.append(line)
    return examples


def test_the_readme_has_the_examples_this_test_expects() -> None:
    sections = [section for section, _ in python_examples()]
    assert set(RERUN) <= set(sections) and "Automate" in sections


def _run_example(command: RunCommand, section: str, code: str, workdir: Path) -> None:
    code = re.sub(r"\bKEY\b", repr(command.key), code).replace("http://127.0.0.1:8080", command.url)
    script = workdir / "example.py"
    script.write_text(code)
    result = subprocess.run([str(command.python), str(script)], cwd=workdir, capture_output=True, text=True,
                            timeout=300, env=clean_environment(RUNBASE_CONFIG_DIR=str(workdir / "config")))
    assert result.returncode == 0, f"the README's example in {section!r} failed:\n{result.stdout}\n{result.stderr}"


def test_every_example_runs_as_written(run_command: RunCommand, tmp_path: Path) -> None:
    examples = python_examples()
    for section, code in examples:
        _run_example(run_command, section, code, tmp_path)
    for section, code in examples:
        if section in RERUN:
            _run_example(run_command, section, code, tmp_path)
    answer = plain_http.post(f"{run_command.url}/graphql", headers={"Authorization": f"Bearer {run_command.key}"},
                             json={"query": '{ triggers(entityName: "my-team") { edges { node { name enabled } } } }'})
    saved = {edge["node"]["name"]: edge["node"]["enabled"] for edge in answer.json()["data"]["triggers"]["edges"]}
    assert saved == {"accuracy-drop": True, "deploy": False}


def test_the_run_command_prints_one_key_and_runs_the_demo(run_command: RunCommand) -> None:
    assert run_command.output.count("created user 'admin'") == 1
    assert "the automation fired; the webhook receiver got" in run_command.output, run_command.output
    assert "Traceback" not in run_command.output


def test_a_script_runs_twice_from_one_folder(run_command: RunCommand, tmp_path: Path) -> None:
    """Its ./runbase/ run folder must not shadow the installed package on the second run."""
    script = tmp_path / "train.py"
    script.write_text(textwrap.dedent("""
        import runbase
        with runbase.init(project="twice") as run:
            run.log({"loss": 0.5})
    """))
    env = {"RUNBASE_BASE_URL": run_command.url, "RUNBASE_API_KEY": run_command.key,
           "RUNBASE_CONFIG_DIR": str(tmp_path / "config")}
    for _ in range(2):
        result = subprocess.run([str(run_command.python), "train.py"], cwd=tmp_path, capture_output=True, text=True,
                                timeout=120, env=clean_environment(**env))
        assert result.returncode == 0, result.stderr
    assert (tmp_path / "runbase").is_dir()
