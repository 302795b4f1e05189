"""The triage card in Teams over real HTTP against the fake Bot Connector, on both databases:
posted in the triage channel and updated in place (updateActivity of the same activity) after
"Assign to me"; a refusal seen by the presser alone; a refused form keeping its answers; a
retried invoke doing nothing twice; and no generated invoke body answered with a 5xx."""

from __future__ import annotations

import json
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from handlers.teams import case_card
from models import Complaint, ComplaintEvent
from tests.teams_case_support import (
    INV,
    OTHER,
    card_id,
    card_of,
    facts,
    file_case,
    in_thread,
    press,
    team_bot,
    triage_calls,
    wait_until,
)
from tests.teams_support import activity


@pytest.fixture
def bot(engine):
    running = team_bot(engine)
    yield running
    running.close()


def test_the_card_is_posted_then_updated_in_place_after_assign_to_me(bot, engine):
    case = file_case(bot, engine)
    root = card_id(bot, engine, case)
    [posted] = [c for c in triage_calls(bot) if c.method == "POST" and c.activity_id is None]
    assert card_of(posted)["body"][0]["text"] == f"Complaint {case.reference}"
    assert facts(card_of(posted))["Assignee"] == "Unassigned"

    answer = press(bot, root, INV, case_card.ASSIGN_SELF, reference=case.reference)
    assert answer["type"] == "application/vnd.microsoft.card.adaptive"
    assert facts(answer["value"])["Assignee"] == "Sam Investigator"

    def updated():
        return [c for c in triage_calls(bot) if c.method == "PUT" and c.activity_id == root]

    [update] = wait_until(updated, "updateActivity of the card")
    assert facts(card_of(update))["Assignee"] == "Sam Investigator"
    line = wait_until(
        lambda: [c for c in triage_calls(bot) if c.method == "POST" and c.activity_id == root],
        "the thread line",
    )
    assert card_of(line[0])["body"][0]["text"] == (
        "Sam Investigator assigned the case to Sam Investigator."
    )
    # Updated, not posted again: one card in the channel.
    assert len([c for c in triage_calls(bot) if c.method == "POST" and not c.activity_id]) == 1


def test_a_refusal_is_shown_to_the_presser_alone(bot, engine):
    case = file_case(bot, engine)
    root = card_id(bot, engine, case)
    answer = press(bot, root, OTHER, case_card.ASSIGN_SELF, reference=case.reference)
    notice = answer["value"]["body"][0]
    assert notice["text"].startswith("Only investigators and leads can")
    assert notice["color"] == "Attention"
    with Session(engine) as s:
        assert s.get(Complaint, case.id).assignee_id is None
    # Nothing about it went to the channel (the card was posted; nothing else).
    assert "Only investigators" not in json.dumps([c.body for c in triage_calls(bot)])
    assert len(triage_calls(bot)) == 1


def test_a_refused_form_keeps_its_answers(bot, engine):
    case = file_case(bot, engine)
    root = card_id(bot, engine, case)
    answer = press(
        bot, root, INV, case_card.FORM, reference=case.reference, form="out_of_scope", reason=" "
    )
    card = answer["value"]
    assert (
        card["body"][0]["color"] == "Attention"
        and "Why is this out of scope" in (card["body"][0]["text"])
    )
    with Session(engine) as s:
        assert s.get(Complaint, case.id).status == "received"
    answer = press(
        bot,
        root,
        INV,
        case_card.FORM,
        reference=case.reference,
        form="out_of_scope",
        reason="Not ours",
    )
    with Session(engine) as s:
        stored = s.get(Complaint, case.id)
        assert (stored.status, stored.status_reason) == ("out_of_scope", "Not ours")
    assert "actions" not in answer["value"]  # closed: no buttons


def test_a_retried_invoke_does_nothing_twice(bot, engine):
    case = file_case(bot, engine)
    root = card_id(bot, engine, case)
    retry = uuid.uuid4().hex
    first = press(bot, root, INV, case_card.MOVE, retry, reference=case.reference, move="triage")
    again = press(bot, root, INV, case_card.MOVE, retry, reference=case.reference, move="triage")
    assert facts(first["value"])["Status"] == facts(again["value"])["Status"]
    assert again["value"]["body"][0].get("color") != "Attention"  # no "cannot move" refusal
    with Session(engine) as s:
        moves = s.exec(
            select(ComplaintEvent).where(
                ComplaintEvent.complaint_id == case.id, ComplaintEvent.kind == "transition"
            )
        ).all()
    assert [e.data["to"] for e in moves] == ["triaged"]


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3)
    ),
    max_leaves=12,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    verb=st.sampled_from([*case_card.VERBS, "", "case.nope"]) | st.text(max_size=20),
    data=st.dictionaries(
        st.sampled_from(["reference", "move", "form", "assignee", "message", "reason"])
        | st.text(max_size=8),
        JSONISH,
        max_size=5,
    ),
    reference=st.sampled_from(["MS-2026-0001", "MS-2026-9999", "", "nonsense"]),
    raw=st.none() | JSONISH,
)
def test_no_generated_invoke_body_gets_a_5xx(bot, engine, verb, data, reference, raw):
    """A case exists (MS-2026-0001) so some presses reach the core; ``raw``, when given, is
    the whole value instead of an action."""
    with Session(engine) as s:
        filed = s.exec(select(Complaint)).first() is not None
    if not filed:
        file_case(bot, engine)
    action = {"type": "Action.Execute", "verb": verb, "data": {**data, "reference": reference}}
    body = activity(
        bot.connector.url,
        type="invoke",
        name="adaptiveCard/action",
        value=raw if raw is not None else {"action": action},
        conversation=in_thread("1700000000001"),
    )
    body["from"] = OTHER
    answer = bot.post(body)
    assert answer.status_code < 500, answer.text
