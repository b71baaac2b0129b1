"""require(): the feature flags a script names, as W&B's wandb.require takes them. W&B's remaining flags
("service", "core") name what is now its only behaviour, so they are accepted with a warning; any other
name is an error, as in W&B."""

from __future__ import annotations

from collections.abc import Iterable

from .errors import UnsupportedError
from .term import termwarn

ALWAYS_ON = ("service", "core")  # W&B: no-ops kept because integrations still call them


def require(requirement: str | Iterable[str] | None = None, experiment: str | Iterable[str] | None = None) -> None:
    """Declare the features a script needs (experiment is an alias of requirement); an unknown one raises
    UnsupportedError after every name was looked at."""
    features = requirement or experiment
    if not features:
        return
    unknown = ""
    for item in (features,) if isinstance(features, str) else tuple(features):
        if not isinstance(item, str):
            raise UnsupportedError(f"require() takes feature names, not {item!r}")
        feature = item.split("@", 1)[0].split(":", 1)[0]
        if feature in ALWAYS_ON:
            termwarn(f"`require({feature!r})` is a no-op: it is how runbase always works")
        elif feature != "require":
            unknown = f"require() unsupported requirement: {feature}"
            termwarn(unknown)
    if unknown:
        raise UnsupportedError(unknown)
