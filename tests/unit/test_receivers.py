"""The local webhook receiver and fake Slack, driven by the real clients the server uses."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import plain_http
from receivers import (
    DEFAULT_SLACK_TOKEN,
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    FakeSlack,
    Response,
    WebhookReceiver,
    signature_headers,
    verify_signature,
)
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

SECRET = "s3cret"


def refuses_connections(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


@pytest.fixture(autouse=True)
def no_threads_left_behind() -> Iterator[None]:
    before = set(threading.enumerate())
    yield
    assert set(threading.enumerate()) - before == set()


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    # One client for the module: building one per request costs more than the request.
    with plain_http.Client() as client:
        yield client


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as receiver:
        yield receiver
    assert refuses_connections(receiver.port)


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as slack:
        yield slack
    assert refuses_connections(slack.port)


def web_client(slack: FakeSlack, token: str = DEFAULT_SLACK_TOKEN) -> WebClient:
    # No retry handlers: the default one sleeps before retrying a refused connection.
    return WebClient(token=token, base_url=slack.api_url, retry_handlers=[])


# --------------------------------------------------------------------------- WebhookReceiver


def test_records_requests(http: httpx.Client, receiver: WebhookReceiver) -> None:
    assert receiver.url == f"http://127.0.0.1:{receiver.port}/hook"
    before = time.time()
    reply = http.post(receiver.url + "?attempt=2", json={"event": "run.finished"}, headers={"X-Custom": "yes"})
    assert reply.status_code == 200
    [request] = receiver.wait_for(1)
    assert (request.method, request.path, request.query) == ("POST", "/hook", {"attempt": "2"})
    assert request.headers["x-custom"] == request.headers["X-CUSTOM"] == "yes"
    assert request.body == b'{"event":"run.finished"}'
    assert request.json == {"event": "run.finished"}
    assert request.received_at >= before and request.received_monotonic <= time.monotonic()
    assert request.response_status == 200


def test_non_json_and_chunked_bodies(http: httpx.Client, receiver: WebhookReceiver) -> None:
    http.post(receiver.url, content=iter([b"not ", b"json"]))  # a generator body goes out chunked
    [request] = receiver.wait_for(1)
    assert request.headers["Transfer-Encoding"] == "chunked"
    assert (request.body, request.json) == (b"not json", None)


def test_scripted_responses_then_default(http: httpx.Client, receiver: WebhookReceiver) -> None:
    receiver.script(500, 500, 500, Response(200, body={"received": True}))
    statuses = [http.post(receiver.url, content=b"x").status_code for _ in range(5)]
    assert statuses == [500, 500, 500, 200, 200]
    assert [r.response_status for r in receiver.requests] == statuses

    receiver.default = Response(410, body="gone")
    reply = http.post(receiver.url)
    assert (reply.status_code, reply.text) == (410, "gone")


def test_retry_after_header_reaches_the_client(http: httpx.Client, receiver: WebhookReceiver) -> None:
    receiver.script(Response(429, headers={"Retry-After": "7"}, body={"error": "slow down"}))
    reply = http.post(receiver.url)
    assert reply.status_code == 429
    assert reply.headers["retry-after"] == "7"
    assert reply.json() == {"error": "slow down"}


def test_script_for_one_path(http: httpx.Client, receiver: WebhookReceiver) -> None:
    receiver.script(503, path="/other")
    assert http.post(receiver.url).status_code == 200
    assert http.post(receiver.origin + "/other").status_code == 503


def test_down_refuses_connections_until_up_on_the_same_port(http: httpx.Client, receiver: WebhookReceiver) -> None:
    port = receiver.port
    receiver.down()
    assert not receiver.is_up
    with pytest.raises(httpx.ConnectError):
        http.post(receiver.url)
    receiver.up()
    assert receiver.port == port
    assert http.post(receiver.url).status_code == 200
    assert len(receiver.requests) == 1


def test_delay_lets_clients_time_out(http: httpx.Client, receiver: WebhookReceiver) -> None:
    receiver.script(Response(200, delay=30))
    with pytest.raises(httpx.ReadTimeout):
        http.post(receiver.url, timeout=0.2)
    assert http.post(receiver.url).status_code == 200  # the next one is answered at once
    assert len(receiver.wait_for(2)) == 2
    # Stopping does not wait out the 30 s: the held-back answer is dropped (checked by the fixture).


def test_down_drops_a_held_back_answer(http: httpx.Client, receiver: WebhookReceiver) -> None:
    receiver.script(Response(200, delay=30))
    outcome: list[BaseException] = []

    def post() -> None:
        try:
            http.post(receiver.url)
        except httpx.HTTPError as error:
            outcome.append(error)

    client = threading.Thread(target=post)
    client.start()
    receiver.wait_for(1)
    receiver.down()
    client.join()
    assert isinstance(outcome[0], httpx.RemoteProtocolError)


def test_wait_for_times_out_with_what_arrived(http: httpx.Client, receiver: WebhookReceiver) -> None:
    http.post(receiver.url, content=b"only one")
    with pytest.raises(AssertionError, match=r"at least 2 webhook requests .* got 1:\n.*only one"):
        receiver.wait_for(2, timeout=0.05)


def test_clear_forgets_requests_and_script(http: httpx.Client, receiver: WebhookReceiver) -> None:
    receiver.script(500)
    http.post(receiver.url)
    receiver.script(500)
    receiver.clear()
    assert receiver.requests == []
    assert http.post(receiver.url).status_code == 200


def test_lifecycle_misuse_is_an_error() -> None:
    receiver = WebhookReceiver()
    with pytest.raises(RuntimeError, match="never started"):
        receiver.url
    with receiver:
        with pytest.raises(RuntimeError, match="already listening"):
            receiver.start()
        receiver.down()
        with pytest.raises(RuntimeError, match="not up"):
            receiver.down()
    receiver.stop()  # twice is fine


# signatures


def signed_post(http: httpx.Client, receiver: WebhookReceiver, body: bytes, headers: dict[str, str]) -> httpx.Response:
    return http.post(receiver.url, content=body, headers={"Content-Type": "application/json", **headers})


def test_verify_signature(http: httpx.Client, receiver: WebhookReceiver) -> None:
    body = b'{"event": "alert"}'
    signed_post(http, receiver, body, signature_headers(body, SECRET, delivery="d-1"))
    signed_post(http, receiver, body, signature_headers(body, "wrong secret"))
    signed_post(http, receiver, body, signature_headers(body, SECRET, timestamp=int(time.time()) - 301))
    signed_post(http, receiver, body + b" ", signature_headers(body, SECRET))  # tampered body
    signed_post(http, receiver, body, {**signature_headers(body, SECRET), DELIVERY_HEADER: ""})
    signed_post(http, receiver, body, {**signature_headers(body, SECRET), TIMESTAMP_HEADER: "soon"})
    signed_post(http, receiver, body, {})

    good, *bad = receiver.wait_for(7)
    assert good.headers[DELIVERY_HEADER] == "d-1"
    assert good.headers[SIGNATURE_HEADER].startswith("sha256=")
    assert verify_signature(good, SECRET)
    assert verify_signature(good, SECRET.encode())
    assert [verify_signature(request, SECRET) for request in bad] == [False] * 6
    assert verify_signature(bad[1], SECRET, tolerance_s=600)  # only too old


def test_require_secret_answers_401_without_using_the_script(http: httpx.Client) -> None:
    body = b"{}"
    with WebhookReceiver(require_secret=SECRET) as receiver:
        receiver.script(500)
        assert signed_post(http, receiver, body, signature_headers(body, "wrong")).status_code == 401
        assert signed_post(http, receiver, body, signature_headers(body, SECRET)).status_code == 500
        assert signed_post(http, receiver, body, signature_headers(body, SECRET)).status_code == 200
        assert [r.response_status for r in receiver.requests] == [401, 500, 200]


# --------------------------------------------------------------------------- FakeSlack


BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "*run finished*"}}]


def test_post_message_with_blocks(slack: FakeSlack) -> None:
    assert slack.api_url == f"http://127.0.0.1:{slack.port}/api/"
    reply = web_client(slack).chat_postMessage(channel="#alerts", text="run finished", blocks=BLOCKS)
    [message] = slack.wait_for(1)
    assert (message.via, message.channel, message.text, message.blocks) == ("api", "alerts", "run finished", BLOCKS)
    assert message.token == DEFAULT_SLACK_TOKEN
    assert reply["channel"] == message.channel_id == slack.channel_id("alerts")
    assert reply["ts"] == message.ts
    assert reply["message"]["blocks"] == BLOCKS

    second = web_client(slack).chat_postMessage(channel=message.channel_id, text="again", thread_ts=message.ts)
    assert second["ts"] != message.ts
    assert slack.messages[1].channel == "alerts"
    assert slack.messages[1].payload["thread_ts"] == message.ts


def test_form_encoded_post_message(http: httpx.Client, slack: FakeSlack) -> None:
    reply = http.post(
        slack.api_url + "chat.postMessage",
        data={"token": DEFAULT_SLACK_TOKEN, "channel": "general", "blocks": json.dumps(BLOCKS)},
    )
    assert reply.json()["ok"] is True
    assert slack.messages[0].blocks == BLOCKS


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
@pytest.mark.parametrize(
    ("token", "arguments", "error"),
    [
        ("xoxb-wrong", {"channel": "general", "text": "hi"}, "invalid_auth"),
        ("", {"channel": "general", "text": "hi"}, "not_authed"),
        (DEFAULT_SLACK_TOKEN, {"channel": "general"}, "no_text"),
        (DEFAULT_SLACK_TOKEN, {"channel": "general", "blocks": "[1]"}, "invalid_blocks"),
        (DEFAULT_SLACK_TOKEN, {"channel": "", "text": "hi"}, "channel_not_found"),
    ],
)
def test_post_message_errors(slack: FakeSlack, token: str, arguments: dict[str, str], error: str) -> None:
    with pytest.raises(SlackApiError) as raised:
        web_client(slack, token).chat_postMessage(**arguments)
    assert raised.value.response["error"] == error
    assert slack.messages == []


def test_tokens_can_be_added_and_revoked(slack: FakeSlack) -> None:
    slack.add_token("xoxb-second")
    assert web_client(slack, "xoxb-second").auth_test()["bot_id"]
    slack.remove_token("xoxb-second")
    with pytest.raises(SlackApiError, match="invalid_auth"):
        web_client(slack, "xoxb-second").auth_test()


def test_configured_channels_and_paging() -> None:
    names = ["alerts", "ml", "ops", "random", "training"]
    with FakeSlack(channels=names) as slack:
        client = web_client(slack)
        pages = [page["channels"] for page in client.conversations_list(limit=2)]
        assert [[c["name"] for c in page] for page in pages] == [names[0:2], names[2:4], names[4:]]
        with pytest.raises(SlackApiError, match="channel_not_found"):
            client.chat_postMessage(channel="#elsewhere", text="hi")
        with pytest.raises(ValueError, match="elsewhere"):
            slack.webhook_url("elsewhere")
        with pytest.raises(SlackApiError, match="invalid_cursor"):
            client.conversations_list(cursor="bogus")


def test_require_join() -> None:
    with FakeSlack(require_join=True) as slack:
        client = web_client(slack)
        with pytest.raises(SlackApiError, match="not_in_channel"):
            client.chat_postMessage(channel="alerts", text="hi")
        joined = client.conversations_join(channel=slack.channel_id("alerts"))
        assert joined["channel"]["is_member"] is True
        client.chat_postMessage(channel="alerts", text="hi")
        assert [c["is_member"] for c in client.conversations_list()["channels"]] == [True]


def test_auth_test(slack: FakeSlack) -> None:
    reply = web_client(slack).auth_test()
    assert reply["ok"] and reply["team_id"] and reply["user_id"]


def test_incoming_webhook(slack: FakeSlack) -> None:
    url = slack.webhook_url("alerts")
    reply = WebhookClient(url).send(text="run finished", blocks=BLOCKS)
    assert (reply.status_code, reply.body) == (200, "ok")
    [message] = slack.wait_for(1)
    assert (message.via, message.channel, message.text, message.blocks, message.token) == (
        "webhook",
        "alerts",
        "run finished",
        BLOCKS,
        None,
    )

    unknown = WebhookClient(url[:-1] + "x").send(text="hi")
    assert (unknown.status_code, unknown.body) == (404, "invalid_token")
    assert WebhookClient(url).send(blocks=None).status_code == 400
    assert len(slack.messages) == 1


def test_scripted_failures(slack: FakeSlack) -> None:
    rate_limited = Response(429, headers={"Retry-After": "1"}, body={"ok": False, "error": "ratelimited"})
    slack.script(rate_limited, 500, Response(body={"ok": False, "error": "ratelimited"}), method="chat.postMessage")
    client = web_client(slack)
    client.auth_test()  # not chat.postMessage: untouched by the script
    for status in (429, 500, 200):
        with pytest.raises(SlackApiError) as raised:
            client.chat_postMessage(channel="general", text="hi")
        assert raised.value.response.status_code == status
    assert raised.value.response["error"] == "ratelimited"
    assert client.chat_postMessage(channel="general", text="hi")["ok"]

    slack.script(Response(429, headers={"Retry-After": "1"}, body="rate limited"), method="webhook")
    reply = WebhookClient(slack.webhook_url()).send(text="hi")
    assert (reply.status_code, reply.headers["Retry-After"]) == (429, "1")
    assert [m.text for m in slack.wait_for(1)] == ["hi"]


def test_slack_down_and_up(slack: FakeSlack) -> None:
    client = web_client(slack)
    slack.down()
    with pytest.raises(OSError):  # urllib's URLError wraps the refused connection
        client.chat_postMessage(channel="general", text="lost")
    slack.up()
    client.chat_postMessage(channel="general", text="delivered")
    assert [m.text for m in slack.messages] == ["delivered"]


def test_slack_wait_for_and_clear(slack: FakeSlack) -> None:
    with pytest.raises(AssertionError, match="at least 1 Slack messages"):
        slack.wait_for(1, timeout=0.01)
    web_client(slack).chat_postMessage(channel="general", text="hi")
    slack.clear()
    assert slack.messages == [] and slack.requests == []
