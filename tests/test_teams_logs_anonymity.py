"""An anonymous supplier in Teams is never tied to their case in the logs, at DEBUG, on any
path they and the team take: raising it in the dialog, the receipt, the team's question, their
reply in the 1:1 chat, status and Home. The same leak finder as Slack's (a line, or a request or
delivery, naming both)."""

from __future__ import annotations

import logging

from sqlmodel import Session, select

from bot.complaints import investigation
from bot.db import transaction
from models import Person, PersonalChat, PlatformAccount, PostedMessage
from models.base import utcnow
from tests.logging_capture import configured
from tests.teams_app import TENANT, TeamsBot, person, relay_recorded
from tests.test_logs_anonymity import leaks, parsed
from tests.test_teams_complaints import LEAD, _file, _lead, _wait_card


def test_an_anonymous_teams_supplier_is_never_logged_with_their_case(engine, tmp_path):
    log_path = tmp_path / "msbot.log"
    supplier = person("Ana Nonymous")
    # A person id no other number in the logs shares (a group number, a count), so finding
    # it in a line means the line names them.
    with transaction(engine) as s:
        s.add(Person(id=7_654_321, display_name="Ana Nonymous"))
        s.flush()
        s.add(
            PlatformAccount(
                person_id=7_654_321,
                platform="teams",
                workspace=TENANT,
                user_id=supplier["aadObjectId"],
            )
        )
    with open(log_path, "a") as stream, configured("json", "DEBUG", stream):
        bot = TeamsBot(engine, core_settings={"lead_user_ids": frozenset({LEAD})})
        try:
            chat = bot.install(supplier)
            case = _file(bot, supplier, anonymous="true", organisation_name="Hidden Org Ltd")
            _wait_card(bot, chat, "received")
            lead, now = _lead(engine), utcnow()
            investigation.assign(engine, case.reference, lead, lead, now, only_if_unassigned=True)
            investigation.move_to(engine, case.reference, "triaged", lead, now)
            investigation.move_to(engine, case.reference, "investigating", lead, now)
            investigation.tell_supplier(engine, case.reference, lead, "Which lot?", now)
            bot.services.send_queued()
            _wait_card(bot, chat, "Which lot?")
            relay_recorded(engine, case.id)
            for text in ("Lot 4.", "status", f"status {case.reference}", "home"):
                assert bot.say(text, user=supplier).status_code == 200
            bot.connector.wait_for(lambda calls: any("Your msbot" in str(c.body) for c in calls))
        finally:
            bot.close()
    records = parsed(log_path)
    with Session(engine) as s:
        account = s.exec(
            select(PlatformAccount).where(PlatformAccount.user_id == supplier["aadObjectId"])
        ).one()
        chats = s.exec(select(PersonalChat.conversation_id)).all()
        posted = s.exec(select(PostedMessage.message_id)).all()
    case_tokens = [case.reference, *posted]
    filer_tokens = [
        supplier["id"],
        supplier["aadObjectId"],
        "Ana Nonymous",
        "Hidden Org Ltd",
        *chats,
        account.person_id,
    ]
    assert account.person_id == 7_654_321
    assert leaks(records, case_tokens, case.id, filer_tokens) == []
    events = {r["event"] for r in records}
    for expected in ("complaint.received", "complaint.supplier_replied", "outbox.sent"):
        assert expected in events, expected
    assert logging.getLogger().getEffectiveLevel() != logging.DEBUG
