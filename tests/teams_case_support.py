"""What the Teams case tests share (tests/test_teams_case.py, test_teams_case_thread.py): the
team (an investigator, a lead, someone with no role, a supplier), a case filed through the
core, the card's activity id once posted, and activities shaped as Teams sends them: a press
of a card button (adaptiveCard/action) and a message in the card's reply chain."""

from __future__ import annotations

import time
from datetime import date

from sqlmodel import Session

from bot import conversations, people, personal_chats
from bot.complaints import intake
from bot.db import transaction
from bot.permissions import Actor
from models import Complaint
from models.base import utcnow
from tests.teams_app import TENANT, TRIAGE, TeamsBot, person
from tests.teams_support import BOT, activity

TODAY = date(2026, 11, 20)
INV = person("Sam Investigator")
LEAD = person("Lee Lead")
OTHER = person("Olu Other")
SUPPLIER = person("Secret Supplier")
ORGANISATION = "Ambridge Youth Trust"


def team_bot(engine) -> TeamsBot:
    """The front end with the team's roles configured (by their AAD object ids)."""
    return TeamsBot(
        engine,
        core_settings={
            "investigator_user_ids": frozenset({INV["aadObjectId"]}),
            "lead_user_ids": frozenset({LEAD["aadObjectId"]}),
        },
    )


def wait_until(check, what: str, timeout: float = 10.0):
    """Poll until ``check()`` is truthy: the outbox delivers on its own thread."""
    deadline = time.monotonic() + timeout
    while not (found := check()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)
    return found


def file_case(bot: TeamsBot, engine, *, anonymous: bool = False) -> Complaint:
    chat = bot.install(SUPPLIER)
    with transaction(engine) as s:
        reporter = people.person_for(
            s, "teams", TENANT, SUPPLIER["aadObjectId"], SUPPLIER["name"]
        ).id
        # The supplier has msbot installed: their messages arrive (one who has not is told
        # to the team in the card's thread, tests/test_supplier_unreachable.py).
        personal_chats.remember(
            s,
            reporter,
            "teams",
            TENANT,
            member_id=SUPPLIER["id"],
            service_url=bot.connector.url,
            conversation_id=chat,
            now=utcnow(),
        )
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
