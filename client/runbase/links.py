"""Addresses of the web app's pages (a run, a project, a sweep, an artifact version), as printed and returned by
`run.url` and the public API: every path segment percent-encoded as the page's router decodes it, so a name with
a space, '|', '>' or '/' stays one segment and whole in a terminal's link detection and in Slack's <url|text>."""

from __future__ import annotations

from urllib.parse import quote


def page_url(base: object, *segments: object) -> str:
    """`base` (no trailing slash) followed by each segment as text, encoded whole."""
    return f"{base}" + "".join("/" + quote(str(segment), safe="") for segment in segments)
