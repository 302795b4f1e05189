"""The investigation workflow in Slack, end to end: signed HTTP requests in, Web API calls
(recorded by the stub) and stored rows out, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
import time

import pytest
from sqlmodel import Session

from bot.complaints.thread_commands import COMMANDS_BY_NAME
from bot.db import make_engine
from handlers.slack.complaints import case_card, investigation_forms
from models import CaseNote, Complaint, OutboxMessage
from tests import forms
from tests import investigation_slack as ev
from tests.conftest import TRIAGE, relays, rows, start_app, wait_settled, with_card
from tests.people_ids import pid, slack_id

SUPPLIER, INV1, INV2, LEAD, OUTSIDER = "USUP1", "UINV1", "UINV2", "ULEAD1", "UOUT1"
TEAM = {"INVESTIGATOR_IDS": f"{INV1},{INV2}", "LEAD_IDS": LEAD}


@pytest.fixture
def team_app(engine, stub):
    running = start_app(engine, stub, **TEAM)
    yield running
    running.close()


@pytest.fixture
def slack(team_app):
    return team_app.slack


def as_json(value) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def view_of(call) -> dict:
    view = call.args["view"]
    return json.loads(view) if isinstance(view, str) else view


def case_row(session, reference="MS-2026-0001") -> Complaint:
    return next(c for c in rows(session, Complaint) if c.reference == reference)


def wait_row(session, predicate, what: str, timeout=10.0):
    """Poll the database until ``predicate(rows)`` holds (the outbox runs on its own thread)."""
    deadline = time.monotonic() + timeout
    while True:
        found = predicate(session)
        if found:
            return found
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def file_case(slack, session, *, anonymous=True, payment=False, user=SUPPLIER) -> Complaint:
    extra = {"anonymous": forms.checked(anonymous)}
    if payment:
        extra |= {
            "category": forms.choice("late_payment"),
            "invoice_amount": forms.text("1250.00"),
            "invoice_date": forms.day("2026-09-01"),
        }
    reply = slack.view_submission("complaint_form", forms.complaint(**extra), user=user)
    assert reply.json()["response_action"] == "update"
    ref = reply.json()["view"]["blocks"][0]["text"]["text"].split("*")[1]
    return wait_row(session, lambda s: with_card(s, case_row(s, ref)), f"card of {ref} posted")


def mention(slack, case, user, text, thread_ts=None):
    event = ev.mention(TRIAGE, thread_ts or case.card_ts, user, text)
    assert ev.send_event(slack, event).status == 200


def ephemerals_to(stub, user) -> list[str]:
    return [as_json(c.args) for c in stub.of("chat.postEphemeral") if c.args.get("user") == user]


def wait_ephemeral(stub, user, contains: str) -> str:
    stub.wait_until(
        lambda calls: any(
            c.method == "chat.postEphemeral"
            and c.args.get("user") == user
            and contains in as_json(c.args)
            for c in calls
        ),
        what=f"ephemeral to {user} containing {contains!r}",
    )
    return next(e for e in ephemerals_to(stub, user) if contains in e)


def card_updates(stub, case) -> list[str]:
    return [
        as_json(c.args)
        for c in stub.of("chat.update")
        if c.args.get("ts") == case.card_ts and c.args.get("channel") == TRIAGE
    ]


def wait_card(stub, case, contains: str) -> str:
    stub.wait_until(
        lambda calls: any(
            c.method == "chat.update"
            and c.args.get("ts") == case.card_ts
            and contains in as_json(c.args)
            for c in calls
        ),
        what=f"card update containing {contains!r}",
    )
    return [u for u in card_updates(stub, case) if contains in u][-1]


def press_form_button(slack, stub, case, user, form) -> dict:
    before = len(stub.of("views.open"))
    ev.button(slack, case_card.OPEN_FORM, f"{case.reference}|{form}", user=user, channel=TRIAGE)
    return view_of(stub.wait_for("views.open", before + 1)[-1])


def submit_form(slack, callback_id, reference, values, user):
    return slack.view_submission(callback_id, values, user=user, private_metadata=reference)


def resolve_values(**overrides) -> dict:
    values = {
        "outcome": forms.choice("money_released"),
        "agreed_actions": forms.text("The council pays the invoice within 10 days."),
        "money_released": forms.text("1250.00"),
        "public_summary": forms.text("A council paid a small charity's overdue invoice."),
        "summary_uses_supplier_words": {"value": {"type": "checkboxes", "selected_options": []}},
        "follow_up_plan": forms.radio("date"),
        "follow_up_due": forms.day("2027-01-15"),
    }
    for key, value in overrides.items():
        values[key] = value
    return values


def test_the_whole_anonymous_case_from_filing_to_closing(slack, stub, session):
    case = file_case(slack, session, anonymous=True, payment=True)
    first_card = next(c for c in stub.of("chat.postMessage") if c.args.get("channel") == TRIAGE)
    assert "Assign to me" in as_json(first_card.args)
    assert SUPPLIER not in as_json(first_card.args)

    ev.button(slack, case_card.ASSIGN_SELF, case.reference, user=INV1, channel=TRIAGE)
    wait_card(stub, case, f"<@{INV1}>")
    assert slack_id(case_row(session).assignee_id) == INV1

    for target in ("triaged", "investigating"):
        mention(slack, case, INV1, f"status {target}")
        wait_row(session, lambda s, t=target: case_row(s).status == t, target)

    # Thread replies are internal notes.
    note = ev.reply(TRIAGE, case.card_ts, INV1, "Rang the council's AP team.")
    assert ev.send_event(slack, note).status == 200
    [stored] = rows(session, CaseNote)
    assert stored.text == "Rang the council's AP team." and slack_id(stored.author_id) == INV1

    mention(slack, case, INV1, "contacted-authority")
    wait_row(session, lambda s: case_row(s).status == "awaiting_authority", "awaiting authority")
    assert case_row(session).authority_reply_due is not None
    mention(slack, case, INV1, "authority-replied")
    wait_row(session, lambda s: case_row(s).status == "investigating", "investigating again")

    # The supplier is asked through the relay, and answers in the DM's thread.
    mention(slack, case, INV1, "ask-supplier Could you send us the invoice number?")
    wait_row(session, lambda s: case_row(s).status == "awaiting_supplier", "awaiting supplier")
    relay = wait_row(session, relays, "relay recorded")[0]
    dm = next(
        c
        for c in stub.of("chat.postMessage")
        if c.args["channel"] == relay.conversation_id and "invoice number" in as_json(c.args)
    )
    answer = ev.dm_reply(
        relay.conversation_id, relay.message_id, SUPPLIER, "It is INV-77 <!channel>"
    )
    assert ev.send_event(slack, answer).status == 200
    posted = stub.wait_until(
        lambda calls: any(
            c.method == "chat.postMessage"
            and c.args.get("thread_ts") == case.card_ts
            and "INV-77" in as_json(c.args)
            for c in calls
        ),
        what="supplier reply relayed into the case thread",
        # Posts to the triage channel are paced (about one a second) and ten or so are queued
        # ahead of this one by now: on a busy machine that is more than the default 10 s.
        timeout=30,
    )
    relayed = next(
        as_json(c.args)
        for c in posted
        if c.method == "chat.postMessage" and "INV-77" in as_json(c.args)
    )
    assert SUPPLIER not in relayed and "<!channel>" not in relayed
    assert any(n.from_supplier and "INV-77" in n.text for n in rows(session, CaseNote))
    # The reply brings the case back to the investigator.
    wait_row(session, lambda s: case_row(s).status == "investigating", "supplier replied")

    # Resolve: a mention answers with a button, which opens the form.
    mention(slack, case, INV1, "resolve")
    wait_ephemeral(stub, INV1, case_card.OPEN_FORM)
    view = press_form_button(slack, stub, case, INV1, "resolve")
    assert view["callback_id"] == investigation_forms.RESOLVE
    assert "money_released" in {b.get("block_id") for b in view["blocks"]}
    reply = submit_form(slack, investigation_forms.RESOLVE, case.reference, resolve_values(), INV1)
    assert (reply.status == 200 and reply.body in ("", "{}")) or "errors" not in reply.json()
    resolved = wait_row(
        session, lambda s: (c := case_row(s)).status == "resolved" and c, "resolved"
    )
    assert resolved.outcome == "money_released" and resolved.money_released_pence == 125000
    assert str(resolved.follow_up_due) == "2027-01-15"

    # Follow-up: recorded, then closed.
    mention(slack, case, INV1, "follow-up")
    view = press_form_button(slack, stub, case, INV1, "follow_up")
    values = {
        "follow_up_result": {
            "value": {"type": "radio_buttons", "selected_option": {"value": "yes"}}
        },
        "follow_up_note": forms.text("Paid on 3 December."),
    }
    submit_form(slack, investigation_forms.FOLLOW_UP, case.reference, values, INV1)
    closed = wait_row(session, lambda s: (c := case_row(s)).status == "closed" and c, "closed")
    assert closed.follow_up_result == "yes"

    # The supplier heard about changes in plain language; never the internal note, and the
    # anonymous supplier is named nowhere in the triage channel.
    stub.wait_until(
        lambda calls: any(
            c.method == "chat.postMessage"
            and c.args.get("channel") == dm.args["channel"]
            and "now closed" in as_json(c.args)
            for c in calls
        ),
        what="the supplier told the case is closed",
    )
    wait_settled(session, 1)
    to_supplier = " ".join(
        as_json(c.args)
        for c in stub.of("chat.postMessage")
        if c.args.get("channel") == dm.args["channel"]
    )
    assert "AP team" not in to_supplier and "INV-77" not in to_supplier
    in_triage = " ".join(
        as_json(c.args)
        for c in stub.calls
        if c.method in ("chat.postMessage", "chat.update") and c.args.get("channel") == TRIAGE
    )
    assert SUPPLIER not in in_triage


def test_a_spot_check_has_no_supplier_and_the_same_workflow(slack, stub, session):
    slack.command("/complaint", "spotcheck", user=INV1)
    view = view_of(stub.wait_for("views.open")[0])
    ids = {b.get("block_id") for b in view["blocks"]}
    assert view["callback_id"] == "complaint_spot_check"
    assert not ids & {"organisation_name", "organisation_type", "anonymous"}
    values = forms.complaint(organisation_name=None, organisation_type=None, anonymous=None)
    reply = slack.view_submission("complaint_spot_check", values, user=INV1)
    assert reply.json()["response_action"] == "update"
    case = wait_row(session, lambda s: with_card(s, case_row(s)), "spot-check card")
    assert case.kind == "spot_check" and slack_id(case.reporter_id) is None
    ev.button(slack, case_card.ASSIGN_SELF, case.reference, user=INV1, channel=TRIAGE)
    for target in ("triaged", "investigating"):
        wait_row(session, lambda s: slack_id(case_row(s).assignee_id) == INV1, "assigned")
        mention(slack, case, INV1, f"status {target}")
        wait_row(session, lambda s, t=target: case_row(s).status == t, target)
    view = press_form_button(slack, stub, case, INV1, "resolve")
    assert "money_released" not in {b.get("block_id") for b in view["blocks"]}
    values = resolve_values(
        outcome=forms.choice("recommendation_accepted"),
        money_released=forms.text(""),
        follow_up_plan=forms.radio("none"),
        follow_up_due=forms.day(None),
    )
    submit_form(slack, investigation_forms.RESOLVE, case.reference, values, INV1)
    done = wait_row(
        session, lambda s: (c := case_row(s)).status in ("resolved", "closed") and c, "resolved"
    )
    assert done.outcome == "recommendation_accepted" and done.follow_up_due is None
    assert not [c for c in stub.of("conversations.open")]  # nobody to DM


def test_assign_me_in_a_mention_assigns_the_asker(slack, stub, session):
    """The thread commands are the core's (shared with Teams): `assign me` works here too."""
    case = file_case(slack, session)
    mention(slack, case, INV1, "assign me")
    wait_row(session, lambda s: slack_id(case_row(s).assignee_id) == INV1, "assigned")
    wait_card(stub, case, f"<@{INV1}>")


def test_two_investigators_press_assign_to_me_at_once_one_wins(pg_url, stub):
    """Proven on PostgreSQL (SQLite serialises every writer, so it cannot race)."""
    engine = make_engine(pg_url)
    session = Session(engine)
    running = start_app(engine, stub, **TEAM)
    try:
        case = file_case(running.slack, session)
        gate = threading.Barrier(2)
        replies = {}

        def press(user):
            gate.wait()
            replies[user] = ev.button(
                running.slack, case_card.ASSIGN_SELF, case.reference, user=user, channel=TRIAGE
            )

        threads = [threading.Thread(target=press, args=(u,)) for u in (INV1, INV2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert all(r.status == 200 for r in replies.values())
        winner = wait_row(
            session, lambda s: slack_id(case_row(s).assignee_id, engine), "someone assigned"
        )
        loser = INV2 if winner == INV1 else INV1
        told = wait_ephemeral(stub, loser, "already has")
        assert f"<@{winner}>" in told
        assert not ephemerals_to(stub, winner)
    finally:
        running.close()
        session.close()
        engine.dispose()


def test_retried_thread_reply_is_stored_once_and_bots_and_other_threads_are_ignored(
    slack, stub, session
):
    case = file_case(slack, session)
    event = ev.reply(TRIAGE, case.card_ts, INV1, "First call made.")
    assert ev.send_event(slack, event, event_id="EvSAME1").status == 200
    assert ev.send_event(slack, event, event_id="EvSAME1", retry=1).status == 200
    assert ev.send_event(slack, event, event_id="EvSAME1", retry=2).status == 200
    bot = {**ev.reply(TRIAGE, case.card_ts, "UBOT", "audit line"), "bot_id": "BBOT"}
    ev.send_event(slack, bot)
    ev.send_event(slack, {**bot, "subtype": "bot_message"})
    ev.send_event(slack, ev.reply(TRIAGE, "1699999999.000001", INV1, "another thread"))
    ev.send_event(slack, {**ev.reply(TRIAGE, case.card_ts, INV1, "top level"), "thread_ts": None})
    notes = rows(session, CaseNote)
    assert [n.text for n in notes] == ["First call made."]


def test_an_edit_keeps_the_earlier_text_and_a_deletion_marks_the_note(slack, session):
    case = file_case(slack, session)
    event = ev.reply(TRIAGE, case.card_ts, INV1, "Council says 5 days.")
    ev.send_event(slack, event)
    ev.send_event(
        slack, ev.edited(TRIAGE, case.card_ts, event["ts"], INV1, "Council says 10 days.")
    )
    [note] = rows(session, CaseNote)
    assert note.text == "Council says 10 days." and note.edited_at is not None
    assert "Council says 5 days." in json.dumps(note.history)
    ev.send_event(slack, ev.deleted(TRIAGE, case.card_ts, event["ts"], INV1))
    [note] = rows(session, CaseNote)
    assert note.deleted_at is not None


def test_a_reply_by_someone_off_the_team_is_no_note_and_they_are_told_privately(
    slack, stub, session
):
    case = file_case(slack, session)
    # OUTSIDER can post in the triage channel (Slack lets any member), but is not on the team.
    event = ev.reply(TRIAGE, case.card_ts, OUTSIDER, "I think it's fine.")
    assert ev.send_event(slack, event).status == 200
    told = json.loads(wait_ephemeral(stub, OUTSIDER, "not saved as a case note"))
    assert told["channel"] == TRIAGE and told["thread_ts"] == case.card_ts
    assert "Only investigators and leads can add case notes." in told["text"]
    edit = ev.edited(TRIAGE, case.card_ts, event["ts"], OUTSIDER, "Changed my mind.")
    assert ev.send_event(slack, edit).status == 200
    wait_ephemeral(stub, OUTSIDER, "Your edit was not saved to the case note")
    # A reply in a thread that is no case's is nobody's business: not refused, not stored.
    ev.send_event(slack, ev.reply(TRIAGE, "1699999999.000003", OUTSIDER, "lunch?"))
    assert rows(session, CaseNote) == []
    assert len(ephemerals_to(stub, OUTSIDER)) == 2
    # Nobody else was told anything.
    assert {c.args.get("user") for c in stub.of("chat.postEphemeral")} == {OUTSIDER}


def test_help_lists_exactly_the_registered_commands(slack, stub, session):
    case = file_case(slack, session)
    mention(slack, case, INV1, "help")
    told = wait_ephemeral(stub, INV1, "mention me")
    for name in COMMANDS_BY_NAME:
        assert f"@msbot {name}" in told
    for expected in (
        "status",
        "assign",
        "contacted-authority",
        "authority-replied",
        "tell-supplier",
        "resolve",
        "follow-up",
        "timeline",
        "link",
        "unlink",
    ):
        assert expected in COMMANDS_BY_NAME


@pytest.mark.parametrize(
    ("text", "where", "says"),
    [
        ("frobnicate", "case", "I don't know `frobnicate`"),
        ("status nonsense", "case", "Give one of these states"),
        ("assign", "case", "Say who"),
        ("link MS-99", "case", "Give a case reference"),
        ("contacted-authority", "case", "Moves allowed from here: triage"),
        ("status out_of_scope", "case", "Open the form"),  # a form is needed: a button
        ("status resolved", "case", "Statuses it can move to from here"),  # not from received
        ("status awaiting_authority", "case", "Statuses it can move to from here"),
        ("timeline", "elsewhere", "not a case"),
        ("timeline", "nowhere", "Mention me in a case"),
    ],
)
def test_bad_mentions_get_a_private_answer_and_change_nothing(
    slack, stub, session, text, where, says
):
    case = file_case(slack, session)
    thread = {"case": case.card_ts, "elsewhere": "1699999999.000002", "nowhere": None}[where]
    event = ev.mention(TRIAGE, thread, INV1, text)
    assert ev.send_event(slack, event).status == 200
    told = wait_ephemeral(stub, INV1, says)
    assert json.loads(told)["channel"] == TRIAGE
    after = case_row(session)
    assert after.status == "received" and slack_id(after.assignee_id) is None


def test_someone_off_the_team_is_refused_privately(slack, stub, session):
    case = file_case(slack, session)
    ev.button(slack, case_card.ASSIGN_SELF, case.reference, user=OUTSIDER, channel=TRIAGE)
    told = wait_ephemeral(stub, OUTSIDER, "Only investigators and leads")
    assert json.loads(told)["channel"] == TRIAGE
    mention(slack, case, OUTSIDER, "status triaged")
    stub.wait_until(lambda calls: len(ephemerals_to(stub, OUTSIDER)) >= 2, what="2nd refusal")
    assert all("Only investigators and leads" in e for e in ephemerals_to(stub, OUTSIDER))
    after = case_row(session)
    assert after.status == "received" and slack_id(after.assignee_id) is None
    reply = slack.command("/complaint", f"timeline {case.reference}", user=OUTSIDER)
    assert "Only investigators and leads" in reply.json()["text"]
    assert stub.of("chat.update") == []


def test_a_lead_sees_the_team_queue_and_follow_ups_on_app_home(slack, stub, session):
    case = file_case(slack, session)
    ev.send_event(slack, {"type": "app_home_opened", "user": LEAD, "channel": "DL", "tab": "home"})
    home = as_json(stub.wait_for_call("views.publish", user_id=LEAD).args)
    for expected in ("Team queue", "Received: awaiting triage", case.reference, "Follow-ups due"):
        assert expected in home


def test_the_user_group_makes_investigators_and_a_failure_falls_back(engine, stub, session):
    stub.group_members = {"SINV1": ["UGRP1"]}
    running = start_app(engine, stub, INVESTIGATOR_GROUP_ID="SINV1", **TEAM)
    try:
        case = file_case(running.slack, session)
        ev.button(
            running.slack, case_card.ASSIGN_SELF, case.reference, user="UGRP1", channel=TRIAGE
        )
        wait_row(
            session, lambda s: slack_id(case_row(s).assignee_id) == "UGRP1", "group member assigned"
        )
        assert stub.of("usergroups.users.list")[0].args["usergroup"] == "SINV1"
    finally:
        running.close()
    stub.reset()
    stub.fail("usergroups.users.list", times=5, error="ratelimited")
    running = start_app(engine, stub, INVESTIGATOR_GROUP_ID="SINV1", **TEAM)
    try:
        case = file_case(running.slack, session)
        ref = case.reference
        ev.button(running.slack, case_card.ASSIGN_SELF, ref, user=INV2, channel=TRIAGE)
        wait_row(session, lambda s: slack_id(case_row(s, ref).assignee_id) == INV2, "configured id")
    finally:
        running.close()


def test_resolve_form_errors_are_shown_next_to_their_fields(slack, stub, session):
    case = file_case(slack, session, payment=True)
    values = resolve_values(
        outcome=forms.choice(None),
        money_released=forms.text("12.345"),
        follow_up_due=forms.day(None),
    )
    reply = submit_form(slack, investigation_forms.RESOLVE, case.reference, values, INV1)
    errors = reply.json()["errors"]
    assert set(errors) == {"outcome", "money_released", "follow_up_due"}
    assert case_row(session).status == "received"


def test_out_of_scope_needs_a_reason_and_the_card_loses_its_buttons(slack, stub, session):
    case = file_case(slack, session)
    view = press_form_button(slack, stub, case, INV1, "out_of_scope")
    assert view["callback_id"] == investigation_forms.OUT_OF_SCOPE
    empty = submit_form(
        slack, investigation_forms.OUT_OF_SCOPE, case.reference, {"reason": forms.text("  ")}, INV1
    )
    assert "reason" in empty.json()["errors"]
    reason = {"reason": forms.text("A private contract <@U999>, not public procurement.")}
    submit_form(slack, investigation_forms.OUT_OF_SCOPE, case.reference, reason, INV1)
    wait_row(session, lambda s: case_row(s).status == "out_of_scope", "out of scope")
    card = wait_card(stub, case, "private contract")
    assert case_card.ASSIGN_SELF not in card and "<@U999>" not in card


def test_withdraw_and_timeline_commands(slack, stub, session):
    case = file_case(slack, session, anonymous=False)
    other = slack.command("/complaint", f"withdraw {case.reference}", user=OUTSIDER)
    assert case_row(session).status == "received" and "withdrawn" not in other.json()["text"]
    mine = slack.command("/complaint", f"withdraw {case.reference} Sorted it myself", user=SUPPLIER)
    assert "withdrawn" in mine.json()["text"]
    assert case_row(session).status == "withdrawn"
    timeline = slack.command("/complaint", f"timeline {case.reference}", user=INV1).json()["text"]
    assert case.reference in timeline
    unknown = slack.command("/complaint", "timeline MS-2026-9999", user=INV1).json()["text"]
    assert "MS-2026-9999" in unknown


def test_a_lead_reveals_an_anonymous_supplier_privately(slack, stub, session):
    case = file_case(slack, session, anonymous=True)
    mention(slack, case, INV1, "reveal")
    refused = wait_ephemeral(stub, INV1, "")
    assert SUPPLIER not in refused
    mention(slack, case, LEAD, "reveal")
    told = wait_ephemeral(stub, LEAD, SUPPLIER)
    assert json.loads(told)["user"] == LEAD


def test_app_home_for_investigators_and_suppliers(slack, stub, session):
    case = file_case(slack, session)
    ev.send_event(
        slack, {"type": "app_home_opened", "user": INV1, "channel": "DINV", "tab": "home"}
    )
    home = stub.wait_for_call("views.publish", user_id=INV1)
    assert case.reference in as_json(home.args) and "Unassigned" in as_json(home.args)
    ev.send_event(
        slack, {"type": "app_home_opened", "user": SUPPLIER, "channel": "DS", "tab": "home"}
    )
    mine = stub.wait_for_call("views.publish", user_id=SUPPLIER)
    assert case.reference in as_json(mine.args)
    assert "Unassigned" not in as_json(mine.args)


def test_database_down_during_a_transition_says_nothing_was_changed(backend, stub, tmp_path):
    from tests.test_requests_and_failures import _unreachable_engine

    broken = start_app(_unreachable_engine(backend[0], tmp_path), stub, **TEAM)
    try:
        event = ev.mention(TRIAGE, "1700000000.000001", INV1, "status triaged")
        assert ev.send_event(broken.slack, event).status == 200
        told = wait_ephemeral(stub, INV1, "nothing was changed")
        assert "database is unavailable" in told
        reply = ev.button(
            broken.slack, case_card.ASSIGN_SELF, "MS-2026-0001", user=INV2, channel=TRIAGE
        )
        assert reply.status == 200
        wait_ephemeral(stub, INV2, "nothing was changed")
    finally:
        broken.close()
    assert stub.of("chat.update") == [] and stub.of("chat.postMessage") == []


def test_two_quick_changes_leave_the_card_showing_the_latest(slack, stub, session):
    case = file_case(slack, session)
    ev.button(slack, case_card.DO, f"{case.reference}|triage", user=INV1, channel=TRIAGE)
    wait_row(session, lambda s: case_row(s).status == "triaged", "triaged")
    ev.button(slack, case_card.DO, f"{case.reference}|start", user=INV1, channel=TRIAGE)
    wait_row(session, lambda s: case_row(s).status == "investigating", "investigating")
    wait_card(stub, case, "Investigating")
    # Posts to one channel are paced (about one a second), so wait for every row to go out.
    wait_row(
        session,
        lambda s: all(m.status == "sent" for m in rows(s, OutboxMessage)),
        "every message sent",
        timeout=20.0,
    )
    last = card_updates(stub, case)[-1]
    assert "Investigating" in last and "Contacted authority" in last
    assert f"{case.reference}|start" not in last  # buttons fit the current state


def test_app_home_shows_a_host_their_places(slack, stub, session):
    from datetime import date

    from models import ShadowHost

    with Session(session.get_bind()) as s:
        s.add(
            ShadowHost(
                person_id=pid("UHOST1"), organisation="Ambridge Food Bank", contact_name="Jill",
                areas=["food"], region="midlands", mode="in_person", capacity=3,
                available_from=date(2027, 1, 1), available_to=date(2027, 6, 30),
                activities="Sorting donations <!here>",
            )
        )  # fmt: skip
        s.commit()
    ev.send_event(
        slack, {"type": "app_home_opened", "user": "UHOST1", "channel": "D", "tab": "home"}
    )
    home = as_json(stub.wait_for_call("views.publish", user_id="UHOST1").args)
    assert "Work-shadowing" in home and "Ambridge Food Bank" in home and "0 of 3 taken" in home
    assert "Your cases" not in home
