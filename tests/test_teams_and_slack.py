"""One database serving Slack and Teams at once: a triage team on Slack works a case a supplier
raised in Teams. The case's card goes to the Slack triage channel; the supplier's receipt and
the team's message go to their Teams 1:1 chat; their reply there lands in the card's Slack
thread without their name. Each process sends its own platform's messages from the shared
outbox (msbot serve and msbot serve-teams, here in one test process)."""

from __future__ import annotations

from sqlmodel import Session, select

from bot.complaints import investigation
from handlers.slack.actors import actor_for
from models import Complaint
from models.base import utcnow
from tests.conftest import TRIAGE, card_ts, start_app
from tests.teams_app import TeamsBot, person, relay_recorded
from tests.test_teams_complaints import _card_of, _submit_data, _wait_card, answers

LEAD = "U0LEAD1"


def test_a_slack_team_works_a_case_raised_in_teams(engine, stub):
    # The Slack process looks for rows another process queued every second (default 10).
    slack = start_app(engine, stub, LEAD_IDS=LEAD, OUTBOX_INTERVAL_SECONDS="1")
    teams = TeamsBot(engine, triage_conversation_id=None, leads_conversation_id=None)
    try:
        supplier = person("Dana Supplier")
        chat = teams.install(supplier)
        form = _card_of(teams.invoke("task/fetch", {"data": {"verb": "complaint"}}, user=supplier))
        teams.invoke("task/submit", {"data": {**_submit_data(form), **answers()}}, user=supplier)
        with Session(engine) as s:
            case = s.exec(select(Complaint)).one()

        # The card in Slack's triage channel, the receipt in Teams.
        stub.wait_until(lambda calls: bool(stub.posts(TRIAGE)), 20, "the triage card")
        _wait_card(teams, chat, f"Complaint {case.reference} received")

        # The Slack lead asks the supplier a question.
        lead = actor_for(slack.services, LEAD, "T1")
        now = utcnow()
        investigation.assign(engine, case.reference, lead, lead, now, only_if_unassigned=True)
        investigation.move_to(engine, case.reference, "triaged", lead, now)
        investigation.move_to(engine, case.reference, "investigating", lead, now)
        investigation.tell_supplier(
            engine, case.reference, lead, "Which lot?", now, await_reply=True
        )
        slack.services.send_queued()
        teams.services.send_queued()
        _wait_card(teams, chat, "Which lot?")
        relay_recorded(engine, case.id)

        # The supplier answers in Teams; the answer reaches the card's thread in Slack.
        assert teams.say("Lot 3.", user=supplier).status_code == 200
        thread = card_ts(Session(engine), case.id)

        def replied(calls):
            return any(
                "Lot 3." in str(c.values.get("text")) and c.values.get("thread_ts") == thread
                for c in stub.posts(TRIAGE)
            )

        calls = stub.wait_until(replied, 20, "the supplier's reply in the card's thread")
        lines = [str(c.values.get("text")) for c in calls if c.method == "chat.postMessage"]
        assert not any("Dana" in line for line in lines)
        assert not any(
            c.method == "chat.postMessage"
            and "Lot 3." in str(c.values)
            and c.values.get("channel") != TRIAGE
            for c in calls
        )
    finally:
        teams.close()
        slack.close()
