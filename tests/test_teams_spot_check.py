"""The team's casework commands in Teams, over real HTTP against the fake Bot Connector, on both
databases: an investigator opens a spot check (from the 1:1 chat's card and from the message
extension's dialog), a refused answer comes back under its field with the answers kept, a
repeated submission stores one case whose triage card is posted; a supplier is refused in
their 1:1 chat; and `timeline` answers the team in the 1:1 chat and from a case's thread."""

from __future__ import annotations

import contextlib
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from handlers.teams import spot_check
from models import Complaint
from models.base import utcnow
from tests.teams_app import TRIAGE
from tests.teams_case_support import (
    INV,
    OTHER,
    card_id,
    file_case,
    say_in_thread,
    team_bot,
    wait_until,
)
from tests.test_teams_complaints import TOKEN
from tests.test_teams_complaints import answers as complaint_answers


@pytest.fixture
def bot(engine):
    with contextlib.closing(team_bot(engine)) as running:
        yield running


def answers(**changes) -> dict:
    """The complaint form's answers less the supplier's own fields (a spot check has none)."""
    given = complaint_answers(**changes)
    return {k: v for k, v in given.items() if k not in spot_check.SUPPLIER_FIELDS}


def _spot_checks(engine) -> list[Complaint]:
    with Session(engine) as s:
        return list(s.exec(select(Complaint).where(Complaint.kind == "spot_check")))


def _all_cases(engine) -> list[Complaint]:
    with Session(engine) as s:
        return list(s.exec(select(Complaint)))


def _inputs(card: dict) -> dict:
    return {e["id"]: e for e in card["body"] if e.get("type", "").startswith("Input.")}


def _errors(card: dict) -> dict:
    return {e["id"]: e["text"] for e in card["body"] if e.get("id", "").endswith("__error")}


def _chat_texts(bot, chat: str) -> str:
    return " ".join(str(c.body) for c in bot.connector.sent(chat))


def _press(bot, user: dict, data: dict) -> dict:
    """The 1:1 card's "Open case" (an Action.Execute there): the invoke's answer."""
    value = {"action": {"type": "Action.Execute", "verb": spot_check.CARD_VERB, "data": data}}
    return bot.invoke("adaptiveCard/action", value, user=user)


def _triage_card_posted(bot, reference: str) -> None:
    wait_until(
        lambda: [
            c
            for c in bot.connector.sent(TRIAGE)
            if c.method == "POST" and reference in str(c.body) and "Spot check" in str(c.body)
        ],
        "the spot check's triage card",
    )


def test_an_investigator_opens_a_spot_check_from_the_1_1_card_once(bot, engine):
    chat = bot.install(INV)
    assert bot.say("spotcheck", user=INV).status_code == 200
    [sent] = wait_until(
        lambda: [c for c in bot.connector.sent(chat) if c.body.get("attachments")], "the form"
    )
    card = sent.body["attachments"][0]["content"]
    fields = _inputs(card)
    assert {"authority_name", "procurement_date", "what_happened"} <= set(fields)
    # The supplier's own fields are not asked for, as in Slack's modal.
    assert not {"organisation_name", "organisation_type", "anonymous"} & set(fields)
    open_case, as_dialog = card["actions"]
    assert as_dialog["data"] == {"msteams": {"type": "task/fetch"}, "verb": spot_check.DIALOG}
    shown = bot.invoke("task/fetch", {"data": as_dialog["data"]}, user=INV)
    assert set(_inputs(shown["task"]["value"]["card"]["content"])) == set(fields)
    token = open_case["data"][TOKEN]

    future = (utcnow().date() + timedelta(days=5)).isoformat()
    refused = _press(bot, INV, {**open_case["data"], **answers(procurement_date=future)})
    again = refused["value"]
    assert _errors(again) == {"procurement_date__error": "This date is in the future."}
    assert _inputs(again)["what_happened"]["value"] == "Ten days to answer a 90-page tender."
    assert _inputs(again)["authority_name"]["value"] == "Borsetshire Council"
    assert again["actions"][0]["data"][TOKEN] == token
    assert _all_cases(engine) == []

    fixed = {**again["actions"][0]["data"], **answers()}
    first = _press(bot, INV, fixed)
    second = _press(bot, INV, fixed)  # a double click, or Teams delivering it again
    [case] = _spot_checks(engine)
    assert case.reporter_id is None and case.organisation_name == ""
    for done in (first, second):
        assert f"Case {case.reference} is open" in str(done["value"])
    _triage_card_posted(bot, case.reference)


def test_the_extension_dialog_keeps_answers_and_stores_one_case(bot, engine):
    bot.install(INV)
    command = {"commandId": "openSpotCheck", "commandContext": "compose"}
    opened = bot.invoke("composeExtension/fetchTask", command, user=INV)
    form = opened["task"]["value"]["card"]["content"]
    data = form["actions"][0]["data"]
    assert data["verb"] == spot_check.DIALOG and data[TOKEN]

    missing = answers(what_happened="")
    shown = bot.invoke(
        "composeExtension/submitAction", {**command, "data": {**data, **missing}}, user=INV
    )
    again = shown["task"]["value"]["card"]["content"]
    assert set(_errors(again)) == {"what_happened__error"}
    assert _inputs(again)["procurement_title"]["value"] == "Meals on wheels"
    assert _all_cases(engine) == []

    value = {**command, "data": {**again["actions"][0]["data"], **answers()}}
    first = bot.invoke("composeExtension/submitAction", value, user=INV)
    second = bot.invoke("composeExtension/submitAction", value, user=INV)
    [case] = _spot_checks(engine)
    assert first == second and first["task"]["type"] == "message"
    assert case.reference in first["task"]["value"]
    _triage_card_posted(bot, case.reference)


def test_a_supplier_is_refused_in_their_1_1_chat_and_in_the_dialog(bot, engine):
    chat = bot.install(OTHER)
    assert bot.say("spotcheck", user=OTHER).status_code == 200
    told = wait_until(lambda: bot.connector.sent(chat), "the refusal")
    assert not told[-1].body.get("attachments")
    assert "investigator" in told[-1].body["text"].lower()
    command = {"commandId": "openSpotCheck", "commandContext": "compose"}
    opened = bot.invoke("composeExtension/fetchTask", command, user=OTHER)
    assert opened["task"]["type"] == "message"
    assert "investigator" in opened["task"]["value"].lower()
    # A forged submission with a token of its own is refused by the core, under the form.
    forged = {"verb": spot_check.CARD_VERB, TOKEN: "A" * 22, **answers()}
    refused = _press(bot, OTHER, forged)["value"]
    assert "investigator" in str(_errors(refused)).lower()
    assert _all_cases(engine) == []
    assert not [c for c in bot.connector.sent(TRIAGE) if "Spot check" in str(c.body)]


def test_timeline_in_the_1_1_chat_and_from_the_case_thread(bot, engine):
    case = file_case(bot, engine)
    root = card_id(bot, engine, case)
    inv_chat = bot.install(INV)
    assert bot.say(f"timeline {case.reference.lower()}", user=INV).status_code == 200
    wait_until(lambda: f"Timeline of {case.reference}" in _chat_texts(bot, inv_chat), "1:1")
    say_in_thread(bot, root, INV, "timeline", mention=True)
    wait_until(
        lambda: _chat_texts(bot, inv_chat).count(f"Timeline of {case.reference}") == 2,
        "the thread's timeline",
    )
    # Never in the channel.
    assert "Timeline of" not in " ".join(str(c.body) for c in bot.connector.sent(TRIAGE))

    other_chat = bot.install(OTHER)
    assert bot.say(f"timeline {case.reference}", user=OTHER).status_code == 200
    [refusal] = wait_until(lambda: bot.connector.sent(other_chat), "the refusal")
    assert "investigator" in refusal.body["text"].lower()
    assert "Timeline of" not in _chat_texts(bot, other_chat)
