"""A run's console output read a page at a time (Run.consoleLines: offset and limit), on SQLite and PostgreSQL:
pages meet without a gap or an overlap, the last is short, past the end is empty, bad bounds are refused."""

from __future__ import annotations

import json
from typing import Any

from conftest import Server

LINES = 2_500
QUERY = """query($p: String!, $r: String!, $o: Int!, $l: Int) { project(name: $p) { run(name: $r) {
    consoleLines(offset: $o, limit: $l) consoleLineCount } } }"""


def _page(server: Server, offset: int, limit: int | None) -> dict[str, Any]:
    return server.graphql(QUERY, {"p": "console-pages", "r": "paged", "o": offset, "l": limit})


def test_console_lines_page_through_the_whole_output(server: Server) -> None:
    lines = [f"line {i} ✓" for i in range(LINES)]
    for start in range(0, LINES, 1000):  # as the SDK sends them, in order
        made = server.graphql("""mutation($c: JSONString!, $s: Int64!) {
            a: upsertBucket(input: {modelName: "console-pages", name: "paged"}) { inserted }
            b: logHistory(input: {projectName: "console-pages", runName: "paged", rows: "[]", consoleLines: $c,
                                  consoleStart: $s}) { historyLineCount } }""",
                              {"c": json.dumps(lines[start:start + 1000]), "s": start})
        assert "errors" not in made, made
    pages = [_page(server, offset, 1000)["data"]["project"]["run"] for offset in range(0, LINES, 1000)]
    assert [line for page in pages for line in page["consoleLines"]] == lines
    assert [len(page["consoleLines"]) for page in pages] == [1000, 1000, 500]
    assert pages[0]["consoleLineCount"] == LINES
    assert _page(server, 1200, None)["data"]["project"]["run"]["consoleLines"] == lines[1200:2200]  # 1,000 a page
    assert _page(server, 2490, 50)["data"]["project"]["run"]["consoleLines"] == lines[2490:]
    assert _page(server, LINES, 10)["data"]["project"]["run"]["consoleLines"] == []
    for offset, limit, message in ((-1, 10, "offset must be 0 or more"), (0, -1, "limit must be from 0 to 10000"),
                                   (0, 10_001, "limit must be from 0 to 10000")):
        answer = _page(server, offset, limit)
        assert answer["errors"][0]["message"] == message, answer
