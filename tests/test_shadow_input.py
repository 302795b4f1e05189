"""`/shadow` with odd input: numbers past the database's integers, random argument strings,
and the bot's own usage placeholders, over signed HTTP on both databases."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handlers.slack.commands import MAX_ID
from models import ShadowConflict, ShadowHost, ShadowPlacement
from tests.conftest import rows
from tests.test_shadow_slack import (  # noqa: F401 (fixtures)
    APPLICANT,
    COORD,
    HOST,
    _everything_sent_is_valid_block_kit,
    app,
    fresh,
    host,
    matched,
    multi,
    offer_places,
    shadow,
)

HUGE = "99999999999999999999"


@pytest.mark.parametrize(
    ("text", "user", "what"),
    [
        (f"places {HUGE} 2", HOST, "host"),
        (f"places {MAX_ID + 1} 2", HOST, "host"),
        ("places 0 2", HOST, "host"),
        (f"end {HUGE}", HOST, "placement"),
        (f"end {HUGE} staff shortage", APPLICANT, "placement"),
        (f"clear {HUGE} x", COORD, "conflict"),
        (f"clear {MAX_ID + 1} agreed safeguards", COORD, "conflict"),
    ],
)
def test_record_numbers_past_the_database_integer_are_answered_privately(
    slack, session, text, user, what
):
    reply = slack.command("/shadow", text, user=user)
    assert reply.status == 200
    answer = reply.json()
    assert answer.get("response_type", "ephemeral") == "ephemeral"
    assert answer["text"].startswith(f"There is no {what} ")
    assert "whole numbers like 12" in answer["text"]


def test_a_huge_number_of_places_is_refused_and_nothing_changes(slack, stub, session):
    offered_by = host(slack, session)
    for places in (HUGE, "-1", "2.5", "two", "0"):
        answer = shadow(slack, f"places {offered_by.id} {places}", user=HOST)
        assert answer["text"].startswith(("Nothing changed.", "Say which host")), places
    assert fresh(session, ShadowHost, offered_by.id).capacity == 2


def test_real_numbers_still_work_at_the_edge_of_the_range(slack, stub, session):
    placement = matched(slack, stub, session)
    answer = shadow(slack, f"end #{placement.id} plans changed", user=HOST)
    assert "withdrawn" in answer["text"]
    assert fresh(session, ShadowPlacement, placement.id).status == "withdrawn"
    missing = shadow(slack, f"clear {MAX_ID} agreed", user=COORD)["text"]
    assert missing == f"Nothing changed. There is no conflict {MAX_ID}."


def test_a_huge_button_value_or_modal_metadata_is_refused_politely(slack, stub, session):
    reply = slack.block_action("shadow_offer_accept", HUGE, user=APPLICANT, channel="DU100")
    assert reply.status == 200
    told = stub.wait_for_call("chat.postEphemeral", user=APPLICANT).args
    assert "no longer works" in told["text"]
    values = {
        "start_date": {"value": {"type": "datepicker", "selected_date": "2026-12-07"}},
        "end_date": {"value": {"type": "datepicker", "selected_date": "2026-12-11"}},
    }
    reply = slack.view_submission("shadow_schedule", values, user=APPLICANT, private_metadata=HUGE)
    assert reply.status == 200 and reply.json()["response_action"] == "errors"


# --- any argument string ---------------------------------------------------------------------

SUBCOMMANDS = (
    "status",
    "places",
    "withdraw",
    "end",
    "round",
    "report",
    "conflicts",
    "clear",
    "close",
    "reopen",
    "help",
    "frobnicate",
)
NUMBERISH = st.one_of(
    st.integers(min_value=-(10**25), max_value=10**25).map(str),
    st.sampled_from(
        [HUGE, str(MAX_ID), str(MAX_ID + 1), "0", "#12", "1e9", "\u0663", "\uff11\uff12"]
    ),
)
WORD = st.one_of(NUMBERISH, st.text(min_size=1, max_size=12).filter(lambda w: w.strip()))


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    sub=st.sampled_from(SUBCOMMANDS),
    args=st.lists(WORD, max_size=4),
    user=st.sampled_from([APPLICANT, HOST, COORD]),
)
def test_any_arguments_get_a_private_answer_never_a_server_error(slack, sub, args, user):
    text = " ".join([sub, *args])
    reply = slack.command("/shadow", text, user=user)
    assert reply.status == 200, (text, reply.status)
    answer = reply.json()
    assert answer["text"].strip()
    assert answer.get("response_type", "ephemeral") == "ephemeral"


# --- placeholders ----------------------------------------------------------------------------

# In mrkdwn, <...> is a link, a mention or a special command. The only ones the bot means to
# send are mentions of user ids it checked.
RAW_ANGLE = re.compile(r"<(?!@[UW][A-Z0-9]+>)[^>]*>")


def raw_angles(value) -> list[str]:
    return RAW_ANGLE.findall(value if isinstance(value, str) else json.dumps(value))


def test_no_reply_or_help_carries_a_raw_placeholder(slack, stub, session):
    offered_by = host(slack, session, conflict_departments=multi("Home Office"))
    [conflict] = rows(session, ShadowConflict)
    texts = [
        shadow(slack, sub, user=user)
        for sub, user in [
            ("help", APPLICANT),
            ("", APPLICANT),
            ("frobnicate", APPLICANT),
            ("status", HOST),
            ("places", HOST),
            ("places x", HOST),
            (f"places {offered_by.id} 50", HOST),
            (f"places {HUGE} 2", HOST),
            ("end", APPLICANT),
            (f"end {HUGE}", APPLICANT),
            ("conflicts", COORD),
            ("clear", COORD),
            (f"clear {conflict.id}", COORD),
            (f"clear {HUGE} x", COORD),
            ("withdraw", APPLICANT),
            ("round", APPLICANT),
            ("close", HOST),
            (f"close {offered_by.id}", HOST),
            ("status", HOST),
            (f"reopen {offered_by.id}", HOST),
            (f"reopen {HUGE}", HOST),
            ("conflict", APPLICANT),
        ]
    ]
    help_text = texts[0]["text"]
    assert "`/shadow places &lt;host&gt; &lt;number&gt;`" in help_text
    assert "`/shadow clear &lt;conflict&gt; &lt;safeguards&gt;`" in help_text
    assert "&lt;number&gt;" in json.dumps(texts[3])
    for answer in texts:
        assert raw_angles(answer) == [], answer
    sent = [c.args for c in stub.calls if c.method != "views.open"]
    assert raw_angles(sent) == []
    # The host's "places offered" modal too.
    done = offer_places(slack, HOST).json()
    assert done["response_action"] == "update" and "&lt;number&gt;" in json.dumps(done)
    assert raw_angles(done) == []


def test_complaint_help_is_unchanged_by_escaping(slack):
    text = slack.command("/complaint", "help").json()["text"]
    assert "`/complaint status [reference]`" in text and raw_angles(text) == []
