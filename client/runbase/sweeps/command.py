"""The command an agent runs for a suggestion: the sweep configuration's `command` (default
`${env} ${interpreter} ${program} ${args}`) with W&B's macros filled in.

A word that is one macro becomes its words (`${args}` one per parameter); a macro inside a longer word
becomes its words joined by spaces. Values are written as W&B's agent writes them, with Python's str()."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any

from ..errors import UsageError

DEFAULT_COMMAND = ["${env}", "${interpreter}", "${program}", "${args}"]
MACRO = re.compile(r"\$\{(\w+)\}")


def words(command: list[str] | None, *, program: str | None, parameters: dict[str, Any],
          json_file: Path) -> list[str]:
    """The argv for one run; `json_file` is where ${args_json_file} points (written here when used)."""
    command = list(command or DEFAULT_COMMAND)
    used = {name for word in command for name in MACRO.findall(word)}
    if program is None and used & {"program", "args", "args_no_hyphens", "args_json", "args_json_file"}:
        raise UsageError("the sweep's command runs `program`, which its configuration does not name")
    if "args_json_file" in used:
        json_file.parent.mkdir(parents=True, exist_ok=True)
        json_file.write_text(json.dumps(parameters))
    filled = {
        "env": ["/usr/bin/env"] if os.name == "posix" else [],
        "interpreter": [sys.executable],
        "program": [program or ""],
        "args": [f"--{name}={value}" for name, value in parameters.items()],
        "args_no_hyphens": [f"{name}={value}" for name, value in parameters.items()],
        "args_json": [json.dumps(parameters)],
        "args_json_file": [str(json_file)],
    }
    argv: list[str] = []
    for word in command:
        whole = MACRO.fullmatch(word)
        if whole is not None and whole.group(1) in filled:
            argv += filled[whole.group(1)]
        else:
            argv.append(MACRO.sub(lambda m: " ".join(filled.get(m.group(1), [m.group(0)])), word))
    return argv
