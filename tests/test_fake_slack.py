"""The one fake Slack enforces Slack's rules and answers with Slack's own errors.

These run against the real fake over HTTP, through slack_sdk's WebClient as msbot uses it.
"""

from __future__ import annotations

import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers.local import rules
from handlers.local.fake_slack import SlackStub
from handlers.local.workspace import Workspace

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(scope="module")
def fake():
    stub = SlackStub()
    yield stub
    stub.close()


@pytest.fixture
def client(fake):
    fake.reset()
    return WebClient(token="xoxb-test", base_url=fake.url)


def section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def modal(blocks: list, title: str = "Title") -> dict:
    return {"type": "modal", "title": {"type": "plain_text", "text": title}, "blocks": blocks}


def error_of(call) -> dict:
    with pytest.raises(SlackApiError) as failed:
        call()
    return failed.value.response.data


def test_a_method_slack_does_not_have_is_answered_unknown_method(client, fake):
    assert error_of(lambda: client.api_call("chat.postMesage"))["error"] == "unknown_method"
    assert fake.of("chat.postMesage")[0].response["error"] == "unknown_method"


@pytest.mark.parametrize(
    ("blocks", "pointer"),
    [
        ([section("x")] * (rules.MESSAGE_MAX_BLOCKS + 1), "/blocks"),
        ([section("x" * (rules.SECTION_TEXT_MAX + 1))], "/blocks/0/text/text"),
        (
            [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11}],
            "/blocks/0/fields",
        ),
        (
            [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2001}]}],
            "/blocks/0/fields/0/text",
        ),
        ([{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}], "/blocks/0"),
        (
            [
                {
                    "type": "actions",
                    "elements": [
                        {
                            "type": "button",
                            "action_id": "a",
                            "text": {"type": "plain_text", "text": "b" * 76},
                        }
                    ],
                }
            ],
            "/blocks/0/elements/0/text/text",
        ),
        ([{"type": "carousel"}], "/blocks/0/type"),
        (
            [
                {
                    "type": "actions",
                    "elements": [
                        {
                            "type": "button",
                            "action_id": "a",
                            "text": {"type": "plain_text", "text": "Go"},
                            "confirm": {"title": {"type": "plain_text", "text": "t" * 101}},
                        }
                    ],
                }
            ],
            "/blocks/0/elements/0/confirm/title/text",
        ),
    ],
)
def test_a_message_over_a_block_kit_limit_is_answered_invalid_blocks(client, blocks, pointer):
    data = error_of(lambda: client.chat_postMessage(channel="C1", text="t", blocks=blocks))
    assert data["error"] == "invalid_blocks"
    assert any(pointer in e for e in data["errors"]), data


def test_a_message_with_nothing_to_show_is_answered_no_text(client):
    call = lambda: client.api_call("chat.postMessage", json={"channel": "C1"})  # noqa: E731
    assert error_of(call)["error"] == "no_text"


def test_messages_at_the_limits_are_accepted(client):
    at_limit = [section("x" * rules.SECTION_TEXT_MAX)] * rules.MESSAGE_MAX_BLOCKS
    assert client.chat_postMessage(channel="C1", text="t", blocks=at_limit)["ok"]
    header = [{"type": "header", "text": {"type": "plain_text", "text": "h" * 150}}]
    assert client.chat_update(channel="C1", ts="1.1", text="t", blocks=header)["ok"]


@pytest.mark.parametrize(
    "view",
    [
        modal([section("x")] * (rules.VIEW_MAX_BLOCKS + 1)),
        modal([section("x")], title="t" * (rules.VIEW_TITLE_MAX + 1)),
        {**modal([section("x")]), "private_metadata": "m" * 3001},
    ],
)
def test_a_view_over_a_limit_is_refused(client, fake, view):
    trigger = fake.issue_trigger("U1")
    data = error_of(lambda: client.views_open(trigger_id=trigger, view=view))
    assert data["error"] == "invalid_arguments"
    assert data["response_metadata"]["messages"]


def test_a_modal_with_100_blocks_opens(client, fake):
    trigger = fake.issue_trigger("U1")
    assert client.views_open(trigger_id=trigger, view=modal([section("x")] * 100))["ok"]


def test_a_trigger_id_older_than_three_seconds_is_expired(client, fake):
    stale = fake.issue_trigger("U1", issued_at=time.monotonic() - rules.TRIGGER_TTL_SECONDS - 0.1)
    data = error_of(lambda: client.views_open(trigger_id=stale, view=modal([section("x")])))
    assert data["error"] == "expired_trigger_id"
    fresh = fake.issue_trigger("U1")
    assert client.views_open(trigger_id=fresh, view=modal([section("x")]))["ok"]


def test_files_upload_v2_works_against_the_fake_and_keeps_the_bytes(client, fake):
    resp = client.files_upload_v2(
        channel="C1", content=PNG, filename="chart.png", title="Weekly chart"
    )
    assert resp["file"]["title"] == "Weekly chart"
    assert fake.files[resp["file"]["id"]]["content"] == PNG
    assert fake.uploads[resp["file"]["id"]] == PNG
    assert [c.method for c in fake.calls] == [
        "files.getUploadURLExternal",
        "upload",
        "files.completeUploadExternal",
    ]


# --- the workspace keeps what msbot posted and shows broken rules ---------------------------


@pytest.fixture
def workspace():
    ws = Workspace()
    yield ws
    ws.close()


def test_the_workspace_shows_an_uploaded_png_as_an_image_message(workspace):
    client = WebClient(token="xoxb-test", base_url=workspace.fake.url)
    client.files_upload_v2(
        channel="CTRIAGE", content=PNG, filename="c.png", title="Chart", initial_comment="Digest"
    )
    (msg,) = workspace.messages
    assert msg["channel"] == "CTRIAGE" and msg["text"] == "Digest"
    assert msg["files"][0]["mimetype"] == "image/png"
    with urllib.request.urlopen(msg["files"][0]["url"], timeout=5) as resp:
        assert resp.read() == PNG


def test_the_workspace_lists_every_broken_rule_as_a_problem(workspace):
    client = WebClient(token="xoxb-test", base_url=workspace.fake.url)
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="CTRIAGE", text="t", blocks=[section("x")] * 51)
    with pytest.raises(SlackApiError):
        client.chat_update(channel="CTRIAGE", ts="1.000001", text="gone")
    errors = [p["response"]["error"] for p in workspace.problems]
    assert errors == ["invalid_blocks", "message_not_found"]
    assert workspace.messages == []


class _SlowApp(BaseHTTPRequestHandler):
    delay = 0.3

    def log_message(self, *args):
        pass

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        time.sleep(self.delay)  # the app under test being slow, not the test waiting
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()


def test_an_ack_later_than_the_deadline_is_a_problem_and_the_command_fails(workspace):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowApp)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        workspace.connect(f"http://127.0.0.1:{server.server_port}", "secret")
        workspace.ack_deadline = 0.1
        workspace.command("UCIVIL", "DUCIVIL", "/shadow status")
    finally:
        server.shutdown()
        server.server_close()
    (problem,) = workspace.problems
    assert "acked after" in problem["problem"]
    (shown,) = workspace.messages
    assert shown["ephemeral_for"] == "UCIVIL" and "operation_timeout" in shown["text"]
