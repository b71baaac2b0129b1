"""Links to the web app's pages, from the SDK (run.url, the public API) and the server (automation messages):
each path segment percent-encoded whole, as the page's router (web/src/router.ts) decodes it."""

from __future__ import annotations

from urllib.parse import unquote

from runbase.links import page_url
from runbase.settings import Settings

from runbase_server.settings import ServerSettings

NAMES = ("my project", "a|b>c<d", "é \"quoted\" [x]", "plain-name_1.2")


def test_each_segment_is_encoded_whole_and_decodes_back() -> None:
    for name in NAMES:
        url = page_url("http://h:1", "team", name, "runs", "r1")
        path = url.removeprefix("http://h:1/")
        assert not set(path) & set(' |<>"[]é') and path.count("/") == 3, url
        assert [unquote(part) for part in path.split("/")] == ["team", name, "runs", "r1"]
    assert page_url("http://h:1", "e", "a|b") == "http://h:1/e/a%7Cb"


def test_sdk_settings_and_server_links_agree() -> None:
    settings = Settings(base_url="http://h:1", entity="e", project="my project|x", run_id="abc")
    assert settings.run_url == "http://h:1/e/my%20project%7Cx/runs/abc"
    assert settings.project_url == "http://h:1/e/my%20project%7Cx"
    server = ServerSettings(public_url="https://runbase.example/")
    assert server.page_link("e", "my project|x", "runs", "abc") == "https://runbase.example/e/my%20project%7Cx/runs/abc"
