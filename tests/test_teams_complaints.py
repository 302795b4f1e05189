"""A supplier's side of msbot in Teams, over real HTTP against the fake Bot Connector, on both
databases: raising a complaint in the dialog (from the message extension and the welcome card's
button), server-side errors shown with the answers kept, a repeated submission stored once, the
receipt and the team's messages in the 1:1 chat, a reply there relayed to the case, Home, help
and status, and someone msbot cannot reach."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from bot.complaints import investigation
from bot.permissions import Actor
from handlers.teams.transport import NOT_INSTALLED
from models import CaseNote, Complaint, OutboxMessage
from models.base import utcnow
from tests.teams_app import TENANT, TeamsBot, person, relay_recorded
from tests.teams_support import activity

TOKEN = "submission_token"


@pytest.fixture
def bot(engine):
    running = TeamsBot(engine)
    yield running
    running.close()


def answers(**changes) -> dict:
    day = (utcnow().date() - timedelta(days=30)).isoformat()
    return {
        "authority_name": "Borsetshire Council",
        "authority_kind": "wider",
        "procurement_title": "Meals on wheels",
        "procurement_reference": "",
        "stage": "tender",
        "category": "timescales",
        "procurement_date": day,
        "what_happened": "Ten days to answer a 90-page tender.",
        "outcome_wanted": "A fair deadline.",
        "organisation_name": "Ambridge Meals CIC",
        "organisation_type": "social_enterprise",
        "anonymous": "false",
        "invoice_amount": "",
        "invoice_date": "",
        **changes,
    }


def _card_of(body: dict) -> dict:
    assert body["task"]["type"] == "continue", body
    return body["task"]["value"]["card"]["content"]


def _submit_data(card: dict) -> dict:
    return card["actions"][0]["data"]


def _inputs(card: dict) -> dict:
    return {e["id"]: e for e in card["body"] if e.get("type", "").startswith("Input.")}


def _cases(engine) -> list[Complaint]:
    with Session(engine) as s:
        return list(s.exec(select(Complaint)))


def _chat_cards(bot, chat: str) -> list[dict]:
    return [
        c.body["attachments"][0]["content"]
        for c in bot.connector.sent(chat)
        if c.body.get("attachments")
    ]


def _wait_card(bot, chat: str, heading: str) -> dict:
    def found(calls):
        return any(
            heading in str(c.body) for c in calls if c.conversation_id == chat and c.status < 300
        )

    bot.connector.wait_for(found)
    return next(c for c in _chat_cards(bot, chat) if heading in str(c))


def test_raise_a_complaint_from_the_extension_with_a_wrong_field_first(bot, engine):
    user = person()
    chat = bot.install(user)
    opened = bot.invoke(
        "composeExtension/fetchTask",
        {"commandId": "raiseComplaint", "commandContext": "compose"},
        user=user,
    )
    form = _card_of(opened)
    data = _submit_data(form)
    assert data["verb"] == "complaint" and data[TOKEN]
    assert set(_inputs(form)) >= {"authority_name", "category", "procurement_date", "anonymous"}

    future = (utcnow().date() + timedelta(days=3)).isoformat()
    wrong = answers(procurement_date=future)
    again = bot.invoke(
        "composeExtension/submitAction",
        {"commandId": "raiseComplaint", "commandContext": "compose", "data": {**data, **wrong}},
        user=user,
    )
    form_again = _card_of(again)
    kept = _inputs(form_again)
    assert kept["authority_name"]["value"] == "Borsetshire Council"
    assert kept["what_happened"]["value"] == "Ten days to answer a 90-page tender."
    errors = {e["id"]: e["text"] for e in form_again["body"] if e.get("id", "").endswith("__error")}
    assert errors == {"procurement_date__error": "This date is in the future."}
    assert _submit_data(form_again)[TOKEN] == data[TOKEN]
    assert _cases(engine) == []

    fixed = {**_submit_data(form_again), **answers()}
    done = bot.invoke(
        "composeExtension/submitAction",
        {"commandId": "raiseComplaint", "commandContext": "compose", "data": fixed},
        user=user,
    )
    [case] = _cases(engine)
    assert done["task"]["type"] == "message"
    assert case.reference in done["task"]["value"]
    # The receipt, in their 1:1 chat with msbot, through the outbox.
    receipt = _wait_card(bot, chat, f"Complaint {case.reference} received")
    assert "Borsetshire Council" in str(receipt)


def test_a_repeated_submission_stores_one_case(bot, engine):
    user = person()
    bot.install(user)
    form = _card_of(bot.invoke("task/fetch", {"data": {"verb": "complaint"}}, user=user))
    value = {"data": {**_submit_data(form), **answers()}}
    first = bot.invoke("task/submit", value, user=user)
    second = bot.invoke("task/submit", value, user=user)
    assert first == second
    assert len(_cases(engine)) == 1
    with Session(engine) as s:
        receipts = s.exec(select(OutboxMessage).where(OutboxMessage.kind.contains("received")))
        assert len(list(receipts)) == 1


def test_the_welcome_card_button_opens_the_dialog(bot):
    user = person()
    chat = bot.install(user)
    assert bot.say("hello", user=user).status_code == 200
    card = _wait_card(bot, chat, "Hello, I'm msbot")
    button = card["actions"][0]
    assert button["data"]["msteams"] == {"type": "task/fetch"}
    opened = bot.invoke("task/fetch", {"data": button["data"]}, user=user)
    assert _inputs(_card_of(opened))["authority_name"]["label"] == "Contracting authority"


def _file(bot, user, **changes) -> Complaint:
    form = _card_of(bot.invoke("task/fetch", {"data": {"verb": "complaint"}}, user=user))
    bot.invoke("task/submit", {"data": {**_submit_data(form), **answers(**changes)}}, user=user)
    return _cases(bot.services.engine)[-1]


LEAD = "ULEADTEAMS"


@pytest.fixture
def lead_bot(engine):
    running = TeamsBot(engine, core_settings={"lead_user_ids": frozenset({LEAD})})
    yield running
    running.close()


def _lead(engine) -> Actor:
    from bot import people
    from bot.db import transaction

    with transaction(engine) as s:
        ref = people.person_for(s, "slack", "T1", LEAD, "Lee")
    return Actor(ref.id, frozenset({"lead"}))


def test_an_anonymous_supplier_is_asked_and_their_reply_reaches_the_case(lead_bot, engine):
    bot = lead_bot
    user = person("Jo Bloggs")
    chat = bot.install(user)
    case = _file(bot, user, anonymous="true")
    lead = _lead(engine)
    now = utcnow()
    investigation.assign(engine, case.reference, lead, lead, now, only_if_unassigned=True)
    investigation.move_to(engine, case.reference, "triaged", lead, now)
    investigation.move_to(engine, case.reference, "investigating", lead, now)
    investigation.tell_supplier(
        engine, case.reference, lead, "Which lot was it?", now, await_reply=True
    )
    bot.services.send_queued()
    ask = _wait_card(bot, chat, "Which lot was it?")
    relay_recorded(engine, case.id)
    assert "Jo Bloggs" not in str(ask)
    assert bot.say("Lot 2, the rural routes.", user=user, id="reply-1").status_code == 200
    # Teams delivering the same message again stores nothing more.
    assert bot.say("Lot 2, the rural routes.", user=user, id="reply-1").status_code == 200
    bot.connector.wait_for(
        lambda calls: any("your reply has gone to the team" in str(c.body) for c in calls)
    )
    with Session(engine) as s:
        [note] = s.exec(select(CaseNote).where(CaseNote.complaint_id == case.id)).all()
        moved = s.get(Complaint, case.id)
    assert (note.text, note.from_supplier) == ("Lot 2, the rural routes.", True)
    assert note.author_id is None  # the supplier is never named on the case's notes
    assert moved.status == "investigating"


def test_a_message_with_nothing_to_answer_is_told_so(bot):
    user = person()
    chat = bot.install(user)
    assert bot.say("is anyone there", user=user).status_code == 200
    bot.connector.wait_for(
        lambda calls: any(
            "I can only pass on replies" in str(c.body) for c in calls if c.conversation_id == chat
        )
    )


def test_home_help_and_status_in_the_1_1_chat(bot, engine):
    user = person()
    chat = bot.install(user)
    case = _file(bot, user)
    assert bot.say("home", user=user).status_code == 200
    home = _wait_card(bot, chat, "Your msbot")
    assert case.reference in str(home)
    assert bot.say("help", user=user).status_code == 200
    assert "What I can do" in str(_wait_card(bot, chat, "What I can do"))
    assert bot.say(f"status {case.reference}", user=user).status_code == 200
    detail = _wait_card(bot, chat, "Response due")
    assert case.reference in str(detail) and "Meals on wheels" in str(detail)
    other = person("Someone Else")
    other_chat = bot.install(other)
    assert bot.say(f"status {case.reference}", user=other).status_code == 200
    bot.connector.wait_for(
        lambda calls: any(
            f"No case {case.reference} was found" in str(c.body)
            for c in calls
            if c.conversation_id == other_chat
        )
    )


def test_a_supplier_withdraws_their_own_case_and_no_one_else_s(bot, engine):
    user = person()
    chat = bot.install(user)
    case = _file(bot, user)
    other = person("Not The Supplier")
    other_chat = bot.install(other)
    assert bot.say(f"withdraw {case.reference}", user=other).status_code == 200
    bot.connector.wait_for(
        lambda calls: any(
            f"No case {case.reference} was found" in str(c.body)
            for c in calls
            if c.conversation_id == other_chat
        )
    )
    assert bot.say(f"withdraw {case.reference} sorted it out", user=user).status_code == 200
    bot.connector.wait_for(
        lambda calls: any("is withdrawn" in str(c.body) for c in calls if c.conversation_id == chat)
    )
    with Session(engine) as s:
        assert s.get(Complaint, case.id).status == "withdrawn"


def test_someone_who_never_installed_msbot_gets_no_receipt_and_the_row_says_why(bot, engine):
    user = person("Never Installed")
    # They raise it from a channel's message box: msbot is not installed for them personally.
    channel = {"id": "19:general@thread.tacv2", "conversationType": "channel", "tenantId": TENANT}
    form = _card_of(
        bot.invoke(
            "composeExtension/fetchTask",
            {"commandId": "raiseComplaint", "commandContext": "compose"},
            user=None,
            conversation=channel,
            **{"from": user},
        )
    )
    done = bot.invoke(
        "composeExtension/submitAction",
        {
            "commandId": "raiseComplaint",
            "commandContext": "compose",
            "data": {**_submit_data(form), **answers()},
        },
        conversation=channel,
        **{"from": user},
    )
    [case] = _cases(engine)
    assert case.reference in done["task"]["value"]  # they still see their reference

    def dead(_calls):
        with Session(engine) as s:
            rows = s.exec(select(OutboxMessage).where(OutboxMessage.status == "dead")).all()
            return any(r.kind == "complaint.received.dm" for r in rows)

    bot.connector.wait_for(dead)
    with Session(engine) as s:
        row = s.exec(select(OutboxMessage).where(OutboxMessage.kind == "complaint.received.dm"))
        assert NOT_INSTALLED[:40] in row.one().last_error


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)
VERBS = st.sampled_from(["complaint", "raiseComplaint", "x", "", "verb"])


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    name=st.sampled_from(
        [
            "adaptiveCard/action",
            "task/fetch",
            "task/submit",
            "composeExtension/fetchTask",
            "composeExtension/submitAction",
            "signin/verifyState",
        ]
    ),
    verb=VERBS,
    data=st.dictionaries(st.text(max_size=12), JSON, max_size=4),
    text=st.text(max_size=40),
)
def test_no_generated_activity_gets_a_server_error(bot, name, verb, data, text):
    value = {
        "adaptiveCard/action": {"action": {"type": "Action.Execute", "verb": verb, "data": data}},
        "composeExtension/fetchTask": {"commandId": verb, "commandContext": "compose"},
        "composeExtension/submitAction": {
            "commandId": verb,
            "commandContext": "compose",
            "data": {**data, "verb": verb},
        },
    }.get(name, {"data": {**data, "verb": verb}})
    body = activity(bot.connector.url, type="invoke", name=name, value=value)
    del body["text"]
    assert bot.post(body).status_code < 500
    message = activity(bot.connector.url, text, value={**data, "verb": verb})
    assert bot.post(message).status_code < 500
