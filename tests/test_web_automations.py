"""The automations pages in Chromium against a real server and a real webhook receiver: an integration and an
automation made through the page, a run that crosses the threshold (the SDK in its own process), the delivery in
the page's log after the receiver got it, redeliver; editing and disabling; the server's error beside a bad form;
hostile names shown as text; and a secret typed in the page never coming back in the DOM or an answer."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser import browser, shot, signed_in_context
from conftest import Server, run_script, sdk_environment
from receivers import Response, WebhookReceiver, verify_signature

__all__ = ["browser"]  # a fixture, used by name
HOSTILE = "<img src=x onerror=alert(1)>"
SECRET = "whsec-never-shown-4f1c9a"
TOKEN = "tok-never-shown-77d2e0"
SLACK_TOKEN = "xoxb-never-shown-0b5e"
PROJECT = "webauto"
TRIGGERS = """query($e: String!) { triggers(entityName: $e, first: 100) { edges { node {
    id name description enabled eventFilter action } } } }"""


@pytest.fixture(scope="module")
def hook() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as receiver:
        yield receiver


@pytest.fixture(scope="module")
def auto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = Server(tmp_path_factory.mktemp("web-automations"), None,
                    {"RUNBASE_DELIVERY_RETRY_BASE_SECONDS": "0.1"}).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def context(browser: Any, auto_server: Server) -> Iterator[Any]:
    ctx = signed_in_context(browser, auto_server, f"/admin/{PROJECT}/automations")
    yield ctx
    ctx.close()


def triggers(server: Server) -> dict[str, dict[str, Any]]:
    answer = server.graphql(TRIGGERS, {"e": "admin"})
    assert "errors" not in answer, answer
    return {edge["node"]["name"]: edge["node"] for edge in answer["data"]["triggers"]["edges"]}


def add_webhook_integration(page: Any, name: str, url: str, secret: str = "", token: str = "") -> None:
    form = page.locator("form.integration-form")
    form.locator("select[name=kind]").select_option("webhook")
    form.locator("input[name=name]").fill(name)
    form.locator("input[name=url]").fill(url)
    form.locator("input[name=secret]").fill(secret)
    form.locator("input[name=token]").fill(token)
    form.locator("button[type=submit]").click()
    page.locator(".integrations-table td", has_text=re.compile(f"^{re.escape(name)}$")).wait_for()


def fill_threshold_automation(page: Any, name: str, threshold: str, integration: str) -> None:
    form = page.locator("form.automation-form")
    form.locator("input[name=name]").fill(name)
    form.locator("input[name=description]").fill("loss explodes")
    form.locator("select[name=eventType]").select_option("RUN_METRIC_THRESHOLD")
    form.locator("input[name=metric]").fill("loss")
    form.locator("select[name=cmp]").select_option("$gt")
    form.locator("input[name=threshold]").fill(threshold)
    form.locator("select[name=actionType]").select_option("GENERIC_WEBHOOK")
    form.locator("select[name=integration]").select_option(label=integration)


@pytest.fixture(scope="module")
def made(context: Any, auto_server: Server, hook: WebhookReceiver) -> dict[str, str]:
    """An integration (with a secret and a token) and a webhook automation on loss > 5, made through the page."""
    page = context.new_page()
    page.goto(f"{auto_server.url}/admin/{PROJECT}/automations")
    page.locator("p.empty", has_text="No automations yet").wait_for()
    add_webhook_integration(page, "receiver", hook.url, SECRET, TOKEN)
    row = page.locator(".integrations-table tr", has_text="receiver")
    assert "signing secret set, access token set" in row.inner_text()
    page.click("text=New automation")
    page.wait_for_url(re.compile(r"/automations/new$"))
    fill_threshold_automation(page, "loss-guard", "5", "receiver")
    page.click("button:has-text('Create automation')")
    page.wait_for_url(re.compile(r"/automations/\d+$"))
    automation_id = page.url.rsplit("/", 1)[1]
    assert page.inner_text("h1.automation-name") == "loss-guard"
    page.close()
    return {"id": automation_id}


def test_webhook_automation_delivers_to_a_real_receiver_and_redelivers(
        context: Any, auto_server: Server, hook: WebhookReceiver, made: dict[str, str], tmp_path: Path) -> None:
    saved = triggers(auto_server)["loss-guard"]
    assert saved["id"] == made["id"] and saved["enabled"]
    assert json.loads(saved["eventFilter"])["metric"] == {"name": "loss", "agg": None, "window": 1, "cmp": "$gt",
                                                          "threshold": 5.0}
    hook.script(Response(503, body="busy, try later"))  # the first attempt fails, the retry succeeds
    run_script(f"""
import runbase
run = runbase.init(project={PROJECT!r}, id="spike")
for value in [1.0, 2.0, 9.0, 1.0]:
    run.log({{"loss": value}})
run.finish()
""", sdk_environment(auto_server, tmp_path))
    failed, request = hook.wait_for(2)
    assert failed.body == request.body and failed.response_status == 503 and request.response_status == 200
    assert request.json["run"] == "spike" and request.json["metric"] == "loss" and request.json["value"] == 9.0
    assert verify_signature(request, SECRET) and request.headers["Authorization"] == f"Bearer {TOKEN}"

    page = context.new_page()
    page.goto(f"{auto_server.url}/admin/{PROJECT}/automations/{made['id']}")
    delivery = page.locator("tbody.delivery").first
    delivery.locator("td.status", has_text="SUCCEEDED").wait_for()
    assert delivery.locator("tr.delivery-row td").nth(3).inner_text() == "spike"
    assert delivery.locator("tr.delivery-row td.code").inner_text() == "200"
    assert delivery.locator("tr.delivery-row td.attempt-count").inner_text() == "2"
    attempts = delivery.locator("tr.attempt")
    assert attempts.count() == 2
    assert attempts.nth(0).locator("td.code").inner_text() == "503"
    assert attempts.nth(1).locator("td.code").inner_text() == "200"
    api = auto_server.graphql("""query($id: ID!) { trigger(id: $id) { deliveries { edges { node {
        attempts { number responseCode error } } } } } }""", {"id": made["id"]})
    [api_attempt_1, api_attempt_2] = api["data"]["trigger"]["deliveries"]["edges"][0]["node"]["attempts"]
    assert attempts.nth(0).locator("td.attempt-error").inner_text() == (api_attempt_1["error"] or "")
    assert api_attempt_1["responseCode"] == 503 and api_attempt_2["responseCode"] == 200

    delivery.locator("button.redeliver").click()
    page.locator("tbody.delivery[data-status=SUCCEEDED]").nth(1).wait_for()
    assert len(hook.wait_for(3)) == 3
    newest = page.locator("tbody.delivery").first
    first_id = page.locator("tbody.delivery").nth(1).get_attribute("data-id")
    assert newest.locator("tr.delivery-row").inner_text().count(f"redelivery of #{first_id}") == 1
    assert newest.locator("tr.attempt").count() == 1
    shot(page, "automation")

    page.click("text=All automations")
    row = page.locator(f".automations-table tr[data-id='{made['id']}']")
    assert row.locator("td.event").inner_text() == "RUN_METRIC_THRESHOLD"
    assert row.locator("td.filter").inner_text() == "loss > 5"
    assert row.locator("td.action").inner_text() == "Webhook to receiver"
    assert row.locator("input[name=enabled]").is_checked()
    shot(page, "automations")
    page.close()
    assert context.problems == []


def test_edit_then_disable_and_enable_from_the_list(context: Any, auto_server: Server, made: dict[str, str]) -> None:
    page = context.new_page()
    page.goto(f"{auto_server.url}/admin/{PROJECT}/automations/{made['id']}")
    page.click("button.edit")
    form = page.locator("form.automation-form")
    assert form.locator("input[name=threshold]").input_value() == "5"  # the builder shows the saved filter
    form.locator("input[name=threshold]").fill("7.5")
    form.locator("select[name=agg]").select_option("mean")
    form.locator("input[name=window]").fill("3")
    form.locator("button[type=submit]").click()
    page.locator("td.filter", has_text="mean of the last 3 loss > 7.5").wait_for()
    metric = json.loads(triggers(auto_server)["loss-guard"]["eventFilter"])["metric"]
    assert metric == {"name": "loss", "agg": "mean", "window": 3, "cmp": "$gt", "threshold": 7.5}

    page.goto(f"{auto_server.url}/admin/{PROJECT}/automations")
    toggle = page.locator(f".automations-table tr[data-id='{made['id']}'] input[name=enabled]")
    toggle.click()
    page.locator(f".automations-table tr[data-id='{made['id']}'] .toggle", has_text="disabled").wait_for()
    assert triggers(auto_server)["loss-guard"]["enabled"] is False
    page.reload()
    assert not toggle.is_checked()
    toggle.click()
    page.locator(f".automations-table tr[data-id='{made['id']}'] .toggle", has_text="enabled").wait_for()
    assert triggers(auto_server)["loss-guard"]["enabled"] is True
    page.close()
    assert context.problems == []


def test_a_bad_form_shows_the_servers_error_and_saves_nothing(context: Any, auto_server: Server,
                                                              made: dict[str, str]) -> None:
    page = context.new_page()
    page.goto(f"{auto_server.url}/admin/{PROJECT}/automations/new")
    fill_threshold_automation(page, "bad-one", "lots", "receiver")
    page.click("button:has-text('Create automation')")
    error = page.locator("form.automation-form .submit .error")
    error.wait_for()
    assert "metric filter threshold must be a finite number, not 'lots'" in error.inner_text()
    form = page.locator("form.automation-form")
    form.locator("input[name=threshold]").fill("3")
    form.locator("textarea[name=payload]").fill('{"who": "${no_such_variable}"}')
    page.click("button:has-text('Create automation')")
    page.locator("form.automation-form .error", has_text="${no_such_variable}").wait_for()
    form.locator("input[name=rawFilter]").check()  # the raw box: the server's JSON error, too
    form.locator("textarea[name=eventFilter]").fill('{"run_filter": ')
    form.locator("textarea[name=payload]").fill("{}")
    page.click("button:has-text('Create automation')")
    page.locator("form.automation-form .error", has_text="eventFilter").wait_for()
    assert page.url.endswith("/automations/new")  # still on the form, with what was typed
    assert form.locator("input[name=name]").input_value() == "bad-one"
    assert "bad-one" not in triggers(auto_server)
    shot(page, "automation-bad-form")
    page.close()
    assert context.problems == []


def test_an_action_with_no_integration_chosen_is_refused_before_sending(context: Any, auto_server: Server,
                                                                        made: dict[str, str]) -> None:
    page = context.new_page()
    sent: list[str] = []
    page.on("request", lambda r: r.url.endswith("/graphql") and r.method == "POST"
            and (r.post_data_json or {}).get("operationName") == "CreateAutomation" and sent.append(r.url))
    page.goto(f"{auto_server.url}/admin/{PROJECT}/automations/new")
    fill_threshold_automation(page, "no-destination", "3", "receiver")
    page.locator("form.automation-form select[name=integration]").select_option("")
    page.click("button:has-text('Create automation')")
    page.locator("form.automation-form .error", has_text="Choose the integration").wait_for()
    assert sent == [] and "no-destination" not in triggers(auto_server)
    page.close()
    assert context.problems == []


def test_a_teams_viewer_gets_no_forms_and_an_unknown_entity_is_named(browser: Any, auto_server: Server,
                                                                     made: dict[str, str]) -> None:
    key = auto_server.create_user("watcher")
    for query, variables in [
        ("mutation { createTeam(input: {teamName: \"watched\", adminUserName: \"admin\"}) { entity { name } } }", {}),
        ("mutation { createInvite(input: {entityName: \"watched\", username: \"watcher\", role: \"viewer\"}) "
         "{ member { id } } }", {}),
        ("mutation { upsertBucket(input: {entityName: \"watched\", modelName: \"proj\", name: \"r\"}) "
         "{ inserted } }", {}),
        ("mutation($u: String!) { createGenericWebhookIntegration(input: {entityName: \"watched\", name: \"hook\", "
         "urlEndpoint: $u}) { integration { id } } }", {"u": "https://ci.example/hook"}),
    ]:
        answer = auto_server.graphql(query, variables)
        assert "errors" not in answer, answer
    ctx = browser.new_context()
    page = ctx.new_page()
    page.goto(f"{auto_server.url}/signin?next=/watched/proj/automations")
    page.fill("#api-key", key)
    page.click("button[type=submit]")
    page.locator(".integrations-table td", has_text=re.compile("^hook$")).wait_for()
    assert "not change them" in page.inner_text(".read-only")
    assert page.locator("form.integration-form").count() == 0
    assert "Add an integration" not in page.inner_text("main") and "New automation" not in page.inner_text("main")
    assert page.locator(".integrations-table button").count() == 0
    page.goto(f"{auto_server.url}/watched/proj/automations/new")
    page.locator(".read-only").wait_for()
    assert page.locator("form.automation-form").count() == 0
    page.goto(f"{auto_server.url}/watched?tab=automations")
    page.locator(".read-only").wait_for()
    assert page.locator("form.integration-form").count() == 0
    page.goto(f"{auto_server.url}/no-such-entity")
    page.locator(".nothing-visible").wait_for()  # as for an entity the viewer may not see: no existence told
    assert "Nothing here that you can see" in page.inner_text(".projects")
    assert "No projects yet" not in page.inner_text(".projects")
    page.goto(f"{auto_server.url}/watched/no-such-project")
    page.locator(".error").wait_for()
    assert "No project watched/no-such-project" in page.inner_text(".runs")
    assert page.locator(".builder, #runs-filter, .table-tools").count() == 0
    shot(page, "automations-viewer")
    ctx.close()


def test_hostile_names_and_descriptions_show_as_text(context: Any, auto_server: Server, made: dict[str, str]) -> None:
    answer = auto_server.graphql("""mutation($i: CreateFilterTriggerInput!) { createFilterTrigger(input: $i) {
        trigger { id } } }""", {"i": {"name": HOSTILE, "description": f"<script>alert(2)</script>{HOSTILE}",
                                      "entityName": "admin", "scopeType": "PROJECT", "projectName": PROJECT,
                                      "eventType": "RUN_STATE", "eventFilter": json.dumps({
                                          "run_filter": {"config.x": HOSTILE}, "states": ["failed"]}),
                                      "action": json.dumps({"action_type": "NO_OP"})}})
    assert "errors" not in answer, answer
    hostile_id = answer["data"]["createFilterTrigger"]["trigger"]["id"]
    page = context.new_page()
    page.goto(f"{auto_server.url}/admin/{PROJECT}/automations")
    row = page.locator(f".automations-table tr[data-id='{hostile_id}']")
    assert row.locator("td.name a").inner_text() == HOSTILE
    assert row.locator("td.name .description").inner_text() == f"<script>alert(2)</script>{HOSTILE}"
    assert HOSTILE in row.locator("td.filter").inner_text()
    row.locator("td.name a").click()
    page.wait_for_url(re.compile(rf"/automations/{hostile_id}$"))
    assert page.inner_text("h1.automation-name") == HOSTILE
    page.click("button.edit")
    assert page.locator("form.automation-form input[name=name]").input_value() == HOSTILE
    assert page.locator("img").count() == 0 and page.locator("main script").count() == 0
    page.close()
    assert context.problems == []


def test_secrets_typed_in_the_page_never_come_back(browser: Any, auto_server: Server, hook: WebhookReceiver,
                                                   made: dict[str, str]) -> None:
    ctx = signed_in_context(browser, auto_server, f"/admin/{PROJECT}/automations")
    answers: list[str] = []
    ctx.on("response", lambda response: answers.append(response.text()) if response.request.resource_type in (
        "fetch", "xhr", "document") else None)
    page = ctx.new_page()
    page.goto(f"{auto_server.url}/admin/{PROJECT}/automations")
    page.locator("form.integration-form").wait_for()
    add_webhook_integration(page, "signed", hook.url + "/signed", SECRET + "-2", TOKEN + "-2")
    form = page.locator("form.integration-form")
    form.locator("select[name=kind]").select_option("slack")
    form.locator("input[name=channel]").fill("alerts")
    form.locator("input[name=botToken]").fill(SLACK_TOKEN)
    form.locator("button[type=submit]").click()
    page.locator(".integrations-table td", has_text="#alerts").wait_for()
    page.goto(f"{auto_server.url}/admin/{PROJECT}/automations/{made['id']}")
    page.click("button.edit")
    page.locator("form.automation-form select[name=integration] option", has_text="signed").wait_for(state="attached")
    page.goto(f"{auto_server.url}/admin?tab=automations")
    page.locator(".automations-table td.name a", has_text="loss-guard").wait_for()
    seen = page.content() + json.dumps(page.eval_on_selector_all("input, textarea", "es => es.map(e => e.value)"))
    assert answers and any("signed" in answer for answer in answers)
    for secret in (SECRET, TOKEN, SLACK_TOKEN):
        assert secret not in seen
        assert not any(secret in answer for answer in answers)
    shot(page, "automations-entity")
    ctx.close()
