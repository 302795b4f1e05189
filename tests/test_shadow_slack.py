"""`/shadow` end to end: signed HTTP requests in, Web API calls and stored rows out.

Buttons are handled after the ack, so tests wait for the Web API call that ends each piece of
work (stub.wait_for_call) before reading the database.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View
from sqlmodel import Session

from bot.shadowing.signup import queue_position
from models import (
    OutboxMessage,
    ShadowApplicant,
    ShadowConflict,
    ShadowFeedback,
    ShadowHost,
    ShadowPlacement,
    ShadowRound,
)
from tests import forms
from tests.conftest import rows, start_app
from tests.people_ids import slack_id
from tests.slack_stub import RESPONSE_URL

COORD = "UCOORD"
APPLICANT, MANAGER, HOST, STRANGER = "U100", "U200", "U300", "U999"
DEPARTMENTS = ("Home Office", "Ministry of Justice", "Department for Education")
# The app's clock, consistent with conftest.TODAY (20 Nov 2026).
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


@pytest.fixture
def app(engine, stub):
    running = start_app(
        engine, stub, SHADOW_COORDINATOR_IDS=COORD, SHADOW_DEPARTMENTS=";".join(DEPARTMENTS)
    )
    running.services.now = lambda: NOW
    yield running
    running.close()


# --- building submissions -------------------------------------------------------------------


def _option(value: str) -> dict:
    return {"value": value, "text": {"type": "plain_text", "text": value}}


def multi(*values: str) -> dict:
    return {
        "value": {
            "type": "multi_static_select",
            "selected_options": [_option(v) for v in values],
        }
    }


def radio(value: str) -> dict:
    return {"value": {"type": "radio_buttons", "selected_option": _option(value)}}


def person(user_id: str | None) -> dict:
    return {"value": {"type": "users_select", "selected_user": user_id}}


def number(value) -> dict:
    return {"value": {"type": "number_input", "value": str(value)}}


def email(value: str) -> dict:
    return {"value": {"type": "email_text_input", "value": value}}


def _apply(values: dict, overrides: dict) -> dict:
    for key, value in overrides.items():
        if value is None:
            values.pop(key, None)
        else:
            values[key] = value
    return values


def signup_values(**overrides) -> dict:
    return _apply(
        {
            "department": forms.choice("Home Office"),
            "grade": forms.choice("HEO"),
            "role": forms.text("Policy adviser"),
            "region": forms.choice("london"),
            "mode": radio("either"),
            "interests": multi("health", "housing"),
            "learning_goals": forms.text("How small charities bid for council contracts."),
            "available_from": forms.day("2026-12-01"),
            "available_to": forms.day("2027-01-31"),
            "length": forms.choice("week"),
            "manager_id": person(MANAGER),
            "conflict_organisations": forms.text(""),
        },
        overrides,
    )


def host_values(**overrides) -> dict:
    return _apply(
        {
            "organisation": forms.text("Ambridge Mind"),
            "contact_name": forms.text("Jo Archer"),
            "contact_email": email("jo@ambridgemind.org.uk"),
            "areas": multi("health", "mental_health"),
            "region": forms.choice("london"),
            "mode": radio("either"),
            "capacity": number(2),
            "available_from": forms.day("2026-12-01"),
            "available_to": forms.day("2027-03-31"),
            "activities": forms.text("Sit in on our contracts team and visit two projects."),
            "conflict_departments": multi(),
        },
        overrides,
    )


# --- reading what the app sent --------------------------------------------------------------


def as_json(value):
    return json.loads(value) if isinstance(value, str) else value


def blocks(args: dict) -> list[dict]:
    return as_json(args.get("blocks")) or []


def buttons(args: dict) -> list[tuple[str, str]]:
    return [
        (e["action_id"], e["value"])
        for b in blocks(args)
        if b["type"] == "actions"
        for e in b["elements"]
    ]


def dm(stub, user: str, contains: str) -> dict:
    """Wait for a DM to ``user`` whose text contains ``contains``; return its arguments."""
    channel = f"D{user}"

    def found(calls):
        return [
            c.args
            for c in calls
            if c.method == "chat.postMessage"
            and c.args.get("channel") == channel
            and contains in json.dumps(c.args)
        ]

    return found(stub.wait_until(found, what=f"DM to {user} with {contains!r}"))[0]


def dms_to(stub, user: str) -> list[dict]:
    return [c.args for c in stub.of("chat.postMessage") if c.args.get("channel") == f"D{user}"]


def ephemeral(stub, user: str) -> dict:
    return stub.wait_for_call("chat.postEphemeral", user=user).args


def fresh(session: Session, model, id_):
    """A row as stored now, read in a short session of its own (see conftest.rows)."""
    with Session(session.get_bind()) as s:
        return s.get(model, id_)


def position(session: Session, applicant: ShadowApplicant) -> int | None:
    with Session(session.get_bind()) as s:
        return queue_position(s, applicant)


def assert_block_kit(blocks_: list[dict] | None = None, view: dict | None = None) -> None:
    """Slack rejects a whole message or view over one bad block: check each against
    slack-sdk's models, which know Block Kit's limits, and that none of our keys is unknown
    to them (it would be silently dropped here, and refused by Slack)."""
    if view is not None:
        model = View(**view)
        model.validate_json()
        assert model.to_dict()["blocks"] == view["blocks"]
    for block in blocks_ or ():
        model = Block.parse(block)
        model.validate_json()
        assert model.to_dict() == block


@pytest.fixture(autouse=True)
def _everything_sent_is_valid_block_kit(stub):
    yield
    for call in list(stub.calls):
        if call.method in ("chat.postMessage", "chat.update", "chat.postEphemeral", RESPONSE_URL):
            assert_block_kit(blocks(call.args))
        elif call.method == "views.open":
            assert_block_kit(view=as_json(call.args["view"]))


def shadow(slack, text: str = "", *, user: str = APPLICANT, **kw) -> dict:
    """`/shadow <text>`: the ephemeral answer, checked to be valid Block Kit."""
    answer = slack.command("/shadow", text, user=user, **kw).json()
    assert_block_kit(answer.get("blocks"))
    return answer


# --- steps ----------------------------------------------------------------------------------


def submit(slack, callback_id: str, values: dict, **kw):
    reply = slack.view_submission(callback_id, values, **kw)
    if reply.json().get("response_action") == "update":
        assert_block_kit(view=reply.json()["view"])
    return reply


def sign_up(slack, user=APPLICANT, **overrides):
    return submit(slack, "shadow_signup", signup_values(**overrides), user=user)


def offer_places(slack, user=HOST, **overrides):
    return submit(slack, "shadow_host", host_values(**overrides), user=user)


def click(slack, stub, action_id: str, value, *, user: str, channel: str, **kw):
    """Click a button in a DM and wait until the app has finished with it: it either updates
    the clicked message or tells the clicker why not."""
    before = len(stub.calls)
    ts = f"9.{len(stub.calls)}"
    reply = slack.block_action(
        action_id, str(value), user=user, channel=channel, message_ts=ts, **kw
    )
    assert reply.status == 200 and reply.body == ""

    def finished(calls):
        return [
            c
            for c in calls[before:]
            if (c.method == "chat.update" and c.args.get("ts") == ts)
            or (c.method == "chat.postEphemeral" and c.args.get("user") == user)
            or c.method == RESPONSE_URL
        ]

    return finished(stub.wait_until(finished, what=f"the outcome of {action_id}"))[0]


def approved_applicant(slack, stub, session, user=APPLICANT, **overrides) -> ShadowApplicant:
    assert sign_up(slack, user, **overrides).json()["response_action"] == "update"
    applicant = next(a for a in rows(session, ShadowApplicant) if slack_id(a.person_id) == user)
    dm(stub, MANAGER, f"<@{user}>")
    outcome = click(
        slack, stub, "shadow_approve", applicant.id, user=MANAGER, channel=f"D{MANAGER}"
    )
    assert outcome.method == "chat.update", outcome
    return fresh(session, ShadowApplicant, applicant.id)


def host(slack, session, user=HOST, **overrides) -> ShadowHost:
    assert offer_places(slack, user, **overrides).json()["response_action"] == "update"
    return [h for h in rows(session, ShadowHost) if slack_id(h.person_id) == user][-1]


def dry_run(slack, stub) -> dict:
    before = len(stub.of("chat.postEphemeral"))
    reply = slack.command("/shadow", "round", user=COORD)
    assert "Working" in reply.json()["text"]
    return stub.wait_for("chat.postEphemeral", before + 1)[before].args


def commit_round(slack, stub, summary: dict):
    [(action, value)] = buttons(summary)
    assert action == "shadow_round_commit"
    return click(
        slack,
        stub,
        action,
        value,
        user=COORD,
        channel="C999",
        ephemeral=True,
        response_url=stub.response_url,
    )


def matched(slack, stub, session) -> ShadowPlacement:
    """One approved applicant, one host, a committed round: the offer's placement."""
    approved_applicant(slack, stub, session)
    host(slack, session)
    commit_round(slack, stub, dry_run(slack, stub))
    # The offer has reached the applicant (the outbox paces each DM channel to 1 post/s).
    dm(stub, APPLICANT, "You have a work-shadowing offer")
    [placement] = rows(session, ShadowPlacement)
    return placement


# --- sign-up --------------------------------------------------------------------------------


def test_signup_modal_lists_configured_departments(slack, stub):
    slack.command("/shadow", "signup", trigger_id="trig-signup")
    call = stub.wait_for("views.open")[0]
    assert call.args["trigger_id"] == "trig-signup"
    view = as_json(call.args["view"])
    assert view["callback_id"] == "shadow_signup"
    by_id = {b.get("block_id"): b for b in view["blocks"]}
    department = by_id["department"]["element"]
    assert [o["value"] for o in department["options"]] == list(DEPARTMENTS)
    assert by_id["manager_id"]["element"]["type"] == "users_select"
    assert by_id["interests"]["element"]["type"] == "multi_static_select"
    assert by_id["conflict_organisations"].get("optional") is True
    assert len(view["title"]["text"]) <= 24


def test_signup_is_stored_and_the_manager_asked_to_approve(slack, stub, session):
    reply = sign_up(slack)
    assert reply.status == 200
    body = reply.json()
    assert body["response_action"] == "update"
    assert "<@U200>" in json.dumps(body["view"])

    [applicant] = rows(session, ShadowApplicant)
    assert applicant.status == "pending_approval" and slack_id(applicant.person_id) == APPLICANT
    assert applicant.department == "Home Office" and applicant.interests == ["health", "housing"]

    request = dm(stub, MANAGER, "<@U100>")
    assert buttons(request) == [
        ("shadow_approve", str(applicant.id)),
        ("shadow_decline", str(applicant.id)),
    ]
    text = json.dumps(request)
    for expected in ("Home Office", "Policy adviser", "1 Dec 2026", "31 Jan 2027", "bid for"):
        assert expected in text


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        (
            {"available_from": forms.day("2026-12-20"), "available_to": forms.day("2026-12-10")},
            "available_to",
            "before the start",
        ),
        (
            {"available_from": forms.day("2026-11-01"), "available_to": forms.day("2026-11-10")},
            "available_from",
            "past",
        ),
        ({"manager_id": None}, "manager_id", "line manager"),
        ({"manager_id": person(APPLICANT)}, "manager_id", "someone else"),
    ],
)
def test_bad_signups_are_explained_next_to_the_field(slack, stub, session, overrides, field, words):
    reply = sign_up(slack, **overrides)
    assert reply.status == 200
    body = reply.json()
    assert body["response_action"] == "errors"
    assert words in body["errors"][field]
    assert rows(session, ShadowApplicant) == [] and rows(session, OutboxMessage) == []


def test_second_active_signup_is_refused(slack, stub, session):
    sign_up(slack)
    answer = shadow(slack, "signup", trigger_id="trig-again")
    assert "already have an active sign-up" in answer["text"]
    assert "waiting for your line manager" in json.dumps(answer["blocks"])
    # A second modal that was already open is refused on submission too.
    again = sign_up(slack).json()
    assert again["response_action"] == "errors"
    assert "already have an active sign-up" in again["errors"]["department"]
    assert len(rows(session, ShadowApplicant)) == 1
    assert stub.of("views.open") == []


def test_manager_approves_and_the_applicant_is_told(slack, stub, session):
    sign_up(slack)
    [applicant] = rows(session, ShadowApplicant)
    dm(stub, MANAGER, "<@U100>")

    update = click(slack, stub, "shadow_approve", applicant.id, user=MANAGER, channel="DU200")
    assert update.method == "chat.update" and update.args["channel"] == "DU200"
    assert buttons(update.args) == []  # decided: the buttons are gone
    assert "Approved" in json.dumps(update.args)

    stored = fresh(session, ShadowApplicant, applicant.id)
    assert stored.status == "queued" and stored.queued_at is not None
    result = dm(stub, APPLICANT, "approved")
    assert "number 1 in the queue" in json.dumps(result)


def test_manager_declines(slack, stub, session):
    sign_up(slack)
    [applicant] = rows(session, ShadowApplicant)
    click(slack, stub, "shadow_decline", applicant.id, user=MANAGER, channel="DU200")
    assert fresh(session, ShadowApplicant, applicant.id).status == "declined"
    dm(stub, APPLICANT, "did not approve")
    # Declined is not active: they may sign up again.
    assert sign_up(slack).json()["response_action"] == "update"


def test_only_the_named_manager_can_approve(slack, stub, session):
    sign_up(slack)
    [applicant] = rows(session, ShadowApplicant)
    outcome = click(slack, stub, "shadow_approve", applicant.id, user=STRANGER, channel="DU999")
    assert outcome.method == "chat.postEphemeral"
    assert outcome.args["channel"] == "DU999"
    assert "Only the line manager" in outcome.args["text"]
    assert fresh(session, ShadowApplicant, applicant.id).status == "pending_approval"
    assert stub.of("chat.update") == []


def test_repeated_click_delivery_is_handled_once(slack, stub, session):
    sign_up(slack)
    [applicant] = rows(session, ShadowApplicant)
    dm(stub, MANAGER, "<@U100>")
    first = slack.block_action(
        "shadow_approve", str(applicant.id), user=MANAGER, channel="DU200", trigger_id="trig-x"
    )
    second = slack.block_action(
        "shadow_approve", str(applicant.id), user=MANAGER, channel="DU200", trigger_id="trig-x"
    )
    assert first.status == second.status == 200
    dm(stub, APPLICANT, "approved")
    # A later, distinct click is answered: had the repeat been processed, its answer (an
    # ephemeral "already approved") would have come before this one.
    click(slack, stub, "shadow_approve", applicant.id, user=MANAGER, channel="DU200")
    refusals = [c.args["text"] for c in stub.of("chat.postEphemeral")]
    assert len(refusals) == 1 and "already been approved" in refusals[0]
    assert len(stub.of("chat.update")) == 1
    results = [m for m in rows(session, OutboxMessage) if m.kind == "shadow.approval_result"]
    assert len(results) == 1


def test_user_text_is_escaped_in_the_manager_dm(slack, stub):
    sign_up(
        slack,
        role=forms.text("<!channel>"),
        learning_goals=forms.text("<https://evil.example|gov.uk> & <@U123>"),
    )
    request = json.dumps(dm(stub, MANAGER, "<@U100>"))
    assert "&lt;!channel&gt;" in request
    assert "&lt;https://evil.example|gov.uk&gt; &amp; &lt;@U123&gt;" in request
    for raw in ("<!channel>", "<https://evil", "<@U123>"):
        assert raw not in json.dumps([c.args for c in stub.calls])


# --- hosts ----------------------------------------------------------------------------------


def test_host_modal_and_offer(slack, stub, session):
    slack.command("/shadow", "host", user=HOST)
    view = as_json(stub.wait_for("views.open")[0].args["view"])
    assert view["callback_id"] == "shadow_host"
    by_id = {b.get("block_id"): b for b in view["blocks"]}
    capacity = by_id["capacity"]["element"]
    assert capacity["type"] == "number_input" and capacity["is_decimal_allowed"] is False
    assert (capacity["min_value"], capacity["max_value"]) == ("1", "20")
    assert by_id["contact_email"]["element"]["type"] == "email_text_input"
    options = [o["value"] for o in by_id["conflict_departments"]["element"]["options"]]
    assert options == list(DEPARTMENTS)

    body = offer_places(slack).json()
    assert body["response_action"] == "update"
    [stored] = rows(session, ShadowHost)
    assert stored.organisation == "Ambridge Mind" and stored.capacity == 2
    assert f"/shadow places {stored.id}" in json.dumps(body["view"])


@pytest.mark.parametrize("places", [0, 21])
def test_host_capacity_out_of_range_is_refused_next_to_the_field(slack, session, places):
    body = offer_places(slack, capacity=number(places)).json()
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"capacity"}
    assert rows(session, ShadowHost) == []


# --- rounds, offers, placements -------------------------------------------------------------


def test_only_coordinators_run_rounds_and_see_reports_and_conflicts(slack, session):
    for sub in ("round", "report", "conflicts", "clear 1 safeguards"):
        text = shadow(slack, sub, user=APPLICANT)["text"]
        assert text.startswith("Only work-shadowing coordinators can"), text
    assert rows(session, ShadowRound) == []


def test_round_dry_run_then_commit_sends_offers_to_both_sides(slack, stub, session):
    applicant = approved_applicant(slack, stub, session)
    offered_by = host(slack, session)

    summary = dry_run(slack, stub)
    assert summary["channel"] == "C999" and summary["user"] == COORD
    text = json.dumps(summary)
    assert "Would be matched: 1" in text and "Applicants in the queue: 1" in text
    [the_round] = rows(session, ShadowRound)
    assert the_round.status == "dry_run"
    assert buttons(summary) == [("shadow_round_commit", str(the_round.id))]
    assert rows(session, ShadowPlacement) == []

    result = commit_round(slack, stub, summary)
    assert result.method == RESPONSE_URL and result.args["replace_original"] is True
    assert "committed" in result.args["text"] and buttons(result.args) == []
    [placement] = rows(session, ShadowPlacement)
    assert (placement.applicant_id, placement.host_id) == (applicant.id, offered_by.id)
    assert placement.status == "offered"

    to_applicant = dm(stub, APPLICANT, "offer")
    assert "Ambridge Mind" in json.dumps(to_applicant)
    to_host = dm(stub, HOST, "matched")
    assert "Home Office" in json.dumps(to_host)
    expected = [
        ("shadow_offer_accept", str(placement.id)),
        ("shadow_offer_decline", str(placement.id)),
    ]
    assert buttons(to_applicant) == buttons(to_host) == expected

    again = commit_round(slack, stub, summary)
    assert again.method == "chat.postEphemeral" and "already been committed" in again.args["text"]
    assert len(rows(session, ShadowPlacement)) == 1


def test_both_sides_accept_and_the_placement_is_confirmed(slack, stub, session):
    placement = matched(slack, stub, session)
    dm(stub, HOST, "matched")

    mine = click(slack, stub, "shadow_offer_accept", placement.id, user=APPLICANT, channel="DU100")
    assert mine.method == "chat.update" and buttons(mine.args) == []
    assert "You accepted" in json.dumps(mine.args)
    assert fresh(session, ShadowPlacement, placement.id).status == "offered"

    theirs = click(slack, stub, "shadow_offer_accept", placement.id, user=HOST, channel="DU300")
    assert theirs.method == "chat.update"
    assert fresh(session, ShadowPlacement, placement.id).status == "accepted"

    for user in (APPLICANT, HOST):
        confirmed = dm(stub, user, "is confirmed")
        assert buttons(confirmed) == [
            ("shadow_schedule_open", str(placement.id)),
            ("shadow_complete", str(placement.id)),
        ]
    assert "jo@ambridgemind.org.uk" in json.dumps(dm(stub, APPLICANT, "is confirmed"))
    assert "<@U100>" in json.dumps(dm(stub, HOST, "is confirmed"))


def test_declined_offer_returns_the_applicant_to_the_same_place_in_the_queue(slack, stub, session):
    first = approved_applicant(slack, stub, session)
    second = approved_applicant(slack, stub, session, user="U101")
    assert position(session, first) == 1 and position(session, second) == 2
    host(slack, session, capacity=number(1))
    commit_round(slack, stub, dry_run(slack, stub))
    [placement] = rows(session, ShadowPlacement)
    assert placement.applicant_id == first.id  # waited longest

    outcome = click(
        slack, stub, "shadow_offer_decline", placement.id, user=APPLICANT, channel="DU100"
    )
    assert outcome.method == "chat.update" and buttons(outcome.args) == []
    assert fresh(session, ShadowPlacement, placement.id).status == "declined"
    back = fresh(session, ShadowApplicant, first.id)
    assert back.status == "queued" and back.queued_at == first.queued_at
    assert position(session, back) == 1
    assert position(session, fresh(session, ShadowApplicant, second.id)) == 2
    dm(stub, HOST, "was declined")


def test_accepting_an_expired_offer_changes_nothing(slack, stub, session):
    placement = matched(slack, stub, session)
    with Session(session.get_bind()) as s:
        stored = s.get(ShadowPlacement, placement.id)
        stored.expires_at = NOW - timedelta(days=1)
        s.add(stored)
        s.commit()

    outcome = click(
        slack, stub, "shadow_offer_accept", placement.id, user=APPLICANT, channel="DU100"
    )
    assert outcome.method == "chat.postEphemeral" and "expired" in outcome.args["text"]
    after = fresh(session, ShadowPlacement, placement.id)
    assert after.applicant_response is None and after.status in ("offered", "expired")
    assert [c for c in stub.of("chat.update") if c.args["channel"] == "DU100"] == []


def test_someone_elses_offer_cannot_be_answered(slack, stub, session):
    placement = matched(slack, stub, session)
    outcome = click(
        slack, stub, "shadow_offer_accept", placement.id, user=STRANGER, channel="DU999"
    )
    assert outcome.method == "chat.postEphemeral"
    assert outcome.args["text"] == "This offer isn't addressed to you."
    after = fresh(session, ShadowPlacement, placement.id)
    assert (after.status, after.applicant_response, after.host_response) == ("offered", None, None)


def test_schedule_complete_and_feedback(app, slack, stub, session):
    placement = matched(slack, stub, session)
    click(slack, stub, "shadow_offer_accept", placement.id, user=APPLICANT, channel="DU100")
    click(slack, stub, "shadow_offer_accept", placement.id, user=HOST, channel="DU300")
    dm(stub, APPLICANT, "is confirmed")

    slack.block_action(
        "shadow_schedule_open", str(placement.id), user=APPLICANT, trigger_id="trig-dates"
    )
    view = as_json(stub.wait_for_call("views.open", trigger_id="trig-dates").args["view"])
    assert view["callback_id"] == "shadow_schedule" and view["private_metadata"] == str(
        placement.id
    )
    values = {"start_date": forms.day("2026-12-07"), "end_date": forms.day("2026-12-11")}
    reply = submit(
        slack, "shadow_schedule", values, user=APPLICANT, private_metadata=str(placement.id)
    )
    assert reply.json()["response_action"] == "update"
    assert fresh(session, ShadowPlacement, placement.id).status == "scheduled"
    dm(stub, HOST, "7 Dec 2026")

    early = click(slack, stub, "shadow_complete", placement.id, user=HOST, channel="DU300")
    assert early.method == "chat.postEphemeral" and "starts on" in early.args["text"]
    app.services.today = lambda: date(2026, 12, 11)
    done = click(slack, stub, "shadow_complete", placement.id, user=HOST, channel="DU300")
    assert done.method == "chat.update" and buttons(done.args) == []
    assert fresh(session, ShadowPlacement, placement.id).status == "completed"
    request = dm(stub, APPLICANT, "How did your placement")
    assert buttons(request) == [("shadow_feedback_open", str(placement.id))]

    slack.block_action(
        "shadow_feedback_open", str(placement.id), user=APPLICANT, trigger_id="trig-feedback"
    )
    view = as_json(stub.wait_for_call("views.open", trigger_id="trig-feedback").args["view"])
    assert view["callback_id"] == "shadow_feedback"
    answers = {
        "worthwhile": radio("5"),
        "learned": forms.text("How thin the margins on a grant are."),
        "would_recommend": radio("yes"),
    }
    reply = submit(
        slack, "shadow_feedback", answers, user=APPLICANT, private_metadata=str(placement.id)
    )
    assert reply.json()["response_action"] == "update"
    [feedback] = rows(session, ShadowFeedback)
    assert (feedback.side, feedback.worthwhile, feedback.would_recommend) == (
        "applicant",
        5,
        True,
    )

    # A stranger gets no form.
    outcome = click(
        slack, stub, "shadow_feedback_open", placement.id, user=STRANGER, channel="DU999"
    )
    assert "isn't one of yours" in outcome.args["text"]


def test_places_cannot_drop_below_places_accepted(slack, stub, session):
    approved_applicant(slack, stub, session)
    approved_applicant(slack, stub, session, user="U101")
    offered_by = host(slack, session, capacity=number(3))
    commit_round(slack, stub, dry_run(slack, stub))
    for placement in rows(session, ShadowPlacement):
        applicant = fresh(session, ShadowApplicant, placement.applicant_id)
        user = slack_id(applicant.person_id)
        click(slack, stub, "shadow_offer_accept", placement.id, user=user, channel=f"D{user}")
        click(slack, stub, "shadow_offer_accept", placement.id, user=HOST, channel="DU300")
    assert {p.status for p in rows(session, ShadowPlacement)} == {"accepted"}

    refused = shadow(slack, f"places {offered_by.id} 1", user=HOST)["text"]
    assert refused.startswith("Nothing changed.") and "2" in refused
    assert fresh(session, ShadowHost, offered_by.id).capacity == 3

    ok = shadow(slack, f"places {offered_by.id} 2", user=HOST)["text"]
    assert "now offers 2 places" in ok
    assert fresh(session, ShadowHost, offered_by.id).capacity == 2

    theirs = shadow(slack, f"places {offered_by.id} 5", user=STRANGER)["text"]
    assert theirs.startswith("Nothing changed.")
    usage = shadow(slack, "places lots", user=HOST)["text"]
    assert "/shadow places 12 3" in usage


# --- conflicts of interest ------------------------------------------------------------------


def test_conflict_is_never_matched_and_its_reason_stays_with_coordinators(slack, stub, session):
    applicant = approved_applicant(slack, stub, session)
    host(slack, session, conflict_departments=multi("Home Office"))
    [conflict] = rows(session, ShadowConflict)
    reason = conflict.reason
    assert reason

    summary = dry_run(slack, stub)
    text = json.dumps(summary)
    assert "Would be matched: 0" in text and "conflict of interest: 1" in text
    assert buttons(summary) == []

    status = shadow(slack, "status", user=APPLICANT)
    assert "conflict" not in json.dumps(status).lower()
    listed = shadow(slack, "conflicts", user=COORD)
    assert f"Conflict {conflict.id}" in json.dumps(listed)
    assert reason.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") in json.dumps(
        listed
    )

    everything = json.dumps([c.args for c in stub.calls])
    assert reason not in everything
    assert fresh(session, ShadowApplicant, applicant.id).status == "queued"
    assert rows(session, ShadowPlacement) == []


def test_coordinator_clears_a_conflict(slack, stub, session):
    approved_applicant(slack, stub, session)
    host(slack, session, conflict_departments=multi("Home Office"))
    [conflict] = rows(session, ShadowConflict)
    answer = shadow(slack, f"clear {conflict.id} Will not see the grants papers", user=COORD)
    assert f"Conflict {conflict.id} is cleared" in answer["text"]
    stored = fresh(session, ShadowConflict, conflict.id)
    assert stored.status == "cleared" and stored.safeguards == "Will not see the grants papers"
    assert "Would be matched: 1" in json.dumps(dry_run(slack, stub))
    assert "no active conflicts" in shadow(slack, "conflicts", user=COORD)["text"]


# --- status, withdraw, report, help ---------------------------------------------------------


def test_status_shows_signup_hosting_and_placements(slack, stub, session):
    empty = shadow(slack, "status")
    assert "/shadow signup" in json.dumps(empty)

    sign_up(slack)
    pending = json.dumps(shadow(slack, "status"))
    assert "waiting for your line manager" in pending and "<@U200>" in pending

    placement = matched_after_signup(slack, stub, session)
    mine = json.dumps(shadow(slack, "status"))
    assert f"Placement {placement.id}" in mine and "Ambridge Mind" in mine
    theirs = json.dumps(shadow(slack, "status", user=HOST))
    assert "1 of 2 places" in theirs and "Home Office" in theirs


def matched_after_signup(slack, stub, session) -> ShadowPlacement:
    [applicant] = rows(session, ShadowApplicant)
    click(slack, stub, "shadow_approve", applicant.id, user=MANAGER, channel="DU200")
    host(slack, session)
    commit_round(slack, stub, dry_run(slack, stub))
    [placement] = rows(session, ShadowPlacement)
    return placement


def test_withdraw(slack, stub, session):
    assert "no active sign-up" in shadow(slack, "withdraw")["text"]
    sign_up(slack)
    answer = shadow(slack, "withdraw changed teams")
    assert "withdrawn" in answer["text"]
    [applicant] = rows(session, ShadowApplicant)
    assert applicant.status == "withdrawn" and applicant.withdrawn_reason == "changed teams"


def test_coordinator_report(slack, stub, session):
    approved_applicant(slack, stub, session)
    reply = shadow(slack, "report", user=COORD)
    assert "Working" in reply["text"]
    posted = stub.wait_for_call("chat.postEphemeral", user=COORD).args
    assert blocks(posted)[0]["type"] == "header"


def test_help_and_unknown_subcommand(slack):
    text = shadow(slack, "help")["text"]
    for usage in (
        "signup",
        "host",
        "status",
        "places &lt;host&gt; &lt;number&gt;",
        "withdraw [reason]",
    ):
        assert f"`/shadow {usage}`" in text
    assert "`/shadow round`" in text
    assert "`/shadow clear &lt;conflict&gt; &lt;safeguards&gt;`" in text
    assert shadow(slack, "")["text"] == text
    unknown = shadow(slack, "frobnicate")["text"]
    assert "frobnicate" in unknown and "`/shadow help`" in unknown


def test_round_summary_goes_by_dm_where_an_ephemeral_message_cannot(slack, stub, session):
    approved_applicant(slack, stub, session)
    host(slack, session)
    stub.fail("chat.postEphemeral", error="channel_not_found")
    assert "Working" in shadow(slack, "round", user=COORD)["text"]
    summary = dm(stub, COORD, "Would be matched: 1")
    [(action, value)] = buttons(summary)
    # Not ephemeral, so the click updates the DM itself.
    result = click(slack, stub, action, value, user=COORD, channel="DUCOORD")
    assert result.method == "chat.update" and "committed" in result.args["text"]
    assert len(rows(session, ShadowPlacement)) == 1


def test_host_ends_a_placement_and_the_applicant_keeps_their_place_in_the_queue(
    slack, stub, session
):
    placement = matched(slack, stub, session)
    applicant = fresh(session, ShadowApplicant, placement.applicant_id)
    queued_at = applicant.queued_at
    refused = shadow(slack, f"end {placement.id} not mine", user="UNOBODY")
    assert "Nothing changed" in refused["text"]
    assert fresh(session, ShadowPlacement, placement.id).status == "offered"
    assert "Say which placement" in shadow(slack, "end", user=HOST)["text"]

    answer = shadow(slack, f"end {placement.id} <!channel> staff shortage", user=HOST)
    assert "withdrawn" in answer["text"]
    ended = fresh(session, ShadowPlacement, placement.id)
    assert ended.status == "withdrawn" and ended.end_reason == "<!channel> staff shortage"
    back = fresh(session, ShadowApplicant, placement.applicant_id)
    assert back.status == "queued" and back.queued_at == queued_at
    again = shadow(slack, f"end {placement.id}", user=HOST)
    assert "Nothing changed" in again["text"]
    # The applicant is told, and the host's reason is never echoed unescaped.
    dm(stub, APPLICANT, "withdrawn")
    assert "<!channel>" not in json.dumps([c.args for c in stub.calls])
