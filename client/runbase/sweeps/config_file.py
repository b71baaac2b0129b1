"""A sweep configuration file (`runbase sweep config.yaml`), read as the server reads configuration text:
YAML 1.2's numbers (`min: 1e-5` is a number; PyYAML's YAML 1.1 would make it text) and dates left as text,
so that the file means the same whether the CLI reads it or the server does."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from ..errors import UsageError

_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class _Loader(yaml.SafeLoader):  # type: ignore[misc]
    """PyYAML's safe loader less its dates, plus YAML 1.2's exponents (no dot needed, nor a sign after e)."""

    yaml_implicit_resolvers = {first: [(tag, rx) for tag, rx in resolvers if tag != _TIMESTAMP]
                               for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


_Loader.add_implicit_resolver("tag:yaml.org,2002:float",
                              re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$"),
                              list("-+0123456789."))


def load(path: str) -> dict[str, Any]:
    """The configuration in the file, a mapping; a UsageError naming the file when it cannot be read."""
    try:
        config = yaml.load(Path(path).read_text(), Loader=_Loader)
    except (OSError, yaml.YAMLError) as exc:
        raise UsageError(f"cannot read the sweep configuration {path}: {exc}") from None
    if not isinstance(config, dict):
        raise UsageError(f"{path} holds no sweep configuration (a YAML mapping)")
    return config
