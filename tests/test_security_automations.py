"""Deliveries under attack, with real servers on both databases and real local receivers: internal
addresses (SSRF), redirects, huge and slow answers, one tenant starving the others, and secrets at rest
and in the log."""

from __future__ import annotations

import json
import sqlite3
import stat
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import Server
from cryptography.fernet import Fernet
from receivers import FakeSlack, Response, WebhookReceiver, verify_signature

pytestmark = pytest.mark.slow
NO_ALLOWANCE = {"RUNBASE_WEBHOOK_ALLOWED_HOSTS": ""}
SENDING = {"RUNBASE_DELIVERY_TIMEOUT_SECONDS": "2", "RUNBASE_DELIVERY_RETRY_BASE_SECONDS": "0.2",
           "RUNBASE_DELIVERY_MAX_AGE_SECONDS": "5", "RUNBASE_AUTOMATION_RATE_LIMIT": "1000",
           "RUNBASE_DELIVERY_CONCURRENCY": "8"}
CREATE_WEBHOOK = """mutation($i: CreateGenericWebhookIntegrationInput!) {
    createGenericWebhookIntegration(input: $i) { integration { id } } }"""
CREATE_SLACK = """mutation($i: CreateSlackIntegrationInput!) { createSlackIntegration(input: $i) { integration { id } } }"""
CREATE_TRIGGER = """mutation($i: CreateFilterTriggerInput!) { createFilterTrigger(input: $i) { trigger { id } } }"""
DELIVERIES = """query($id: ID!) { trigger(id: $id) { deliveries(first: 100) { edges { node {
    id status attemptCount responseCode error attempts { number responseCode error durationMs } } } } } }"""


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def ok(server: Server, query: str, variables: dict[str, Any], key: str | None = None) -> dict[str, Any]:
    answer = server.graphql(query, variables, key=key)
    assert "errors" not in answer, answer
    return answer["data"]


def webhook(server: Server, url: str, entity: str = "admin", key: str | None = None, **secrets: str) -> str:
    fields = {"entityName": entity, "name": unique("hook"), "urlEndpoint": url, **secrets}
    return ok(server, CREATE_WEBHOOK, {"i": fields}, key)["createGenericWebhookIntegration"]["integration"]["id"]


def slack_hook(server: Server, url: str | None = None, bot_token: str | None = None, channel: str | None = None) -> str:
    fields = {"entityName": "admin", "channelName": channel or unique("c"), "webhookUrl": url, "botToken": bot_token}
    return ok(server, CREATE_SLACK, {"i": fields})["createSlackIntegration"]["integration"]["id"]


def automation(server: Server, integration_id: str, project: str, entity: str = "admin", key: str | None = None,
               slack: bool = False) -> str:
    """Fires when a run of `project` fails."""
    action = ({"action_type": "NOTIFICATION", "integration_id": integration_id, "title": "t", "message": "m"}
              if slack else {"action_type": "GENERIC_WEBHOOK", "integration_id": integration_id,
                             "request_payload": {"run": "${run_id}"}})
    fields = {"name": unique("auto"), "entityName": entity, "scopeType": "PROJECT", "projectName": project,
              "eventType": "RUN_STATE", "eventFilter": json.dumps({"states": ["failed"]}), "action": json.dumps(action)}
    return ok(server, CREATE_TRIGGER, {"i": fields}, key)["createFilterTrigger"]["trigger"]["id"]


def fail_run(server: Server, project: str, entity: str = "admin", key: str | None = None) -> None:
    ok(server, "mutation($p: String!, $e: String, $r: String!) { upsertBucket(input: {modelName: $p, entityName: $e, "
               "name: $r, state: \"failed\"}) { bucket { id } } }", {"p": project, "e": entity, "r": unique("run")},
       key)


def deliveries(server: Server, trigger_id: str, key: str | None = None) -> list[dict[str, Any]]:
    edges = ok(server, DELIVERIES, {"id": trigger_id}, key)["trigger"]["deliveries"]["edges"]
    return [edge["node"] for edge in edges][::-1]


def settled(server: Server, trigger_id: str, count: int = 1, timeout: float = 30) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while True:
        found = deliveries(server, trigger_id)
        if len(found) >= count and all(d["status"] not in ("PENDING", "SENDING") for d in found):
            return found
        assert time.monotonic() < deadline, f"deliveries did not settle: {found}"
        time.sleep(0.1)


def fire(server: Server, integration_id: str, slack: bool = False) -> dict[str, Any]:
    """One delivery through the integration, once settled."""
    project = unique("p")
    trigger_id = automation(server, integration_id, project, slack=slack)
    fail_run(server, project)
    [delivery] = settled(server, trigger_id)
    return delivery


def _server(backend: str, data_dir: Path, request: pytest.FixtureRequest, slack: FakeSlack) -> Server:
    """Not started: it allows its local receivers (conftest), with a 2 s deadline per send and a 5 s give-up
    time."""
    url = request.getfixturevalue("postgres").create() if backend == "postgresql" else None
    return Server(data_dir, url, {"RUNBASE_SLACK_API_URL": slack.api_url, **SENDING})


@pytest.fixture(scope="module")
def sender(backend: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest,
           slack: FakeSlack) -> Iterator[Server]:
    srv = _server(backend, tmp_path_factory.mktemp(f"sec-{backend}"), request, slack)
    try:
        yield srv.start()
    finally:
        srv.stop()


@pytest.fixture
def own_server(backend: str, tmp_path: Path, request: pytest.FixtureRequest, slack: FakeSlack) -> Iterator[Server]:
    """A server of the test's own, which it starts, and may restart with other settings (`extra_env`)."""
    srv = _server(backend, tmp_path / "server", request, slack)
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def hook() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as receiver:
        yield receiver


# ------------------------------------------------------------------ SSRF

INTERNAL = ["http://127.0.0.1:9/h", "http://[::1]:9/h", "http://0x7f000001:9/h", "http://2130706433:9/h",
            "http://localhost:9/h", "http://169.254.169.254/latest/meta-data/", "http://10.1.2.3/h",
            "http://192.168.0.1/h", "http://[fd00::1]/h", "http://[fe80::1]/h", "http://[::ffff:127.0.0.1]:9/h",
            "http://[::127.0.0.1]:9/h", "http://[::ffff:0:127.0.0.1]:9/h",
            "http://0.0.0.0:9/h", "http://224.0.0.1/h", "http://[::]/h"]


def test_internal_addresses_are_refused_when_saved(own_server: Server) -> None:
    own_server.extra_env.update(NO_ALLOWANCE)
    own_server.start()
    for url in INTERNAL:
        for query, fields in ((CREATE_WEBHOOK, {"name": unique("h"), "urlEndpoint": url}),
                              (CREATE_SLACK, {"channelName": unique("c"), "webhookUrl": url + "/T0/B0/SECRETPART"})):
            answer = own_server.graphql(query, {"i": {"entityName": "admin", **fields}})
            [error] = answer["errors"]
            assert "RUNBASE_WEBHOOK_ALLOWED_HOSTS" in error["message"], (url, answer)
            assert "SECRETPART" not in error["message"] and "loopback" not in error["message"]
    webhook(own_server, "https://ci.example/hook")  # a host that does not resolve now is checked at each send


def test_a_destination_allowed_when_saved_is_refused_at_send(own_server: Server, hook: WebhookReceiver,
                                                              slack: FakeSlack) -> None:
    """What the address check at send time guards against: a name that resolved elsewhere when saved (DNS
    rebinding), shown here by an operator withdrawing the allowance."""
    own_server.start()
    hook_id = webhook(own_server, hook.url)
    slack_id = slack_hook(own_server, slack.webhook_url("ssrf"))
    assert fire(own_server, hook_id)["status"] == "SUCCEEDED"  # allowed by RUNBASE_WEBHOOK_ALLOWED_HOSTS
    assert fire(own_server, slack_id, slack=True)["status"] == "SUCCEEDED"
    before = len(hook.requests), len(slack.messages)
    own_server.stop()
    own_server.extra_env.update(NO_ALLOWANCE)
    own_server.start()
    for integration_id, is_slack in ((hook_id, False), (slack_id, True)):
        delivery = fire(own_server, integration_id, slack=is_slack)
        assert delivery["status"] == "FAILED" and delivery["attemptCount"] == 1, delivery  # not retried
        assert "resolves to an address deliveries may not go to" in delivery["error"]
        assert "loopback" not in delivery["error"] and delivery["responseCode"] is None
    assert (len(hook.requests), len(slack.messages)) == before


def test_redirects_are_never_followed(sender: Server, hook: WebhookReceiver, slack: FakeSlack) -> None:
    with WebhookReceiver() as elsewhere:
        hook.default = Response(302, headers={"Location": elsewhere.url})
        slack_url = slack.webhook_url("redirected")
        slack.script(Response(302, headers={"Location": elsewhere.url}))
        for integration_id, is_slack in ((webhook(sender, hook.url), False), (slack_hook(sender, slack_url), True)):
            delivery = fire(sender, integration_id, slack=is_slack)
            assert delivery["status"] == "FAILED" and delivery["responseCode"] == 302, delivery
            assert "redirects are not followed" in delivery["error"]
        time.sleep(0.5)
        assert elsewhere.requests == []


def _rss_kib(server: Server) -> int:
    assert server.process is not None
    status = Path(f"/proc/{server.process.pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")))


def test_a_huge_answer_is_read_only_in_part(sender: Server, hook: WebhookReceiver, slack: FakeSlack) -> None:
    huge = Response(400, body=b"x" * (1024 * 1024), repeat=150)  # 150 MB
    hook.default = huge
    slack_url = slack.webhook_url("huge")
    before = _rss_kib(sender)
    delivery = fire(sender, webhook(sender, hook.url))
    slack.script(huge)
    slack_delivery = fire(sender, slack_hook(sender, slack_url), slack=True)
    grown_mib = (_rss_kib(sender) - before) / 1024
    assert grown_mib < 40, f"the server grew by {grown_mib:.0f} MiB"
    for found in (delivery, slack_delivery):
        assert found["responseCode"] == 400 and found["status"] == "FAILED"
        assert len(found["error"]) < 4096  # the log keeps a few KiB of the answer
        assert all(len(a["error"]) < 4096 for a in found["attempts"])


# ------------------------------------------------------------------ slow receivers


def test_a_slow_receiver_is_cut_off_and_every_attempt_counts(sender: Server, hook: WebhookReceiver) -> None:
    hook.default = Response(200, drip=0.2, drip_for=60)  # a header line every 0.2 s for a minute
    started = time.monotonic()
    delivery = fire(sender, webhook(sender, hook.url))
    took = time.monotonic() - started
    assert delivery["status"] == "FAILED" and "gave up" in delivery["error"], delivery
    assert delivery["attemptCount"] >= 2 and len(delivery["attempts"]) == delivery["attemptCount"]
    assert all(a["durationMs"] < 3500 and "timed out" in a["error"] for a in delivery["attempts"]), delivery
    assert took < 15, f"giving up took {took:.1f} s; the limit is 5 s plus one 2 s send"


def test_one_tenants_slow_receivers_do_not_starve_the_others(sender: Server, hook: WebhookReceiver) -> None:
    mallory = unique("mallory")
    key = sender.create_user(mallory)
    with WebhookReceiver() as slow:
        slow.default = Response(200, drip=0.2, drip_for=60)
        project = unique("flood")
        for _ in range(8):
            automation(sender, webhook(sender, slow.url, entity=mallory, key=key), project, entity=mallory, key=key)
        for _ in range(3):
            fail_run(sender, project, entity=mallory, key=key)  # 24 slow deliveries
        slow.wait_for(4, timeout=10)
        victim = unique("victim")
        automation(sender, webhook(sender, hook.url), victim)
        started = time.monotonic()
        fail_run(sender, victim)
        hook.wait_for(1, timeout=10)
        waited = time.monotonic() - started
        assert waited < 1.8, f"another tenant's delivery waited {waited:.1f} s behind the slow receivers"
        in_flight = len([r for r in slow.requests if time.monotonic() - r.received_monotonic < 1.5])
        assert in_flight <= 4, f"{in_flight} of one entity's sends at once (its limit is 4)"


def test_retry_after_zero_does_not_turn_retries_into_a_loop(own_server: Server, hook: WebhookReceiver) -> None:
    """Retry-After is a floor on the exponential backoff (1 s doubling here), not a replacement: a receiver
    answering 429 with "Retry-After: 0" is tried a few times before the 6 s give-up, not every half second."""
    own_server.extra_env.update({"RUNBASE_DELIVERY_RETRY_BASE_SECONDS": "1", "RUNBASE_DELIVERY_MAX_AGE_SECONDS": "6"})
    own_server.start()
    hook.default = Response(429, headers={"Retry-After": "0"})
    delivery = fire(own_server, webhook(own_server, hook.url))
    assert delivery["status"] == "FAILED" and "gave up" in delivery["error"], delivery
    assert 2 <= delivery["attemptCount"] <= 4, delivery  # backoffs of 0.5-1 s, 1-2 s, 2-4 s fit in 6 s
    times = [request.received_monotonic for request in hook.requests]
    assert times[-1] - times[-2] >= 0.9, times


# ------------------------------------------------------------------ answers in the delivery log


def test_answers_are_truncated_and_shown_only_to_editors(sender: Server, hook: WebhookReceiver) -> None:
    owner, viewer = unique("owner"), unique("viewer")
    keys = {name: sender.create_user(name) for name in (owner, viewer)}
    team = unique("team")
    ok(sender, "mutation($t: String!, $a: String) { createTeam(input: {teamName: $t, adminUserName: $a}) { "
               "entity { id } } }", {"t": team, "a": owner})
    ok(sender, "mutation($e: String!, $u: String!) { createInvite(input: {entityName: $e, username: $u, "
               "role: \"viewer\"}) { member { role } } }", {"e": team, "u": viewer}, keys[owner])
    hook.default = Response(400, body="internal-detail " * 5000)
    project = unique("p")
    trigger_id = automation(sender, webhook(sender, hook.url, entity=team, key=keys[owner]), project, entity=team,
                            key=keys[owner])
    fail_run(sender, project, entity=team, key=keys[owner])
    deadline = time.monotonic() + 20
    while (found := deliveries(sender, trigger_id, keys[owner]))[0]["status"] != "FAILED":
        assert time.monotonic() < deadline, found
        time.sleep(0.1)
    [edited] = found
    assert "internal-detail" in edited["error"] and len(edited["error"]) < 4096
    [seen] = deliveries(sender, trigger_id, keys[viewer])
    assert seen["status"] == "FAILED" and seen["responseCode"] == 400 and seen["error"] is None
    assert [a["error"] for a in seen["attempts"]] == [None] and seen["attempts"][0]["responseCode"] == 400


# ------------------------------------------------------------------ secrets at rest and in the log


def _integration_rows(server: Server) -> list[dict[str, Any]]:
    query = "SELECT id, kind, url, secret, access_token, bot_token FROM integrations ORDER BY id"
    if server.database_url is None:
        with sqlite3.connect(server.data_dir / "runbase.db") as connection:
            connection.row_factory = sqlite3.Row
            return [dict(row) for row in connection.execute(query)]
    import psycopg
    from psycopg.rows import dict_row

    with psycopg.connect(server.database_url.replace("+psycopg", ""), row_factory=dict_row) as connection:
        return list(connection.execute(query))


def _sql(server: Server, statement: str) -> None:
    if server.database_url is None:
        with sqlite3.connect(server.data_dir / "runbase.db") as connection:
            connection.execute(statement)
        return
    import psycopg

    with psycopg.connect(server.database_url.replace("+psycopg", ""), autocommit=True) as connection:
        connection.execute(statement)


def test_secrets_are_encrypted_at_rest_and_a_rotated_key_takes_over(own_server: Server, hook: WebhookReceiver,
                                                                    slack: FakeSlack) -> None:
    own_server.start()
    key_file = own_server.data_dir / "secret.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    hmac_secret, token, bot = "whsec-" + uuid.uuid4().hex, "tok-" + uuid.uuid4().hex, "xoxb-" + uuid.uuid4().hex
    slack.add_token(bot)
    slack_url = slack.webhook_url("sealed")
    hook_id = webhook(own_server, hook.url, secret=hmac_secret, accessToken=token)
    bot_id, url_id = slack_hook(own_server, bot_token=bot, channel="sealed"), slack_hook(own_server, slack_url)
    stored = json.dumps(_integration_rows(own_server))
    for plain in (hmac_secret, token, bot, slack_url):
        assert plain not in stored
    assert stored.count("fernet:") == 4

    def delivered() -> None:
        hook.clear()
        for integration_id, is_slack in ((hook_id, False), (bot_id, True), (url_id, True)):
            assert fire(own_server, integration_id, slack=is_slack)["status"] == "SUCCEEDED"
        [request] = hook.requests
        assert verify_signature(request, hmac_secret) and request.headers["Authorization"] == f"Bearer {token}"

    delivered()
    old_key = key_file.read_text().strip()
    new_key = Fernet.generate_key().decode()
    own_server.stop()
    own_server.extra_env.update(RUNBASE_SECRET_KEY=new_key, RUNBASE_SECRET_KEY_PREVIOUS=old_key)
    own_server.start()
    rows = _integration_rows(own_server)
    box = Fernet(new_key)
    sealed = [row[column] for row in rows for column in ("secret", "access_token", "bot_token", "url")
              if row[column] and (column != "url" or row["kind"] == "SLACK")]
    assert len(sealed) == 4 and all(box.decrypt(value.removeprefix("fernet:").encode()) for value in sealed)
    own_server.stop()
    del own_server.extra_env["RUNBASE_SECRET_KEY_PREVIOUS"]  # the old key is no longer needed
    own_server.start()
    delivered()
    own_server.stop()
    own_server.extra_env["RUNBASE_SECRET_KEY"] = Fernet.generate_key().decode()  # not the database's key
    with pytest.raises(RuntimeError, match="not the one this database was used with"):
        own_server.start()
    database = ["--database-url", own_server.database_url] if own_server.database_url else []
    forgot = subprocess.run([sys.executable, "-m", "runbase.cli", "admin", "forget-secret-key", "--data-dir",
                             str(own_server.data_dir), *database], capture_output=True, text=True, timeout=60)
    assert forgot.returncode == 0 and "next server to start records its own" in forgot.stderr, forgot.stderr
    own_server.start()  # the key the database was used with is lost: what it sealed cannot be read
    failed = fire(own_server, hook_id)
    assert failed["status"] == "FAILED" and "cannot be decrypted" in failed["error"]


def test_the_database_keeps_which_key_its_servers_share(tmp_path: Path) -> None:
    """What servers starting together meet (the command's own check reports the usual case in one line)."""
    from runbase_server.automations.sealing import SecretBox, WrongKey, agree_on_key
    from runbase_server.database import make_engine, upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'keys.db'}")
    upgrade(engine)
    old, new, other = (Fernet.generate_key().decode() for _ in range(3))
    with engine.begin() as connection:
        agree_on_key(connection, SecretBox(old))  # the first start records its key
        with pytest.raises(WrongKey, match="RUNBASE_SECRET_KEY"):
            agree_on_key(connection, SecretBox(other))
        agree_on_key(connection, SecretBox(new, (old,)))  # a rotation: the new key is recorded
        agree_on_key(connection, SecretBox(new))
        with pytest.raises(WrongKey):
            agree_on_key(connection, SecretBox(old))
    engine.dispose()


def test_plaintext_secrets_of_an_older_database_are_encrypted_by_the_migration(
        backend: str, tmp_path: Path, request: pytest.FixtureRequest, hook: WebhookReceiver) -> None:
    from alembic import command
    from alembic.config import Config
    from runbase_server.database import MIGRATIONS, make_engine

    url = request.getfixturevalue("postgres").create() if backend == "postgresql" else None
    server = Server(tmp_path / "server", url)
    database = url or f"sqlite:///{server.data_dir / 'runbase.db'}"
    server.data_dir.mkdir(parents=True)
    engine = make_engine(database)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0006")
    engine.dispose()
    _sql(server, "INSERT INTO entities (name, is_team, created_at) VALUES ('old', false, CURRENT_TIMESTAMP)"
         if backend == "postgresql" else
         "INSERT INTO entities (name, is_team, created_at) VALUES ('old', 0, CURRENT_TIMESTAMP)")
    _sql(server, "INSERT INTO integrations (entity_id, kind, name, url, secret, access_token, created_at) SELECT id, "
                 f"'GENERIC_WEBHOOK', 'legacy', '{hook.url}', 'legacy-hmac', 'legacy-token', CURRENT_TIMESTAMP "
                 "FROM entities WHERE name = 'old'")
    try:
        server.start()
        [row] = _integration_rows(server)
        assert row["url"] == hook.url and row["secret"].startswith("fernet:")
        box = Fernet((server.data_dir / "secret.key").read_text().strip())
        assert box.decrypt(row["access_token"].removeprefix("fernet:").encode()) == b"legacy-token"
    finally:
        server.stop()


def test_secrets_in_a_failing_mutation_never_reach_the_log(own_server: Server) -> None:
    own_server.start()
    bot = "xoxb-inline-" + uuid.uuid4().hex
    _sql(own_server, "ALTER TABLE integrations RENAME TO integrations_away")  # every write to it now fails inside
    try:
        answer = own_server.graphql(f'mutation {{ createSlackIntegration(input: {{entityName: "admin", '
                                    f'channelName: "c", botToken: "{bot}"}}) {{ integration {{ id }} }} }}')
    finally:
        _sql(own_server, "ALTER TABLE integrations_away RENAME TO integrations")
    assert answer.get("errors"), answer
    own_server.stop()
    log = own_server.log.read_text()
    assert "Traceback" in log and "integrations" in log, log[-3000:]  # the failure was logged ...
    assert bot not in log and bot not in json.dumps(answer)  # ... without the query that carried the token


def test_internal_errors_are_logged_without_the_query_text(caplog: pytest.LogCaptureFixture) -> None:
    """What strawberry logs by default: the error printed with its source, which quotes inline arguments."""
    from graphql import GraphQLError, Source
    from runbase_server.graphql.schema import build

    bot = "xoxb-inline-" + uuid.uuid4().hex
    query = f'mutation {{ createSlackIntegration(input: {{channelName: "c", botToken: "{bot}"}}) {{ integration {{ id }} }} }}'
    error = GraphQLError("boom", source=Source(query), positions=[11], path=["createSlackIntegration"],
                         original_error=RuntimeError("boom"))
    build().process_errors([error])
    assert "internal error in createSlackIntegration: boom" in caplog.text
    assert bot not in caplog.text


# ------------------------------------------------------------------ what outsiders learn


def test_outsiders_cannot_tell_private_teams_or_their_automation_names(sender: Server) -> None:
    """Listing a team's automations answers as for no entity at all, and saving one there is refused in the same
    words, before its name is compared with those the team has."""
    team = unique("team")
    ok(sender, "mutation($t: String!) { createTeam(input: {teamName: $t}) { entity { id } } }", {"t": team})
    secret_name = unique("secret-plan")
    fields = {"entityName": team, "scopeType": "PROJECT", "projectName": unique("p"), "eventType": "RUN_STATE",
              "eventFilter": json.dumps({"states": ["failed"]}), "action": json.dumps({"action_type": "NO_OP"})}
    ok(sender, CREATE_TRIGGER, {"i": {**fields, "name": secret_name}})
    outsider = sender.create_user(unique("outsider"))
    missing = unique("no-team")
    listing = "query($e: String) { triggers(entityName: $e) { edges { node { name } } } }"
    assert ok(sender, listing, {"e": team}, outsider) == ok(sender, listing, {"e": missing}, outsider) == {
        "triggers": {"edges": []}}
    assert ok(sender, listing, {"e": team})["triggers"]["edges"] == [{"node": {"name": secret_name}}]

    def refusal(entity: str, name: str) -> tuple[str, str]:
        answer = sender.graphql(CREATE_TRIGGER, {"i": {**fields, "entityName": entity, "name": name}}, key=outsider)
        error = answer["errors"][0]
        return error["extensions"]["code"], error["message"].replace(entity, "ENTITY")

    answers = {refusal(entity, name) for entity in (team, missing) for name in (secret_name, unique("other"))}
    assert len(answers) == 1, answers
    [(code, message)] = answers
    assert code == "FORBIDDEN" and "no such entity" in message and "already" not in message
