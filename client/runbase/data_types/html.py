"""runbase.Html: a page of HTML stored as `media/html/KEY_STEP_SHA20.html`, W&B's `html-file`.

The HTML is the user's (or a model's) untrusted text: it is only ever written to a file and uploaded, never
parsed or run here; the UI shows it in a sandboxed frame."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from .media import Media, MediaSource, MediaStore, tmp_path

# What an injected page gets: links open in a new tab, and a base style. W&B links a stylesheet on its own
# servers instead; a self-hosted page must not make its viewers' browsers call out.
INJECTED_HEAD = ('<base target="_blank"><style>html{font-family:system-ui,sans-serif;line-height:1.5}'
                 'body{margin:0;padding:8px}</style>')


def read_stream(stream: IO[Any], what: str) -> str | bytes:
    """All of an open file or buffer, from its start (W&B rewinds a stream that was read before)."""
    if hasattr(stream, "seek") and (not hasattr(stream, "seekable") or stream.seekable()):
        stream.seek(0)
    content = stream.read()
    if not isinstance(content, (str, bytes)):
        raise TypeError(f"{what}: the stream's read() returned {type(content).__name__}, not text or bytes")
    return content


def inject_head(html: str) -> str:
    """W&B's injection: after `<head>`, else in a new head after `<html>`, else before the whole document."""
    if "<head>" in html:
        before, after = html.split("<head>", 1)
        return f"{before}<head>{INJECTED_HEAD}{after}".strip()
    if "<html>" in html:
        before, after = html.split("<html>", 1)
        return f"{before}<html><head>{INJECTED_HEAD}</head>{after}".strip()
    return f"{INJECTED_HEAD}{html}".strip()


def _looks_like_path(data: str) -> bool:
    return data.lower().endswith(".html") and "<" not in data and "\n" not in data


class Html(Media):
    """HTML to show in the UI, from a `.html` file's path, a string of HTML, or an open text stream.

    `inject` adds `<base target="_blank">` and a small inline style (W&B links a stylesheet on its servers
    instead); `inject=False` stores the HTML unchanged. A string that names an existing
    `.html` file is read from that file unless `data_is_not_path` is set."""

    log_type = "html-file"
    subdir = "html"

    def __init__(self, data: str | os.PathLike[str] | IO[Any], inject: bool = True,
                 data_is_not_path: bool = False) -> None:
        if not isinstance(inject, bool):
            raise TypeError(f"Html inject must be True or False, not {inject!r}")
        source: Path | None = None
        if isinstance(data, os.PathLike):
            source = Path(data)
            if not source.is_file():
                raise FileNotFoundError(f"Html data names no file: {os.fspath(data)!r}")
        elif isinstance(data, str):
            if not data_is_not_path and os.path.isfile(data) and data.lower().endswith(".html"):
                source = Path(data)
            elif not data_is_not_path and _looks_like_path(data):
                raise FileNotFoundError(f"Html data {data!r} looks like the path of an .html file, but there is "
                                        "no such file; pass data_is_not_path=True to log the string itself")
        elif not hasattr(data, "read"):
            raise TypeError(f"Html data must be a path to an .html file, a string of HTML or an open text stream, "
                            f"not {type(data).__name__}")
        if source is not None:
            self.html = _decoded(source.read_bytes(), f"Html file {os.fspath(source)!r}")
        elif isinstance(data, str):
            self.html = data
        else:
            self.html = _decoded(read_stream(data, "Html data"), "Html data")  # type: ignore[arg-type]
        if inject:
            self.html = inject_head(self.html)
        if source is not None and not inject and source.suffix.lower() == ".html":
            self._set_file(source, is_tmp=False, extension=".html")
            return
        path = tmp_path(".html")
        path.write_text(self.html, encoding="utf-8", newline="")
        self._set_file(path, is_tmp=True, extension=".html")

    @classmethod
    def seq_to_json(cls, items: list[Media], store: MediaStore) -> dict[str, Any]:
        """W&B's `html` descriptor of a list of pages logged under one key."""
        return {"_type": "html", "count": len(items), "html": [item.to_json(store) for item in items]}

    @classmethod
    def from_json(cls, described: Mapping[str, Any], source: MediaSource) -> Html:
        """The page a descriptor names, as it was stored (already injected, so not injected again)."""
        return cls(source.local_path(described["path"]), inject=False)

    def __repr__(self) -> str:
        return f"Html({len(self.html)} characters)"


def _decoded(content: str | bytes, what: str) -> str:
    if isinstance(content, str):
        return content
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{what} is not UTF-8 text: {exc}") from None
