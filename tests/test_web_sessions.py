"""The web app's server side against a real server on SQLite and PostgreSQL, with httpx as the browser: sign-in
sessions (cookie flags, CSRF header and Origin wherever the cookie authenticates, expiry, sign-out, a deleted
key ending its sessions), the built pages (security headers, caching, no path out of assets/, API routes never
shadowed, 503 when unbuilt) and the entity names the pages need; behind an HTTPS proxy (RUNBASE_PUBLIC_URL),
the __Host- cookie and the public URL as the only origin. Access through a session is in test_access_matrix.py."""

from __future__ import annotations

import argparse
import base64
import hashlib
import http.client
import uuid
from datetime import timedelta
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
import plain_http
from conftest import Server

from runbase_server.web.pages import CSP, GRAPHIQL_CSP

SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin", "X-Frame-Options": "DENY"}
VIEWER = {"query": "{ viewer { username } }"}
PRIVATE = "private, no-store"
PUBLIC_URL = "https://runbase.example.com"


@pytest.fixture(scope="module")
def static(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny hand-made build, and a secret beside it that no path may reach."""
    root = tmp_path_factory.mktemp("web")
    static = root / "static"
    (static / "assets" / "nested").mkdir(parents=True)
    (static / "index.html").write_text("<!doctype html><title>runbase app</title>")
    (static / "graphiql.html").write_text("<!doctype html><title>GraphiQL</title>")
    (static / "assets" / "app-3f2a.js").write_text("console.log('app')")
    (static / "assets" / "nested" / "style-9c.css").write_text("body{}")
    (static / "assets" / ".hidden").write_text("hidden")
    (root / "secret.txt").write_text("SECRET")
    (static / "assets" / "link.js").symlink_to(root / "secret.txt")
    (static / "assets" / "out").symlink_to(root)
    return static


@pytest.fixture(scope="module")
def web(backend: str, static: Path, tmp_path_factory: pytest.TempPathFactory,
        request: pytest.FixtureRequest) -> Iterator[Server]:
    url = request.getfixturevalue("postgres").create() if backend == "postgresql" else None
    srv = Server(tmp_path_factory.mktemp(f"web-{backend}"), url, {"RUNBASE_WEB_STATIC_DIR": str(static)}).start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def public(static: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Behind a TLS-terminating proxy that uvicorn does not trust: only RUNBASE_PUBLIC_URL says HTTPS."""
    srv = Server(tmp_path_factory.mktemp("web-public"), None,
                 {"RUNBASE_WEB_STATIC_DIR": str(static), "RUNBASE_PUBLIC_URL": PUBLIC_URL}).start()
    yield srv
    srv.stop()


def sign_in(server: Server, key: str | None = None) -> tuple[httpx.Client, str]:
    """A browser signed in: its cookie jar holds the session; the CSRF token is returned."""
    browser = plain_http.Client(base_url=server.url)
    response = browser.post("/api/session", json={"apiKey": key or server.key})
    assert response.status_code == 200, response.text
    return browser, response.json()["csrfToken"]


def _code(response: httpx.Response) -> str:
    return response.json()["errors"][0]["extensions"]["code"]


def _sql(server: Server, statement: str, **parameters: str) -> list[object]:
    """A statement on the server's own database, as an operator's tool would run it."""
    engine = sa.create_engine(server.database_url or f"sqlite:///{server.data_dir / 'runbase.db'}")
    try:
        with engine.begin() as connection:
            result = connection.execute(sa.text(statement), parameters)
            return list(result.scalars()) if result.returns_rows else []
    finally:
        engine.dispose()


def _secured(response: httpx.Response) -> bool:
    return all(response.headers.get(name) == value for name, value in SECURITY_HEADERS.items())


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def test_sign_in_sets_a_protected_cookie_and_tells_the_csrf_token(web: Server) -> None:
    response = plain_http.post(f"{web.url}/api/session", json={"apiKey": web.key})
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "admin" and len(body["csrfToken"]) >= 40
    cookie = response.headers["set-cookie"]
    token = cookie.split(";")[0].removeprefix("runbase_session=")
    assert len(token) >= 40 and token != body["csrfToken"]
    assert {"HttpOnly", "SameSite=Strict", "Path=/"} <= {part.strip() for part in cookie.split(";")}
    assert "secure" not in cookie.lower()
    assert response.headers["cache-control"] == PRIVATE
    stored = _sql(web, "SELECT token_hash FROM web_sessions")  # stored hashed: the token itself is nowhere
    assert _hash(token) in stored and token not in stored
    again = plain_http.get(f"{web.url}/api/session", cookies={"runbase_session": token})
    assert again.json() == {"username": "admin", "csrfToken": body["csrfToken"], "admin": True}
    assert again.headers["cache-control"] == PRIVATE
    # behind an HTTPS proxy (uvicorn trusts X-Forwarded-Proto from localhost) the cookie is Secure and __Host-
    proxied = plain_http.post(f"{web.url}/api/session", json={"apiKey": web.key}, headers={"X-Forwarded-Proto": "https"})
    assert proxied.headers["set-cookie"].startswith("__Host-runbase_session=")
    assert "Secure" in {part.strip() for part in proxied.headers["set-cookie"].split(";")}


def test_bad_sign_ins_are_refused(web: Server) -> None:
    url = f"{web.url}/api/session"
    wrong = plain_http.post(url, json={"apiKey": "x" * 40})
    assert wrong.status_code == 401 and _code(wrong) == "UNAUTHENTICATED" and "set-cookie" not in wrong.headers
    assert plain_http.post(url, json={"apiKey": "x" * 100_000}).status_code == 413
    form = plain_http.post(url, data={"apiKey": web.key})  # what another site's form could send
    assert form.status_code == 415 and _code(form) == "UNSUPPORTED_MEDIA_TYPE"
    plain = plain_http.post(url, content=f'{{"apiKey": "{web.key}"}}', headers={"Content-Type": "text/plain"})
    assert plain.status_code == 415
    for body in ("not json", "[]", '{"apiKey": 5}', "{}"):
        bad = plain_http.post(url, content=body, headers={"Content-Type": "application/json"})
        assert bad.status_code == 400 and _code(bad) == "BAD_REQUEST", body
    foreign = plain_http.post(url, json={"apiKey": web.key}, headers={"Origin": "http://evil.example"})
    assert foreign.status_code == 403 and "set-cookie" not in foreign.headers
    own = plain_http.post(url, json={"apiKey": web.key}, headers={"Origin": web.url})
    assert own.status_code == 200
    assert plain_http.get(url).status_code == 401
    assert _code(plain_http.get(url, cookies={"runbase_session": "forged"})) == "UNAUTHENTICATED"


def test_changes_through_the_cookie_need_the_csrf_token_and_the_own_origin(web: Server) -> None:
    browser, csrf = sign_in(web)
    web.graphql('mutation { upsertBucket(input: {modelName: "web", name: "r"}) { inserted } }')
    web.graphql('mutation { logHistory(input: {projectName: "web", runName: "r", rows: "[{\\"_step\\": 0}]"}) '
                '{ accepted } }')
    contents = uuid.uuid4().bytes
    digest = hashlib.sha256(contents).hexdigest()
    requests = {
        "graphql": lambda headers: browser.post("/graphql", json=VIEWER, headers=headers),
        "history": lambda headers: browser.post("/history/columns", json={"project": "web", "run": "r"},
                                                headers=headers),
        "upload": lambda headers: browser.put(f"/files/blobs/{digest}", content=contents, headers=headers),
        "held": lambda headers: browser.post("/files/blobs/held", json={"digests": []}, headers=headers),
    }
    for name, send in requests.items():
        for headers in ({}, {"X-Runbase-CSRF": "wrong"}, {"X-Runbase-CSRF": ""},
                        {"X-Runbase-CSRF": csrf, "Origin": "http://evil.example"},
                        {"X-Runbase-CSRF": csrf, "Origin": web.url.replace("127.0.0.1", "localhost")}):
            refused = send(headers)
            assert refused.status_code == 403 and _code(refused) == "FORBIDDEN", (name, headers, refused.text)
        for headers in ({"X-Runbase-CSRF": csrf}, {"X-Runbase-CSRF": csrf, "Origin": web.url}):
            allowed = send(headers)
            assert allowed.status_code in (200, 201), (name, headers)
            if name in ("graphql", "history"):  # answers for one viewer: no cache may keep them
                assert allowed.headers["cache-control"] == PRIVATE, name
    assert browser.post("/graphql", json=VIEWER, headers={"X-Runbase-CSRF": csrf}).json() == {
        "data": {"viewer": {"username": "admin"}}}
    # downloads are links: a GET needs no CSRF header, but still the own origin when one is named
    web.graphql("mutation($i: UpsertRunFilesInput!) { upsertRunFiles(input: $i) { files { name } } }", {"i": {
        "projectName": "web", "runName": "r", "files": f'[{{"name": "f", "sha256": "{digest}", "size": 16}}]'}})
    download = browser.get("/files/admin/web/r/f")
    assert download.content == contents and download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["cache-control"] == PRIVATE
    assert download.headers["content-security-policy"] == "sandbox; default-src 'none'"
    assert browser.get("/files/admin/web/r/f", headers={"Origin": "http://evil.example"}).status_code == 403
    assert browser.head(f"/files/blobs/{digest}").status_code == 200
    # an Authorization header wins over any cookie and needs no CSRF token (the SDK's way)
    answer = plain_http.post(f"{web.url}/graphql", json=VIEWER, cookies={"runbase_session": "forged"},
                             headers={"Authorization": f"Bearer {web.key}"})
    assert answer.json()["data"]["viewer"]["username"] == "admin"


def test_sign_out_ends_the_session(web: Server) -> None:
    browser, csrf = sign_in(web)
    refused = browser.delete("/api/session")
    assert refused.status_code == 403 and browser.get("/api/session").status_code == 200
    token = browser.cookies["runbase_session"]
    response = browser.delete("/api/session", headers={"X-Runbase-CSRF": csrf})
    assert response.status_code == 204 and response.headers["cache-control"] == PRIVATE
    assert response.headers["set-cookie"].startswith("runbase_session=;") and "Max-Age=0" in response.headers[
        "set-cookie"]
    assert _sql(web, "SELECT count(*) FROM web_sessions WHERE token_hash = :h", h=_hash(token)) == [0]
    kept = {"runbase_session": token}  # a copy of the cookie taken before signing out
    assert plain_http.get(f"{web.url}/api/session", cookies=kept).status_code == 401
    stale = plain_http.post(f"{web.url}/graphql", json=VIEWER, cookies=kept, headers={"X-Runbase-CSRF": csrf})
    assert stale.status_code == 401 and _code(stale) == "UNAUTHENTICATED"


def test_an_expired_session_is_refused(web: Server) -> None:
    browser, csrf = sign_in(web)
    token_hash = _hash(browser.cookies["runbase_session"])
    _sql(web, "UPDATE web_sessions SET expires_at = created_at WHERE token_hash = :h", h=token_hash)
    assert browser.get("/api/session").status_code == 401
    assert browser.post("/graphql", json=VIEWER, headers={"X-Runbase-CSRF": csrf}).status_code == 401
    sign_in(web)  # a sign-in removes expired sessions
    assert _sql(web, "SELECT count(*) FROM web_sessions WHERE token_hash = :h", h=token_hash) == [0]


def test_deleting_the_key_ends_its_sessions_at_once(web: Server) -> None:
    name = f"web-{uuid.uuid4().hex[:8]}"
    key = web.create_user(name)
    other = web.graphql("mutation($u: String!) { generateApiKey(input: {userName: $u}) { key apiKey { id } } }",
                        {"u": name})["data"]["generateApiKey"]
    browser, csrf = sign_in(web, key)
    other_browser, other_csrf = sign_in(web, other["key"])
    assert browser.post("/graphql", json=VIEWER, headers={"X-Runbase-CSRF": csrf}).json()["data"]["viewer"][
        "username"] == name
    web.graphql("mutation($id: ID!) { deleteApiKey(input: {id: $id}) { success } }", {"id": other["apiKey"]["id"]})
    refused = other_browser.post("/graphql", json=VIEWER, headers={"X-Runbase-CSRF": other_csrf})
    assert refused.status_code == 401 and other_browser.get("/api/session").status_code == 401
    assert browser.get("/api/session").json()["username"] == name  # the user's other key's session lives on


def test_pages_are_served_with_security_headers(web: Server) -> None:
    for path in ("/", "/signin", "/admin", "/admin/demo", "/admin/demo/runs/abc123", "/a/b/artifacts/model/m/v1/x",
                 "/admin/demo/runs/abc123?workspace=1"):
        page = plain_http.get(f"{web.url}{path}")
        assert page.status_code == 200 and "runbase app" in page.text, path
        assert page.headers["content-type"] == "text/html; charset=utf-8"
        assert page.headers["content-security-policy"] == CSP and page.headers["cache-control"] == "no-cache"
        assert _secured(page)
    head = plain_http.head(f"{web.url}/admin/demo")
    assert head.status_code == 200 and head.content == b"" and head.headers["content-length"] == str(len(
        "<!doctype html><title>runbase app</title>"))
    graphiql = plain_http.get(f"{web.url}/graphql", headers={"Accept": "text/html"})
    assert graphiql.status_code == 200 and "GraphiQL" in graphiql.text
    assert graphiql.headers["content-security-policy"] == GRAPHIQL_CSP and "'unsafe-inline'" not in \
        GRAPHIQL_CSP.split("script-src")[1].split(";")[0]
    assert _secured(graphiql)
    assert plain_http.head(f"{web.url}/graphql").status_code == 200
    for path, media_type, body in (("/assets/app-3f2a.js", "text/javascript; charset=utf-8", "console.log('app')"),
                                   ("/assets/nested/style-9c.css", "text/css; charset=utf-8", "body{}")):
        asset = plain_http.get(f"{web.url}{path}")
        assert asset.status_code == 200 and asset.text == body and asset.headers["content-type"] == media_type
        assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert _secured(asset) and asset.headers["content-security-policy"] == CSP
        assert plain_http.head(f"{web.url}{path}").status_code == 200
    assert plain_http.get(f"{web.url}/assets/missing-1.js").status_code == 404


@pytest.mark.parametrize("path", [
    "/assets/../secret.txt", "/assets/../../secret.txt", "/assets/%2e%2e/secret.txt", "/assets/..%2fsecret.txt",
    "/assets/%2e%2e%2f%2e%2e%2fsecret.txt", "/assets/nested/../../secret.txt", "/assets/.hidden",
    "/assets/link.js", "/assets/out/secret.txt", "/assets//etc/passwd", "/assets/%2fetc%2fpasswd",
    "/assets/..\\secret.txt", "/assets/%00", "/assets/nested/%2e%2e/app-3f2a.js", "/assets/",
])
def test_no_path_leaves_the_assets(web: Server, path: str) -> None:
    """Sent byte for byte (httpx would tidy the dots away): none reaches a file outside assets/, or a link."""
    connection = http.client.HTTPConnection("127.0.0.1", web.port, timeout=10)
    connection.request("GET", path)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    assert b"SECRET" not in body and b"root:" not in body and b"hidden" not in body, path
    assert response.status in (400, 404), (path, response.status)


def test_api_routes_are_never_shadowed_by_pages(web: Server) -> None:
    for method, path, status in (("GET", "/api/nope", 404), ("GET", "/files/blobs/abc", 405),
                                 ("GET", "/history/columns", 405), ("GET", "/healthz/x", 404),
                                 ("GET", "/static/x.js", 404), ("POST", "/admin/demo", 404),
                                 ("DELETE", "/", 404), ("PUT", "/api/session", 405)):
        response = plain_http.request(method, f"{web.url}{path}")
        assert response.status_code == status and "runbase app" not in response.text, (method, path)
    assert plain_http.get(f"{web.url}/healthz").json() == {"status": "ok"}


def test_every_route_is_under_a_reserved_name(tmp_path: Path) -> None:
    """A new route must add its first segment to names.SERVER_ROUTES, or it would take an entity's pages."""
    from runbase_server.http.app import create_app
    from runbase_server.names import SERVER_ROUTES
    from runbase_server.settings import ServerSettings

    app = create_app(ServerSettings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'r.db'}"))
    firsts = {route.path.lstrip("/").partition("/")[0] for route in app.routes}  # type: ignore[attr-defined]
    assert firsts <= SERVER_ROUTES, firsts - SERVER_ROUTES


def test_an_unbuilt_app_answers_503(web: Server, static: Path) -> None:
    (static / "index.html").rename(static / "index.html.away")
    try:
        for path in ("/", "/admin/demo", "/graphql"):
            response = plain_http.get(f"{web.url}{path}")
            assert response.status_code == 503 and response.headers["content-type"].startswith("text/plain")
            assert "not built" in response.text and "scripts/build_web" in response.text
            assert str(static) not in response.text and "/" not in response.text.split("scripts/build_web")[0]
    finally:
        (static / "index.html.away").rename(static / "index.html")
    assert plain_http.get(f"{web.url}/").status_code == 200
    assert f"{static} has no index.html" in web.log.read_text()  # where the server looked: for its operator


def test_entity_names_of_server_routes_are_refused(web: Server) -> None:
    for name in ("api", "Assets", "graphql", "signin", "healthz", "Registry"):
        made = web.graphql("mutation($u: String!) { createUser(input: {username: $u}) { user { id } } }", {"u": name})
        assert "reserved" in made["errors"][0]["message"] and made["errors"][0]["extensions"]["code"] == \
            "BAD_USER_INPUT", made
        team = web.graphql("mutation($t: String!) { createTeam(input: {teamName: $t}) { entity { name } } }",
                           {"t": name})
        assert "reserved" in team["errors"][0]["message"], team
    assert "errors" not in web.graphql('mutation { createTeam(input: {teamName: "apis"}) { entity { name } } }')


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_the_migration_cascades_from_keys_and_users_and_downgrades(database: str, tmp_path: Path,
                                                                   request: pytest.FixtureRequest) -> None:
    """With foreign keys on, as the server's engine has them: deleting a key or a user deletes its sessions
    in the database itself, so no code path that deletes them can leave a session alive."""
    from alembic import command
    from alembic.config import Config
    from runbase_server import auth, database as databases, users
    from runbase_server.tables import ApiKey, User, WebSession
    from runbase_server.web import sessions
    from sqlalchemy.orm import Session

    url = (request.getfixturevalue("postgres").create() if database == "postgresql"
           else f"sqlite:///{tmp_path / 'w.db'}")
    engine = databases.make_engine(url)
    databases.upgrade(engine)
    lifetime = timedelta(days=1)
    with Session(engine) as session, session.begin():
        user = users.create_user(session, "u")
        keys = [auth.new_key() for _ in range(3)]
        key_ids = [auth.store_key(session, user, key).id for key in keys]
        tokens = [sessions.sign_in(session, key, lifetime)[0] for key in keys]
        user_id = user.id
    with Session(engine) as session, session.begin():
        session.delete(session.get(ApiKey, key_ids[0]))  # as deleteApiKey does
    with Session(engine) as session, session.begin():
        assert sessions.find(session, tokens[0]) is None and sessions.find(session, tokens[1]) is not None
        session.execute(sa.delete(ApiKey).where(ApiKey.id == key_ids[1]))  # in bulk, as the demo does
    with Session(engine) as session, session.begin():
        assert session.scalars(sa.select(WebSession.token_hash)).all() == [sessions.hash_token(tokens[2])]
        more = [sessions.sign_in(session, keys[2], lifetime)[0] for _ in range(sessions.MAX_SESSIONS)]
    with Session(engine) as session, session.begin():  # a user's sessions are capped: the oldest went
        assert sessions.find(session, tokens[2]) is None and sessions.find(session, more[0]) is not None
        assert session.scalar(sa.select(sa.func.count()).select_from(WebSession)) == sessions.MAX_SESSIONS
        session.execute(sa.delete(User).where(User.id == user_id))
    with Session(engine) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(WebSession)) == 0
    config = Config()
    config.set_main_option("script_location", str(databases.MIGRATIONS))
    with engine.begin() as connection:
        config.attributes.update(connection=connection, secret_keys=())
        command.downgrade(config, "0012")
    assert "web_sessions" not in sa.inspect(engine).get_table_names()
    databases.upgrade(engine)
    assert "web_sessions" in sa.inspect(engine).get_table_names()
    engine.dispose()


def test_behind_an_https_proxy_the_cookie_is_secure_and_the_public_url_the_only_origin(public: Server) -> None:
    """The proxy is not one uvicorn trusts (FORWARDED_ALLOW_IPS), so the request's scheme says http: the https
    public URL alone makes the cookie Secure and __Host-, and no Host header can add an origin."""
    url = f"{public.url}/api/session"
    for origin in ("http://runbase.example.com", public.url, "https://evil.example"):
        refused = plain_http.post(url, json={"apiKey": public.key}, headers={"Origin": origin,
                                                                         "Host": origin.partition("://")[2]})
        assert refused.status_code == 403 and "set-cookie" not in refused.headers, origin
    response = plain_http.post(url, json={"apiKey": public.key}, headers={"Origin": PUBLIC_URL})
    assert response.status_code == 200
    name, _, rest = response.headers["set-cookie"].partition("=")
    token, *flags = rest.split("; ")
    assert name == "__Host-runbase_session" and {"Secure", "HttpOnly", "SameSite=Strict", "Path=/"} <= set(flags)
    assert not any(flag.lower().startswith("domain") for flag in flags)
    csrf = response.json()["csrfToken"]
    cookie = {"Cookie": f"__Host-runbase_session={token}"}  # sent by hand: httpx keeps Secure cookies off http
    assert plain_http.get(url, headers=cookie).json()["username"] == "admin"
    assert plain_http.get(url, headers={"Cookie": f"runbase_session={token}"}).status_code == 401  # only __Host- here
    answer = plain_http.post(f"{public.url}/graphql", json=VIEWER, headers={**cookie, "X-Runbase-CSRF": csrf,
                                                                       "Origin": PUBLIC_URL})
    assert answer.json() == {"data": {"viewer": {"username": "admin"}}}
    assert plain_http.post(f"{public.url}/graphql", json=VIEWER, headers={
        **cookie, "X-Runbase-CSRF": csrf, "Origin": public.url}).status_code == 403
    out = plain_http.delete(url, headers={**cookie, "X-Runbase-CSRF": csrf})
    assert out.status_code == 204 and out.headers["set-cookie"].startswith("__Host-runbase_session=;")
    assert "Secure" in out.headers["set-cookie"]


def test_a_request_with_two_session_cookies_is_refused(web: Server, public: Server) -> None:
    """A sibling site (another port or subdomain) can add a cookie of the same name: neither is believed."""
    browser, csrf = sign_in(web)
    mine = browser.cookies["runbase_session"]
    other_browser, other_csrf = sign_in(web)
    other = other_browser.cookies["runbase_session"]
    for cookies in ([f"runbase_session={mine}; runbase_session={other}"],
                    [f"runbase_session={mine}", f"runbase_session={other}"],  # two Cookie headers
                    [f"runbase_session={mine}; runbase_session="]):
        headers = [("Cookie", value) for value in cookies]
        assert plain_http.get(f"{web.url}/api/session", headers=headers).status_code == 401, cookies
        for token in (csrf, other_csrf):
            refused = plain_http.post(f"{web.url}/graphql", json=VIEWER, headers=[*headers, ("X-Runbase-CSRF", token)])
            assert refused.status_code == 401 and _code(refused) == "UNAUTHENTICATED"
        assert plain_http.get(f"{web.url}/files/admin/web/r/f", headers=headers).status_code == 401
        signed = plain_http.post(f"{web.url}/graphql", json=VIEWER, headers=[
            *headers, ("Authorization", f"Bearer {web.key}")])  # a key still wins
        assert signed.json()["data"]["viewer"]["username"] == "admin"
    assert plain_http.get(f"{web.url}/api/session", headers={"Cookie": f"other=1; runbase_session={mine}"}).status_code \
        == 200
    token = plain_http.post(f"{public.url}/api/session", json={"apiKey": public.key}).headers["set-cookie"].split(
        ";")[0].partition("=")[2]
    twice = f"__Host-runbase_session={token}; __Host-runbase_session={token}"
    assert plain_http.get(f"{public.url}/api/session", headers={"Cookie": twice}).status_code == 401


def test_a_key_that_is_no_string_of_characters_is_unauthenticated(web: Server) -> None:
    """A lone surrogate (JSON allows its escape) is no key: 401, not a server error, on every path."""
    signed = plain_http.post(f"{web.url}/api/session", content='{"apiKey": "\\ud800"}',
                             headers={"Content-Type": "application/json"})
    assert signed.status_code == 401 and _code(signed) == "UNAUTHENTICATED"
    encoded = "\ud800".encode("utf-8", "surrogatepass")
    for authorization in (b"Bearer " + encoded, b"Basic " + base64.b64encode(b"api:" + encoded)):
        answer = plain_http.post(f"{web.url}/graphql", json=VIEWER, headers={"Authorization": authorization})
        assert answer.status_code == 401 and _code(answer) == "UNAUTHENTICATED", authorization
    assert "Traceback" not in web.log.read_text()


def test_a_session_manages_no_keys_users_or_team_members(web: Server) -> None:
    """A stolen session (or a script on the page) must not mint a credential that outlives it, nor make anyone a
    member or admin of a team or registry."""
    name = f"keys-{uuid.uuid4().hex[:8]}"
    key = web.create_user(name)
    team = f"team-{uuid.uuid4().hex[:8]}"
    assert "errors" not in web.graphql("mutation($t: String!) { createTeam(input: {teamName: $t}) { entity { id } } }",
                                       {"t": team})
    member = web.graphql("mutation($t: String!, $u: String!) { createInvite(input: {entityName: $t, username: $u}) "
                         "{ member { id } } }", {"t": team, "u": name})["data"]["createInvite"]["member"]["id"]
    key_id = web.graphql("{ viewer { apiKeys { edges { node { id } } } } }", key=key)["data"]["viewer"]["apiKeys"][
        "edges"][0]["node"]["id"]
    registry = web.graphql("mutation($t: String!) { createRegistry(input: {organization: $t, name: \"crew\", "
                           "visibility: \"organization\"}) { registry { id } } }",
                           {"t": team})["data"]["createRegistry"]["registry"]["id"]
    members = "mutation($r: ID!, $u: String!) { %sRegistryMembers(input: {registryId: $r, usernames: [$u]}) " \
              "{ registry { members { username } } } }"
    assert "errors" not in web.graphql(members % "add", {"r": registry, "u": name})
    mutations = {
        "creating an API key": ("mutation { generateApiKey(input: {}) { key } }", {}),
        "deleting an API key": ("mutation($id: ID!) { deleteApiKey(input: {id: $id}) { success } }", {"id": key_id}),
        "creating a user": ("mutation { createUser(input: {username: \"minted\"}) { user { id } } }", {}),
        "adding a team member": ("mutation($t: String!) { createInvite(input: {entityName: $t, username: \"admin\", "
                                 "role: \"viewer\"}) { member { id } } }", {"t": team}),
        "removing a team member": ("mutation($t: String!, $id: ID!) { deleteInvite(input: {entityName: $t, id: $id}) "
                                   "{ success } }", {"t": team, "id": member}),
        "making another user a team's admin": (
            "mutation($u: String!) { createTeam(input: {teamName: \"theirs\", adminUserName: $u}) { entity { id } } }",
            {"u": name}),
        "adding a registry member": (members % "add", {"r": registry, "u": "admin"}),
        "removing a registry member": (members % "remove", {"r": registry, "u": name}),
    }
    browser, csrf = sign_in(web)  # the instance admin, who could do all of it with a key
    for action, (query, variables) in mutations.items():
        answer = browser.post("/graphql", json={"query": query, "variables": variables},
                              headers={"X-Runbase-CSRF": csrf}).json()
        error = answer["errors"][0]
        assert error["extensions"]["code"] == "FORBIDDEN" and error["message"].startswith(action), answer
        assert "needs an API key" in error["message"]
    assert len(web.graphql("{ viewer { apiKeys { edges { node { id } } } } }", key=key)["data"]["viewer"]["apiKeys"][
        "edges"]) == 1
    assert web.graphql('{ user(userName: "minted") { id } }').get("errors")
    assert {m["username"] for m in web.graphql("query($t: String!) { entity(name: $t) { members { username } } }",
                                               {"t": team})["data"]["entity"]["members"]} == {"admin", name}
    assert web.graphql('{ entity(name: "theirs") { id } }')["data"]["entity"] is None
    registry_members = web.graphql("query($t: String!, $n: String!) { registry(organization: $t, name: $n) "
                                   "{ members { username } } }", {"t": team, "n": "crew"})
    assert {m["username"] for m in registry_members["data"]["registry"]["members"]} == {"admin", name}
    made = web.graphql("mutation { generateApiKey(input: {}) { key } }")  # an API key still may
    assert len(made["data"]["generateApiKey"]["key"]) >= 40
    # a session may make a team of its own, with its own user as admin (by default or named)
    for admin in ("", ', adminUserName: "admin"'):
        own = f"own-{uuid.uuid4().hex[:8]}"
        answer = browser.post("/graphql", headers={"X-Runbase-CSRF": csrf}, json={
            "query": f'mutation {{ createTeam(input: {{teamName: "{own}"{admin}}}) {{ entity {{ name }} }} }}'})
        assert answer.json() == {"data": {"createTeam": {"entity": {"name": own}}}}


@pytest.mark.parametrize("days", ["366", "3e6", "1e9", "0", "nan"])
def test_a_bad_session_lifetime_stops_the_server_in_one_line(days: str, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    from runbase_server import cli

    monkeypatch.setenv("RUNBASE_WEB_SESSION_DAYS", days)
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    assert cli.serve(parser.parse_args(["--data-dir", str(tmp_path / "data")])) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and error.startswith(f"runbase: error: RUNBASE_WEB_SESSION_DAYS={days!r}"), error
    assert not (tmp_path / "data").exists()


def test_dot_names_are_refused_for_projects_and_runs(web: Server) -> None:
    """Browsers collapse /./ and /../ in a URL, so such a project's or run's page could never open."""
    for project, run in ((".", "r"), ("..", "r"), ("web", "."), ("web", "..")):
        made = web.graphql("mutation($p: String!, $r: String!) { upsertBucket(input: {modelName: $p, name: $r}) "
                           "{ inserted } }", {"p": project, "r": run})
        error = made["errors"][0]
        assert error["extensions"]["code"] == "BAD_USER_INPUT" and "must not be" in error["message"], made
    made = web.graphql('mutation { upsertModel(input: {name: ".."}) { inserted } }')
    assert made["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", made
    for name in ("...", ".hidden", "a..b"):
        assert "errors" not in web.graphql("mutation($r: String!) { upsertBucket(input: {modelName: \"web\", "
                                           "name: $r}) { inserted } }", {"r": name}), name


def test_urls_handed_out_start_with_the_public_url_whatever_the_host_header(public: Server) -> None:
    """Upload and download URLs are where the public URL says: a request naming another Host (through a shared
    proxy, say) cannot send a client's file elsewhere."""
    answer = plain_http.post(f"{public.url}/graphql", headers={"Authorization": f"Bearer {public.key}",
                                                          "Host": "evil.example"},
                        json={"query": """mutation { upsertBucket(input: {modelName: "urls", name: "r"}) { bucket { id } }
                              createRunFiles(input: {projectName: "urls", runName: "r", files: ["f.txt"]}) {
                              files { uploadUrl } } }"""}).json()
    assert "errors" not in answer, answer
    [made] = answer["data"]["createRunFiles"]["files"]
    assert made["uploadUrl"].startswith(f"{PUBLIC_URL}/files/uploads/"), made
