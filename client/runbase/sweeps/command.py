"""The command an agent runs for a suggestion: the sweep configuration's `command` (default
`${env} ${interpreter} ${program} ${args}`) with W&B's macros filled in.

As W&B's agent does, a macro is filled in only where it is a word of its own (`${args}` becomes one word per
parameter); the server refuses one inside a longer word, so no value is ever spliced into another word (and
a command such as `sh -c` never reads one as code). `${envvar:NAME}` is the exception: anywhere in a word it
becomes the variable's value, or NAME where it is not set, as with W&B. Values are written as W&B's agent
writes them, with Python's str()."""

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
ENVVAR = re.compile(r"\$\{envvar:([A-Z0-9_]*)\}")  # W&B's pattern: upper-case names only


def words(command: list[str] | None, *, program: str | None, parameters: dict[str, Any],
          json_file: Path) -> list[str]:
    """The argv for one run; `json_file` is where ${args_json_file} points (written here when used)."""
    command = list(command or DEFAULT_COMMAND)
    used = {whole.group(1) for whole in map(MACRO.fullmatch, command) if whole is not None}
    if program is None and used & {"program", "args", "args_no_hyphens", "args_no_boolean_flags", "args_json",
                                   "args_json_file"}:
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
        "args_no_boolean_flags": [f"--{name}" if value is True else f"--{name}={value}"
                                  for name, value in parameters.items() if value is not False],
        "args_json": [json.dumps(parameters)],
        "args_json_file": [str(json_file)],
    }
    argv: list[str] = []
    for word in command:
        whole = MACRO.fullmatch(word)
        if whole is not None and whole.group(1) in filled:
            argv += filled[whole.group(1)]
        else:
            argv.append(ENVVAR.sub(lambda m: os.environ.get(m.group(1), m.group(1)), word))
    return argv
