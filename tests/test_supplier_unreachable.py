"""A message to a supplier that cannot be delivered at all is told to the case's team, in the
case's thread, once per lost message, never naming the supplier: a Teams supplier who never
opened msbot (a Slack team working the case, and a Teams team), and a Slack supplier whose
account Slack no longer knows. Over real HTTP against the fake Slack and the fake Bot
Connector, on both databases."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from bot import outbox
from bot.complaints import investigation, unreachable
from bot.complaints.delivery_views import PostedCard
from bot.complaints.unreachable import SUPPLIER_UNREACHABLE, UnreachableNotice
from bot.people import PersonRef
from handlers.slack.actors import actor_for
from handlers.slack.complaints.unreachable_messages import thread_notice as slack_notice
from handlers.teams.unreachable_messages import thread_notice as teams_notice
from models import Complaint, OutboxMessage
from models.base import utcnow
from tests import forms
from tests.conftest import TRIAGE, card_ts, start_app
from tests.teams_app import TENANT, TeamsBot, person
from tests.teams_app import TRIAGE as TEAMS_TRIAGE
from tests.test_teams_complaints import _card_of, _submit_data, answers

LEAD = "U0LEAD1"
SUPPLIER = "USUP9"
CHANNEL = {"id": "19:general@thread.tacv2", "conversationType": "channel", "tenantId": TENANT}


def _raise_from_a_channel(teams: TeamsBot, user: dict, **changes) -> Complaint:
    """A complaint raised from a channel's message box by someone who never opened msbot."""
    extension = {"commandId": "raiseComplaint", "commandContext": "compose"}
    sender = {"conversation": CHANNEL, "from": user}
    form = _card_of(teams.invoke("composeExtension/fetchTask", extension, **sender))
    teams.invoke(
        "composeExtension/submitAction",
        {**extension, "data": {**_submit_data(form), **answers(**changes)}},
        **sender,
    )
    with Session(teams.services.engine) as s:
        return s.exec(select(Complaint)).one()


def _notices(engine) -> list[OutboxMessage]:
    with Session(engine) as s:
        return list(s.exec(select(OutboxMessage).where(OutboxMessage.kind == SUPPLIER_UNREACHABLE)))


def _card_thread(engine, stub, case_id: int) -> str:
    """The case card's ts, once the card is posted and recorded."""
    found: list[str] = []

    def recorded(_calls):
        with Session(engine) as s:
            found[:] = [ts] if (ts := card_ts(s, case_id)) else []
        return bool(found)

    stub.wait_until(recorded, 20, "the triage card recorded")
    return found[0]


def _thread_texts(stub, thread: str) -> list[str]:
    return [
        str(c.values.get("text"))
        for c in stub.posts(TRIAGE)
        if c.method == "chat.postMessage" and c.values.get("thread_ts") == thread
    ]


def test_a_slack_team_hears_that_a_teams_supplier_could_not_be_reached(engine, stub):
    slack = start_app(engine, stub, LEAD_IDS=LEAD, OUTBOX_INTERVAL_SECONDS="1")
    teams = TeamsBot(engine, triage_conversation_id=None, leads_conversation_id=None)
    try:
        supplier = person("Dana Supplier")
        case = _raise_from_a_channel(teams, supplier, anonymous="true")
        thread = _card_thread(engine, stub, case.id)

        # The receipt cannot reach them: the team hears so in the card's thread.
        def told(what):
            return lambda calls: any(what in t for t in _thread_texts(stub, thread))

        stub.wait_until(told("receipt for this case could not be delivered"), 20, "the notice")
        [line] = [t for t in _thread_texts(stub, thread) if "receipt" in t]
        assert "they have not opened msbot in Teams" in line
        assert "The case is anonymous" in line

        # The lead asks them something: the lead is named in the notice that it was lost.
        lead = actor_for(slack.services, LEAD, "T1")
        now = utcnow()
        investigation.assign(engine, case.reference, lead, lead, now, only_if_unassigned=True)
        investigation.move_to(engine, case.reference, "triaged", lead, now)
        investigation.move_to(engine, case.reference, "investigating", lead, now)
        investigation.tell_supplier(engine, case.reference, lead, "Which lot?", now)
        slack.services.send_queued()
        teams.services.send_queued()
        stub.wait_until(told("Your message to the supplier"), 20, "the relay's notice")
        [asked] = [t for t in _thread_texts(stub, thread) if "Your message" in t]
        assert asked.startswith(f":warning: <@{LEAD}>: Your message to the supplier")

        # Never the supplier's name or ids, in the thread or in the notices' rows.
        everything = json.dumps([c.values for c in stub.posts(TRIAGE)])
        rows = json.dumps([n.data for n in _notices(engine)])
        for secret in ("Dana", supplier["id"], supplier["aadObjectId"]):
            assert secret not in everything and secret not in rows

        # The two moves' updates were lost too, but the team already knew: no notice each.
        # Once per lost message: revived and lost again, nobody is told twice.
        assert len(_notices(engine)) == 2
        assert outbox.revive_dead(engine) == 4
        teams.services.send_queued()

        def dead_again(_calls):
            with Session(engine) as s:
                dead = s.exec(select(OutboxMessage).where(OutboxMessage.status == "dead"))
                return len(list(dead)) == 4

        teams.connector.wait_for(dead_again)
        assert len(_notices(engine)) == 2
    finally:
        teams.close()
        slack.close()


def test_a_teams_team_hears_it_in_the_card_s_reply_chain(engine):
    teams = TeamsBot(engine)
    try:
        supplier = person("Dana Supplier")
        _raise_from_a_channel(teams, supplier)

        def replied(calls):
            return any(
                "could not be delivered" in str(c.body.get("text"))
                for c in calls
                if c.conversation_id == TEAMS_TRIAGE and c.activity_id and c.status < 300
            )

        calls = teams.connector.wait_for(replied)
        [card] = [c for c in calls if c.conversation_id == TEAMS_TRIAGE and not c.activity_id]
        [notice] = [c for c in calls if "could not be delivered" in str(c.body.get("text"))]
        text = notice.body["text"]
        assert notice.activity_id  # a reply in the card's chain, not a new post
        assert notice.body["textFormat"] == "plain"
        assert "have not opened msbot in Teams" in text
        assert "Ask them (by email or phone) to open msbot in Teams" in text
        assert "Dana" not in text and card.status < 300
    finally:
        teams.close()


def test_a_slack_supplier_slack_no_longer_knows(engine, stub):
    slack = start_app(engine, stub)
    try:
        stub.fail("conversations.open", error="user_not_found")
        reply = slack.slack.view_submission(
            "complaint_form", forms.complaint(anonymous=forms.checked(False)), user=SUPPLIER
        )
        assert reply.status == 200
        with Session(engine) as s:
            case = s.exec(select(Complaint)).one()
        thread = _card_thread(engine, stub, case.id)
        stub.wait_until(
            lambda calls: any("receipt" in t for t in _thread_texts(stub, thread)),
            20,
            "the notice",
        )
        [line] = [t for t in _thread_texts(stub, thread) if "receipt" in t]
        assert "their Slack account is not found or is deactivated" in line
        assert "Reach them another way" in line
        assert SUPPLIER not in line
        with Session(engine) as s:
            dead = s.exec(select(OutboxMessage).where(OutboxMessage.status == "dead")).one()
        assert dead.last_error == "user_not_found"
    finally:
        slack.close()


@settings(max_examples=60, deadline=None)
@given(
    name=st.text(max_size=60),
    about=st.sampled_from(["receipt", "update", "relay", "other"]),
    reason=st.sampled_from([None, "not_opened", "account_gone", "cannot_dm", "no_account"]),
    where=st.sampled_from(["", "Slack", "Teams"]),
    anonymous=st.booleans(),
)
def test_the_notice_shows_a_name_only_as_text(name, about, reason, where, anonymous):
    """Whatever the staff member's display name, it can neither ping nor link in Slack, and
    Teams gets plain text; the core's sentences carry no markup of their own."""
    notice = UnreachableNotice(
        card=PostedCard("C1", "1.1"),
        asker=PersonRef(1, name=name),
        what=unreachable._what(about, True),
        why=unreachable._why(reason, where),
        advice=unreachable._advice(reason, where, anonymous),
    )
    slack_text = slack_notice(notice).text
    assert "<" not in slack_text.replace("&lt;", "")
    assert not set("<>*_~") & set(notice.what + notice.why)
    out = teams_notice(notice)
    assert out.activity()["textFormat"] == "plain" and out.reply_to == "1.1"
