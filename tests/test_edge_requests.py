"""Whatever a client sends, the answer is clear or a 4xx: never a 500, never a traceback.

Each case below answered 500 (and logged a traceback) before the HTTP edge checked bodies.
"""

from __future__ import annotations

import http.client
import json
import logging
import time
from urllib.parse import urlencode

import pytest

from bot.text import clean
from models import Complaint, ProcessedDelivery
from tests import forms
from tests.conftest import rows


@pytest.fixture
def no_tracebacks(caplog, capfd):
    """Fails the test if anything logged a traceback while it ran (stdlib or structlog)."""
    caplog.set_level(logging.INFO)
    yield
    out, err = capfd.readouterr()
    assert "Traceback" not in out + err
    assert not [r for r in caplog.records if r.exc_info], [r.getMessage() for r in caplog.records]


def raw_post(base_url: str, body: bytes, headers: dict) -> int:
    host, port = base_url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.request("POST", "/slack/events", body=body, headers=headers)
        return conn.getresponse().status
    finally:
        conn.close()


def payload(body: dict) -> str:
    return urlencode({"payload": json.dumps(body)})


def action_payload(**changes) -> dict:
    body = {
        "type": "block_actions",
        "user": {"id": "U100"},
        "team": {"id": "T1"},
        "trigger_id": "trig-1",
        "container": {"type": "message", "channel_id": "D1", "message_ts": "1.1"},
        "actions": [{"action_id": "shadow_offer_accept", "block_id": "b", "value": "1"}],
    }
    body.update(changes)
    return body


def test_half_an_emoji_in_what_happened_is_stored_as_a_replacement_character(
    slack, session, no_tracebacks
):
    # A lone surrogate: JSON allows it, PostgreSQL refuses it at insert.
    values = forms.complaint(what_happened=forms.text("Late again \ud83d, and again."))
    reply = slack.view_submission("complaint_form", values)
    assert reply.status == 200, reply.body
    [case] = rows(session, Complaint)
    assert case.what_happened == "Late again \ufffd, and again."


def test_an_over_long_view_id_is_refused_and_stores_nothing(slack, session, no_tracebacks):
    reply = slack.view_submission("complaint_form", forms.complaint(), view_id="V" + "1" * 300)
    assert reply.status == 400 and "Slack id" in reply.body
    assert rows(session, Complaint) == []


@pytest.mark.parametrize("user", ["U" + "9" * 200, "U1\x00", "U<script>"])
def test_a_command_from_an_impossible_user_id_is_refused(slack, session, user, no_tracebacks):
    reply = slack.command("/complaint", "status", user=user)
    assert reply.status == 400 and "Slack id" in reply.body
    assert rows(session, ProcessedDelivery) == []


@pytest.mark.parametrize("user", ["U" + "9" * 200, "U1\x00"])
def test_a_submission_from_an_impossible_user_id_is_refused(slack, session, user, no_tracebacks):
    reply = slack.view_submission("complaint_form", forms.complaint(), user=user)
    assert reply.status == 400
    assert rows(session, Complaint) == []


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"actions": []}, "no actions"),
        ({"actions": [5]}, "list of objects"),
        ({"actions": [{}]}, "no action_id"),
        ({"view": None}, "'view' must be an object"),
        ({"actions": [{"action_id": 5}]}, "must be a string"),
        ({"user": "U100"}, "'user' must be an object"),
        ({"user": ["U100"]}, "'user' must be an object"),
        ({"trigger_id": "t\x00"}, "Slack id"),
        ({"container": {"channel_id": "D" * 500}}, "Slack id"),
    ],
)
def test_malformed_action_payloads_get_a_400_naming_the_problem(
    slack, session, changes, reason, no_tracebacks
):
    reply = slack.post(payload(action_payload(**changes)))
    assert reply.status == 400 and reason in reply.body
    assert rows(session, ProcessedDelivery) == []


def test_a_view_submission_without_a_view_gets_a_400(slack, no_tracebacks):
    body = {"type": "view_submission", "user": {"id": "U1"}, "view": None}
    assert slack.post(payload(body)).status == 400


def test_a_view_submission_naming_no_user_gets_a_400_and_stores_nothing(
    slack, session, no_tracebacks
):
    view = {"id": "V1", "type": "modal", "callback_id": "complaint_form", "state": {"values": {}}}
    for body in (
        {"type": "view_submission", "view": view},
        {"type": "view_submission", "view": view, "user": {"id": ""}},
    ):
        reply = slack.post(payload(body))
        assert reply.status == 400 and "no user" in reply.body
    assert rows(session, Complaint) == []


def test_nul_bytes_in_command_text_are_dropped_not_stored(slack, stub, no_tracebacks):
    reply = slack.command("/complaint", "sta\x00tus")
    assert reply.status == 200


@pytest.mark.parametrize(
    "body",
    [b"payload=5", b"payload=" + b"[" * 100_000, b"[" * 100_000, b"\xff\xfe\x00garbage", b""],
)
def test_unsigned_bodies_get_401_before_being_parsed_without_a_traceback(
    app, session, body, no_tracebacks
):
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    assert raw_post(app.url, body, headers) == 401
    bad_signature = {**headers, "X-Slack-Request-Timestamp": "1", "X-Slack-Signature": "v0=0"}
    assert raw_post(app.url, body, bad_signature) == 401
    garbage = {**headers, "X-Slack-Request-Timestamp": "x\x7f", "X-Slack-Signature": "nope"}
    assert raw_post(app.url, body, garbage) == 401
    assert rows(session, ProcessedDelivery) == []


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("payload=5", "application/x-www-form-urlencoded"),
        ("payload=" + "[" * 100_000, "application/x-www-form-urlencoded"),
        ("[" * 100_000, "application/json"),
        ('{"a":' * 60 + "1" + "}" * 60, "application/json"),
        ("5", "application/json"),
        ('"text"', "application/json"),
        ("payload=%7Bnot-json", "application/x-www-form-urlencoded"),
    ],
)
def test_signed_but_malformed_bodies_get_400_without_a_traceback(
    slack, body, content_type, no_tracebacks
):
    reply = slack.post(body, content_type=content_type)
    assert reply.status == 400, reply.body


def test_a_stale_or_future_signature_is_refused(slack):
    body = slack.command_body("/complaint", "status")
    assert slack.post(body, timestamp=int(time.time()) + 10 * 60).status == 401
    assert slack.post(body, timestamp=int(time.time()) - 10 * 60).status == 401


def test_clean_replaces_half_an_emoji_and_drops_nul_for_every_front_end():
    # Socket Mode has no HTTP edge: the core's own cleaning must make text storable too.
    assert clean("a\ud83d b\x00c\udc00", multiline=True) == "a\ufffd bc\ufffd"
    assert clean("\U0001f600 a whole emoji stays") == "\U0001f600 a whole emoji stays"
