"""A case in Teams over real HTTP against the fake Bot Connector, on both databases: the
triage card posted in the triage channel and updated in place (updateActivity of the same
activity) after "Assign to me"; a refusal seen by the presser alone; a retried invoke doing
nothing twice; a reply in the card's thread kept as a note; a mention command from the core's
list; an anonymous supplier's answer relayed into the thread without their name; and no
generated invoke body answered with a 5xx."""

from __future__ import annotations

import json
import time
import uuid
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from bot import conversations, people
from bot.complaints import intake, investigation
from bot.db import transaction
from bot.permissions import Actor
from handlers.teams import case_card
from models import CaseNote, Complaint, ComplaintEvent, PostedMessage
from models.base import utcnow
from tests.teams_app import TENANT, TRIAGE, TeamsBot, person
from tests.teams_support import BOT, activity

TODAY = date(2026, 11, 20)
INV = person("Sam Investigator")
LEAD = person("Lee Lead")
OTHER = person("Olu Other")
SUPPLIER = person("Secret Supplier")
ORGANISATION = "Ambridge Youth Trust"


@pytest.fixture
def bot(engine):
    running = TeamsBot(
        engine,
        core_settings={
            "investigator_user_ids": frozenset({INV["aadObjectId"]}),
            "lead_user_ids": frozenset({LEAD["aadObjectId"]}),
        },
    )
    yield running
    running.close()


def wait_until(check, what: str, timeout: float = 10.0):
    """Poll until ``check()`` is truthy: the outbox delivers on its own thread."""
    deadline = time.monotonic() + timeout
    while not (found := check()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)
    return found


def file_case(bot: TeamsBot, engine, *, anonymous: bool = False) -> Complaint:
    with transaction(engine) as s:
        reporter = people.person_for(
            s, "teams", TENANT, SUPPLIER["aadObjectId"], SUPPLIER["name"]
        ).id
    form = intake.ComplaintForm(
        authority_name="Borsetshire Council",
        authority_kind="wider",
        procurement_title="Youth services framework",
        procurement_reference="BC-2026-17",
        stage="tender",
        category="timescales",
        procurement_date=date(2026, 10, 1),
        what_happened="Five working days to answer a 90-page tender.",
        outcome_wanted="A longer window.",
        organisation_name=ORGANISATION,
        organisation_type="vcse",
        anonymous=anonymous,
    )
    case = intake.submit(
        engine,
        form,
        actor=Actor(reporter),
        submission_key=None,
        today=TODAY,
        policy=intake.IntakePolicy(),
    ).complaint
    bot.services.send_queued()
    return case


def card_id(bot: TeamsBot, engine, case: Complaint) -> str:
    """The card's activity id, once it is posted and recorded (bot.conversations)."""

    def posted():
        with Session(engine) as s:
            found = conversations.message_of(s, "teams", conversations.CASE_CARD, case.id)
            return found.message_id if found else None

    return wait_until(posted, "the triage card")


def in_thread(root: str) -> dict:
    return {
        "id": f"{TRIAGE};messageid={root}",
        "conversationType": "channel",
        "tenantId": TENANT,
    }


def press(bot: TeamsBot, root: str, user: dict, verb: str, activity_id=None, **data) -> dict:
    """An Action.Execute on the card (an adaptiveCard/action invoke); the invoke's answer."""
    body = activity(
        bot.connector.url,
        type="invoke",
        name="adaptiveCard/action",
        value={
            "action": {
                "type": "Action.Execute",
                "verb": verb,
                "data": {"verb": verb, **data},
            }
        },
        replyToId=root,
        conversation=in_thread(root),
    )
    del body["text"]
    body["from"] = user
    if activity_id:
        body["id"] = activity_id
    answer = bot.post(body)
    assert answer.status_code == 200, answer.text
    return answer.json()


def say_in_thread(bot: TeamsBot, root: str, user: dict, text: str, *, mention=False, **more):
    body = activity(bot.connector.url, text, conversation=in_thread(root), **more)
    body["from"] = user
    if mention:
        body["text"] = f"<at>msbot</at> {text}"
        body["entities"] = [{"type": "mention", "text": "<at>msbot</at>", "mentioned": {"id": BOT}}]
    answer = bot.post(body)
    assert answer.status_code == 200, answer.text


def facts(card: dict) -> dict:
    [found] = [b for b in card["body"] if b["type"] == "FactSet"]
    return {f["title"]: f["value"] for f in found["facts"]}


def card_of(call) -> dict:
    return call.body["attachments"][0]["content"]


def triage_calls(bot: TeamsBot):
    return [c for c in bot.connector.sent() if c.conversation_id == TRIAGE]


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


def test_a_reply_in_the_cards_thread_is_a_note_once(bot, engine):
    case = file_case(bot, engine)
    root = card_id(bot, engine, case)
    reply_id = uuid.uuid4().hex
    for _ in range(2):  # Teams delivering it twice
        say_in_thread(bot, root, INV, "Status: council says 5 days.", id=reply_id)

    def notes():
        with Session(engine) as s:
            return s.exec(select(CaseNote).where(CaseNote.complaint_id == case.id)).all()

    [note] = wait_until(notes, "the note")
    assert note.text == "Status: council says 5 days."
    with Session(engine) as s:
        author = people.ref(s, note.author_id)
    assert author.name == "Sam Investigator"
    with Session(engine) as s:  # a plain reply starting with a command word is no command
        assert s.get(Complaint, case.id).status == "received"


def test_an_edit_keeps_the_earlier_text_and_a_deletion_marks_the_note(bot, engine):
    case = file_case(bot, engine)
    root = card_id(bot, engine, case)
    reply_id = uuid.uuid4().hex
    say_in_thread(bot, root, INV, "Council says 5 days.", id=reply_id)

    def note():
        with Session(engine) as s:
            return s.exec(select(CaseNote).where(CaseNote.complaint_id == case.id)).first()

    wait_until(note, "the note")
    edited = {"eventType": "editMessage"}
    say_in_thread(
        bot,
        root,
        INV,
        "Council says 10 days.",
        id=reply_id,
        type="messageUpdate",
        channelData=edited,
    )
    found = wait_until(lambda: (n := note()) and n.edited_at and n, "the edit")
    assert found.text == "Council says 10 days."
    assert "Council says 5 days." in json.dumps(found.history)
    deleted = {"eventType": "softDeleteMessage"}
    say_in_thread(bot, root, INV, "", id=reply_id, type="messageDelete", channelData=deleted)
    assert wait_until(lambda: note().deleted_at, "the deletion")


def test_a_mention_command_runs_and_answers_in_the_1_1_chat(bot, engine):
    case = file_case(bot, engine)
    root = card_id(bot, engine, case)
    chat = bot.install(INV)
    say_in_thread(bot, root, INV, "assign me", mention=True)
    wait_until(
        lambda: [c for c in triage_calls(bot) if c.method == "PUT" and c.activity_id == root],
        "the card's update",
    )
    with Session(engine) as s:
        holder = people.ref(s, s.get(Complaint, case.id).assignee_id)
    assert holder.name == "Sam Investigator"
    say_in_thread(bot, root, INV, "status nonsense", mention=True)
    told = wait_until(lambda: bot.connector.sent(chat), "the private answer")
    assert told[-1].body["text"].startswith("Give one of these states")
    say_in_thread(bot, root, INV, "frobnicate", mention=True)
    told = wait_until(
        lambda: len(bot.connector.sent(chat)) > 1 and bot.connector.sent(chat), "help"
    )
    assert told[-1].body["text"].startswith("I don't know frobnicate")
    assert "@msbot assign @person" in told[-1].body["text"]
    assert "Give one of these states" not in json.dumps([c.body for c in triage_calls(bot)])
    with Session(engine) as s:
        assert not s.exec(select(CaseNote).where(CaseNote.complaint_id == case.id)).all()


def test_assign_names_someone_on_the_team_by_their_mention(bot, engine):
    with transaction(engine) as s:
        lead = people.person_for(s, "teams", TENANT, LEAD["aadObjectId"], LEAD["name"]).id
    case = file_case(bot, engine)
    root = card_id(bot, engine, case)
    say_in_thread(bot, root, INV, "assign <at>Lee Lead</at>", mention=True)

    def assigned():
        with Session(engine) as s:
            return s.get(Complaint, case.id).assignee_id

    assert wait_until(assigned, "the assignment") == lead
    [update] = wait_until(
        lambda: [c for c in triage_calls(bot) if c.method == "PUT" and c.activity_id == root],
        "the card's update",
    )
    assert facts(card_of(update))["Assignee"] == "Lee Lead"


def test_an_anonymous_suppliers_answer_is_relayed_without_their_name(bot, engine):
    case = file_case(bot, engine, anonymous=True)
    root = card_id(bot, engine, case)
    press(
        bot,
        root,
        INV,
        case_card.RELAY,
        reference=case.reference,
        message="Which lot was it?",
        await_reply="true",
    )
    with Session(engine) as s:
        reporter = s.get(Complaint, case.id).reporter_id
    investigation.supplier_reply(
        engine,
        case.id,
        f"teams:dm/{uuid.uuid4().hex}",
        reporter,
        "Lot 2, the youth services one.",
        utcnow(),
    )
    bot.services.send_queued()

    def relayed():
        return [
            c
            for c in triage_calls(bot)
            if c.method == "POST" and c.activity_id == root and "supplier replied" in str(c.body)
        ]

    [line] = wait_until(relayed, "the relayed answer")
    assert [b["text"] for b in card_of(line)["body"]] == [
        "The supplier replied:",
        "Lot 2, the youth services one.",
    ]
    everything = json.dumps([c.body for c in triage_calls(bot)])
    for secret in (SUPPLIER["name"], ORGANISATION, SUPPLIER["id"], SUPPLIER["aadObjectId"]):
        assert secret not in everything
    with Session(engine) as s:
        assert s.exec(select(PostedMessage)).all()  # the card's record, nothing about them


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
