"""Events API bodies with a field of the wrong type get a 400 naming it: never a 500, never a
traceback, nothing stored. Each body in REGRESSIONS answered 500 with a traceback (issue 13,
item 5) before the edge checked event shapes (handlers/slack/event_shapes.py).

Well-shaped events the app does not act on (bot messages, odd subtypes, other threads, the
Messages tab, unsubscribed types) are acknowledged with a 200 and change nothing.
"""

from __future__ import annotations

import pytest

from models import CaseNote, Complaint, ProcessedDelivery
from tests import forms
from tests import investigation_slack as ev
from tests.conftest import TRIAGE, rows
from tests.conftest import card_ts as conftest_card_ts
from tests.test_edge_requests import no_tracebacks  # noqa: F401  (a fixture)
from tests.test_investigation_slack import wait_row

INV = "UINV1"
DM = "D0SUPPLIER1"


@pytest.fixture
def card_ts(slack, session) -> str:
    """The thread of a real case's card, so an accepted reply there would be stored."""
    reply = slack.view_submission("complaint_form", forms.complaint(), user="USUP1")
    assert reply.status == 200, reply.body
    case = wait_row(session, lambda s: next(iter(rows(s, Complaint)), None), "its case")
    return wait_row(session, lambda s: conftest_card_ts(s, case.id), "its card")


def _changed(message) -> dict:
    event = ev.edited(TRIAGE, "1800000000.000001", "1800000000.000002", INV, "x")
    return {**event, "message": message}


def _deleted(previous) -> dict:
    event = ev.deleted(TRIAGE, "1800000000.000001", "1800000000.000002", INV)
    return {**event, "previous_message": previous}


def _reply(card_ts: str, **changes) -> dict:
    return {**ev.reply(TRIAGE, card_ts, INV, "a note"), **changes}


def _dm_reply(card_ts: str, **changes) -> dict:
    return {**ev.dm_reply(DM, card_ts, "USUP1", "a reply"), **changes}


# (name, event builder taking the case card's thread ts, a phrase of the 400's reason)
REGRESSIONS = [
    ("edit, message is a list", lambda ts: _changed([1]), "'event.message' must be an object"),
    ("edit, message is true", lambda ts: _changed(True), "'event.message' must be an object"),
    ("deletion, previous is text", lambda ts: _deleted("x"), "'event.previous_message' must"),
    ("deletion, previous is a list", lambda ts: _deleted([1]), "'event.previous_message' must"),
    ("reply, text a number", lambda ts: _reply(ts, text=5), "'event.text' must be a string"),
    ("reply, text a list", lambda ts: _reply(ts, text=["a"]), "'event.text' must be a string"),
    ("reply, text an object", lambda ts: _reply(ts, text={"a": 1}), "'event.text' must be"),
    ("reply, thread_ts object", lambda ts: _reply(ts, thread_ts={"a": 1}), "Slack timestamp"),
    ("DM reply, thread_ts object", lambda ts: _dm_reply(ts, thread_ts={"a": 1}), "timestamp"),
    ("DM reply, text a number", lambda ts: _dm_reply(ts, text=5), "'event.text' must be"),
    ("DM reply, text a list", lambda ts: _dm_reply(ts, text=["a"]), "'event.text' must be"),
    ("DM reply, text an object", lambda ts: _dm_reply(ts, text={"a": 1}), "'event.text' must"),
]


@pytest.mark.parametrize(
    ("build", "reason"), [r[1:] for r in REGRESSIONS], ids=[r[0] for r in REGRESSIONS]
)
def test_an_event_field_of_the_wrong_type_is_a_400_and_stores_nothing(
    slack,
    session,
    card_ts,
    build,
    reason,
    no_tracebacks,  # noqa: F811
):
    reply = ev.send_event(slack, build(card_ts))
    assert reply.status == 400, reply.body
    assert reason in reply.body
    assert rows(session, CaseNote) == []
    assert [d for d in rows(session, ProcessedDelivery) if d.key.startswith("event:")] == []


def _odd_events(card_ts: str) -> list[dict]:
    """Events Slack does send, in shapes a listener does not act on."""
    bot = {**ev.reply(TRIAGE, card_ts, "UBOT", "audit"), "bot_id": "BBOT", "subtype": "bot_message"}
    hidden_edit = {
        **ev.edited(TRIAGE, card_ts, card_ts, INV, "unfurled"),  # the card itself
        "hidden": True,
        "previous_message": {"type": "message", "user": INV, "text": "x", "ts": card_ts},
    }
    return [
        bot,
        {**ev.reply(TRIAGE, card_ts, INV, "joined"), "subtype": "channel_join"},
        {**ev.reply(TRIAGE, card_ts, INV, "new"), "subtype": "a_subtype_slack_adds_later"},
        hidden_edit,
        {**ev.reply(TRIAGE, card_ts, INV, "root"), "subtype": "thread_broadcast", "bot_id": "B1"},
        {"type": "app_home_opened", "user": INV, "channel": "D1", "tab": "messages"},
        {**ev.reply(TRIAGE, card_ts, INV, "top level"), "thread_ts": None},
    ]


def test_well_shaped_events_the_app_does_not_act_on_get_a_200_and_change_nothing(
    slack,
    session,
    card_ts,
    no_tracebacks,  # noqa: F811
):
    for event in _odd_events(card_ts):
        reply = ev.send_event(slack, event)
        assert reply.status == 200, (event, reply.body)
    assert rows(session, CaseNote) == []
    # A type the app does not subscribe to has no listener: Bolt's 404, not an error.
    unsubscribed = {"type": "reaction_added", "user": INV, "item": {"channel": TRIAGE}}
    assert ev.send_event(slack, unsubscribed).status == 404
    assert rows(session, CaseNote) == []
