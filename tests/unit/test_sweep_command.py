"""The command a sweep agent runs for a suggestion: W&B's macros, each filled only where it is a word of its own
(so no value is spliced into another word), and ${envvar:NAME} anywhere."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from runbase.sweeps.command import words

PARAMETERS = {"lr": 0.1, "augment": True, "shuffle": False, "name": "a b; rm -rf /"}


def test_args_no_boolean_flags_writes_true_as_a_flag_and_leaves_false_out(tmp_path: Path) -> None:
    argv = words(["${program}", "${args_no_boolean_flags}"], program="train.py", parameters=PARAMETERS,
                 json_file=tmp_path / "args.json")
    assert argv == ["train.py", "--lr=0.1", "--augment", "--name=a b; rm -rf /"]
    assert words(["${args}"], program="t.py", parameters=PARAMETERS, json_file=tmp_path / "a.json") == \
        ["--lr=0.1", "--augment=True", "--shuffle=False", "--name=a b; rm -rf /"]


def test_macros_are_filled_only_as_whole_words_and_envvar_anywhere(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATA_DIR", "/data")
    monkeypatch.delenv("NOT_SET_9", raising=False)
    argv = words(["${interpreter}", "sh", "-c", "echo ${args}", "--data=${envvar:DATA_DIR}/x", "${envvar:NOT_SET_9}",
                  "${envvar:lower}"], program="t.py", parameters=PARAMETERS, json_file=tmp_path / "a.json")
    assert argv == [sys.executable, "sh", "-c", "echo ${args}", "--data=/data/x", "NOT_SET_9", "${envvar:lower}"]
