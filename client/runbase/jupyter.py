"""Showing a run in a Jupyter notebook: the run's page in an iframe, as W&B's run.display() does."""

from __future__ import annotations

import html
import sys
from typing import Any

MAX_HEIGHT = 100_000


def shell() -> Any | None:
    """The Jupyter kernel's IPython shell, or None outside Jupyter (a terminal IPython included: it cannot show
    HTML). IPython is looked up, never imported: a script that has not loaded it is not in a notebook."""
    ipython = sys.modules.get("IPython")
    get = getattr(ipython, "get_ipython", None)
    found = get() if callable(get) else None
    if found is None:
        return None
    config = getattr(found, "config", None)
    kernel = isinstance(config, dict) and "IPKernelApp" in config
    return found if kernel or type(found).__name__ == "ZMQInteractiveShell" else None


def run_html(url: str, name: str, *, height: int, hidden: bool) -> str:
    """The run page in an iframe; hidden, folded under a summary naming the run (no script). The URL and name
    are escaped, so neither can break out of the markup."""
    if isinstance(height, bool) or not isinstance(height, int) or not 0 < height <= MAX_HEIGHT:
        from .errors import UsageError

        raise UsageError(f"height must be a whole number of pixels from 1 to {MAX_HEIGHT}, not {height!r}")
    frame = (f'<iframe src="{html.escape(url + "?jupyter=true", quote=True)}" '
             f'style="border:none;width:100%;height:{height}px;"></iframe>')
    if not hidden:
        return frame
    return f"<details><summary>Show run {html.escape(name, quote=True)}</summary>{frame}</details>"


def show(markup: str) -> bool:
    """Display HTML through the kernel's IPython; False if IPython's display module is missing."""
    try:
        from IPython import display
    except ImportError:
        return False
    display.display(display.HTML(markup))
    return True
