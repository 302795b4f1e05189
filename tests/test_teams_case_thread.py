"""A case's thread in Teams over real HTTP against the fake Bot Connector, on both databases:
a reply to the card kept as a note once, its edit and deletion followed; a mention command
from the core's list answered in the asker's 1:1 chat; assigning someone by their mention; and
an anonymous supplier's answer relayed into the thread without their name."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlmodel import Session, select

from bot import people
from bot.complaints import investigation
from bot.db import transaction
from bot.permissions import Actor
from handlers.teams import case_card
from models import CaseNote, Complaint, PostedMessage
from models.base import utcnow
from tests.teams_app import TENANT
from tests.teams_case_support import (
    INV,
    LEAD,
    ORGANISATION,
    OTHER,
    SUPPLIER,
    card_id,
    card_of,
    facts,
    file_case,
    press,
    say_in_thread,
    team_bot,
    triage_calls,
    wait_until,
)


@pytest.fixture
def bot(engine):
    running = team_bot(engine)
    yield running
    running.close()


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


def test_a_reply_by_someone_off_the_team_is_no_note_and_they_are_told_privately(bot, engine):
    case = file_case(bot, engine)
    root = card_id(bot, engine, case)
    chat = bot.install(OTHER)
    say_in_thread(bot, root, OTHER, "I reckon it's fine.")
    told = wait_until(lambda: bot.connector.sent(chat), "the private refusal")
    assert told[-1].body["text"] == (
        "Your reply was not saved as a case note. Only investigators and leads can add case notes."
    )
    assert "Only investigators" not in json.dumps([c.body for c in triage_calls(bot)])
    with Session(engine) as s:
        assert not s.exec(select(CaseNote).where(CaseNote.complaint_id == case.id)).all()


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
        "Lot 2, the youth services one.",
        utcnow(),
        actor=Actor(reporter),
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
