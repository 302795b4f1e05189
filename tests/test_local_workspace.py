"""The workspace keeps what msbot does through the Web API, as Slack would show it."""

from __future__ import annotations

import json
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers.local.workspace import Workspace


def modal(title: str, text: str = "x") -> dict:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": title},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
    }


@pytest.fixture
def ws():
    workspace = Workspace()
    yield workspace
    workspace.close()


@pytest.fixture
def client(ws):
    return WebClient(token="xoxb-local", base_url=ws.fake.url)


def titles(ws, user: str) -> list[str]:
    return [entry["view"]["title"]["text"] for entry in ws.modals.get(user, [])]


def test_views_open_push_and_update_make_the_modal_stack_a_person_sees(ws, client):
    opened = client.views_open(trigger_id=ws.fake.issue_trigger("UCIVIL"), view=modal("First"))
    client.views_push(trigger_id=ws.fake.issue_trigger("UCIVIL"), view=modal("Second"))
    assert titles(ws, "UCIVIL") == ["First", "Second"]
    client.views_update(view_id=opened["view"]["id"], view=modal("First, updated"))
    assert titles(ws, "UCIVIL") == ["First, updated", "Second"]
    assert titles(ws, "UHOST") == []


def test_a_trigger_id_slack_never_issued_opens_nothing(ws, client):
    with pytest.raises(SlackApiError) as failed:
        client.views_open(trigger_id="made-up", view=modal("Nope"))
    assert failed.value.response["error"] == "invalid_trigger_id"
    assert ws.modals == {}


def test_views_publish_sets_that_persons_app_home(ws, client):
    client.views_publish(user_id="ULEAD", view={"type": "home", "blocks": []})
    assert list(ws.home) == ["ULEAD"]


def test_ephemeral_messages_belong_to_one_person_and_dms_to_user_ids_land_in_the_dm(ws, client):
    client.chat_postEphemeral(channel="CTRIAGE", user="UINVEST1", text="just you")
    client.chat_postMessage(channel="UHOST", text="hello")
    ephemeral, dm = ws.messages
    assert (ephemeral["channel"], ephemeral["ephemeral_for"]) == ("CTRIAGE", "UINVEST1")
    assert (dm["channel"], dm["ephemeral_for"]) == ("DUHOST", None)


def test_chat_update_replaces_a_message_and_marks_it_edited(ws, client):
    posted = client.chat_postMessage(channel="CTRIAGE", text="v1", thread_ts=None)
    client.chat_update(channel="CTRIAGE", ts=posted["ts"], text="v2")
    (msg,) = ws.messages
    assert (msg["text"], msg["edited"]) == ("v2", True)


def test_a_response_url_replaces_the_clicked_message_or_answers_privately(ws, client):
    posted = client.chat_postMessage(channel="DUCOORD", text="Commit?")
    clicked = ws._response_url_for("UCOORD", "DUCOORD", ts=posted["ts"])
    fresh = ws._response_url_for("UCOORD", "CTRIAGE")
    for url, body in (
        (clicked, {"text": "Committed", "replace_original": True}),
        (fresh, {"text": "Only for you"}),
    ):
        request = urllib.request.Request(
            url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
        )
        urllib.request.urlopen(request, timeout=5).close()
    replaced, private = ws.messages
    assert (replaced["text"], replaced["edited"]) == ("Committed", True)
    assert (private["channel"], private["ephemeral_for"]) == ("CTRIAGE", "UCOORD")


def test_snapshot_waits_for_a_change_and_returns_everything_as_json(ws, client):
    before = json.loads(ws.snapshot(wait=0))
    client.chat_postMessage(channel="CTRIAGE", text="new")
    after = json.loads(ws.snapshot(since=before["version"], wait=5))
    assert after["version"] > before["version"]
    assert [m["text"] for m in after["messages"]] == ["new"]
    assert [e["name"] for e in after["log"]] == ["chat.postMessage"]


def test_the_investigators_user_group_lists_the_two_investigators(client):
    members = client.usergroups_users_list(usergroup="SINVESTIGATORS")["users"]
    assert members == ["UINVEST1", "UINVEST2"]


def test_history_replies_and_directory_come_from_the_workspace(ws, client):
    card = client.chat_postMessage(channel="CTRIAGE", text="card")
    client.chat_postMessage(channel="CTRIAGE", text="note", thread_ts=card["ts"])
    client.chat_postEphemeral(channel="CTRIAGE", user="ULEAD", text="private")
    thread = client.conversations_replies(channel="CTRIAGE", ts=card["ts"])["messages"]
    assert [m["text"] for m in thread] == ["card", "note"]
    history = client.conversations_history(channel="CTRIAGE")["messages"]
    assert [m["text"] for m in history] == ["card"]
    assert client.users_info(user="ULEAD")["user"]["real_name"] == "Lena Okafor"
    # msbot's manifest asks for no conversation-reading scope: refused, as Slack refuses it.
    with pytest.raises(SlackApiError, match="missing_scope"):
        client.conversations_info(channel="DULEAD")
    ws.fake.install({"im:read", "channels:read"})
    assert client.conversations_info(channel="DULEAD")["channel"]["is_im"] is True
    with pytest.raises(SlackApiError):
        client.conversations_info(channel="CNOWHERE")


def test_closing_a_pushed_view_goes_back_and_tells_msbot_only_if_asked(ws, client):
    received = []

    class App(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            received.append(json.loads(parse_qs(body)["payload"][0])["type"])
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), App)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        ws.connect(f"http://127.0.0.1:{server.server_port}", "0" * 32)
        client.views_open(trigger_id=ws.fake.issue_trigger("UHOST"), view=modal("First"))
        pushed = client.views_push(
            trigger_id=ws.fake.issue_trigger("UHOST"),
            view={**modal("Second"), "notify_on_close": True},
        )
        ws.close_view("UHOST", pushed["view"]["id"])
        assert titles(ws, "UHOST") == ["First"]
        assert received == ["view_closed"]
        ws.close_view("UHOST", ws.modals["UHOST"][0]["id"])
        assert titles(ws, "UHOST") == [] and received == ["view_closed"]
    finally:
        server.shutdown()
        server.server_close()
