"""Defects found in use (issue 14: items 7, 9 to 14), each reproduced over signed HTTP to the
app on SQLite and PostgreSQL, and shown fixed: forms stored once, scopes enforced as Slack
enforces them, people named by the front end, one transaction for follow-up and close, the
words people read, who "Assign to…" offers, and the resolve form's follow-up choice."""

from __future__ import annotations

import json
import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import people, permissions
from bot.complaints import investigation, lifecycle
from bot.complaints.intake import TRIAGE_CARD
from bot.db import transaction
from bot.permissions import Actor
from bot.shadowing.views import RoundView
from handlers.local.scopes import manifest_scopes
from handlers.slack.complaints import case_card
from handlers.slack.complaints import investigation_forms as forms_ui
from handlers.slack.shadowing.round_blocks import round_committed, round_summary
from models import Complaint, ComplaintEvent, OutboxMessage, PlatformAccount, ShadowConflict
from tests import forms
from tests import investigation_slack as ev
from tests.conftest import TRIAGE, rows, start_app
from tests.people_ids import pid, slack_id
from tests.test_investigation_slack import (
    INV1,
    INV2,
    LEAD,
    OUTSIDER,
    SUPPLIER,
    as_json,
    case_row,
    file_case,
    press_form_button,
    resolve_values,
    submit_form,
    wait_ephemeral,
    wait_row,
)
from tests.test_shadow_core_placements import _offer
from tests.test_shadow_core_support import NOW, host
from tests.test_shadow_core_support import applicant as signed_up

COORDINATOR = "UCOORD1"
TEAM = {
    "INVESTIGATOR_IDS": f"{INV1},{INV2}",
    "LEAD_IDS": LEAD,
    "SHADOW_COORDINATOR_IDS": COORDINATOR,
}
SPOT_CHECK = "complaint_spot_check"
NAMES = {INV1: "Ines Khan", INV2: "Ivan Petrov", LEAD: "Alex Lead", SUPPLIER: "Sam Patel"}


@pytest.fixture
def team_app(engine, stub):
    stub.people.update(NAMES)
    running = start_app(engine, stub, **TEAM)
    yield running
    running.close()


@pytest.fixture
def slack(team_app):
    return team_app.slack


def reference_in(reply) -> str:
    found = re.search(r"MS-\d{4}-\d{4}", json.dumps(reply.json()))
    assert found, reply.body
    return found.group(0)


def at_once(n: int, fn) -> list:
    """``fn()`` on ``n`` threads released together; their results."""
    gate, results = threading.Barrier(n), []

    def run():
        gate.wait()
        results.append(fn())

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(results) == n
    return results


# --- 7. one create-once routine for every form ----------------------------------------------


def test_a_spot_check_submitted_twice_or_at_once_is_stored_once(slack, session):
    values = forms.complaint(organisation_name=None, organisation_type=None, anonymous=None)

    def submit(view_id):
        return slack.view_submission(SPOT_CHECK, values, user=INV1, view_id=view_id)

    first, again = submit("VSPOT0001"), submit("VSPOT0001")
    assert first.json()["response_action"] == again.json()["response_action"] == "update"
    assert reference_in(first) == reference_in(again)
    raced = at_once(4, lambda: submit("VSPOT0002"))
    assert len({reference_in(r) for r in raced}) == 1

    cases = rows(session, Complaint)
    assert sorted(c.submission_key for c in cases) == ["VSPOT0001", "VSPOT0002"]
    assert {c.reference for c in cases} == {reference_in(first), reference_in(raced[0])}
    cards = [m for m in rows(session, OutboxMessage) if m.kind == TRIAGE_CARD]
    assert len(cards) == 2  # one triage card each
    received = [e for e in rows(session, ComplaintEvent) if e.kind == "received"]
    assert len(received) == 2


def test_a_conflict_form_submitted_twice_or_at_once_is_recorded_once(slack, engine, session):
    signed_up(engine, pid("U1"), queued_at=NOW)
    offered = host(engine, pid("UH1"))
    values = {
        "applicant_id": {"value": {"type": "users_select", "selected_user": "U1"}},
        "host_id": forms.choice(str(offered.id)),
        "reason": forms.text("Their sister runs the charity."),
    }

    def submit(view_id):
        return slack.view_submission("shadow_conflict", values, user=COORDINATOR, view_id=view_id)

    assert submit("VCONF0001").json()["response_action"] == "update"
    assert submit("VCONF0001").json()["response_action"] == "update"
    at_once(3, lambda: submit("VCONF0002"))
    recorded = rows(session, ShadowConflict)
    assert sorted(c.submission_key for c in recorded) == ["VCONF0001", "VCONF0002"]


# --- 9. the fake Slack enforces the installed manifest's scopes -----------------------------


def test_the_fake_slack_refuses_a_call_the_installed_scopes_do_not_allow(stub):
    client = WebClient(token="xoxb-test-token", base_url=stub.url)
    granted = manifest_scopes()
    assert "files:write" in granted and "users:read" in granted
    # As installed from manifest.yml, an upload and a name look-up are allowed...
    client.files_upload_v2(channel="CLEADS01", content="a,b\n", filename="r.csv", title="r")
    stub.people[INV1] = "Ines Khan"
    assert client.users_info(user=INV1)["user"]["profile"]["display_name"] == "Ines Khan"
    # ...and refused, as Slack refuses them, by an app installed without their scopes.
    before = granted - {"files:write", "users:read"}
    stub.install(before)
    with pytest.raises(SlackApiError) as refused:
        client.files_upload_v2(channel="CLEADS01", content="a,b\n", filename="r.csv", title="r")
    answer = refused.value.response.data
    assert answer["error"] == "missing_scope" and answer["needed"] == "files:write"
    assert set(answer["provided"].split(",")) == before
    with pytest.raises(SlackApiError, match="missing_scope"):
        client.users_info(user=INV1)
    # Reading a conversation needs the scope of its kind (a DM: im:history).
    stub.install({"im:history"})
    assert client.conversations_history(channel="DU1")["ok"]
    with pytest.raises(SlackApiError) as channel:
        client.conversations_history(channel=TRIAGE)
    assert channel.value.response.data["needed"] == "channels:history"
    stub.reset()  # back to the manifest's scopes
    assert stub.granted == granted


def test_without_files_write_the_report_upload_fails_with_missing_scope(engine, stub):
    """What a real workspace did with the manifests that lacked files:write."""
    from tests.test_reports import PLANTED, hand_data_set

    stub.install(manifest_scopes() - {"files:write"})
    running = start_app(engine, stub, LEAD_IDS=LEAD)
    try:
        hand_data_set(engine, **PLANTED)
        running.slack.command("/complaint", "report 2025 csv", user=LEAD)
        asked = stub.wait_for_call("files.getUploadURLExternal")
        assert asked.response["error"] == "missing_scope"
        assert asked.response["needed"] == "files:write"
        assert stub.of("files.completeUploadExternal") == [] and stub.uploads == {}
    finally:
        running.close()


# --- 10. the core names people by id; the Slack adapter renders the mention -----------------


def test_a_refusal_naming_a_person_shows_them_as_a_mention_not_escaped_markup(slack, stub, session):
    case = file_case(slack, session)
    pick(slack, case, OUTSIDER, by=INV1)
    said = wait_ephemeral(stub, INV1, "not an investigator or lead")
    assert f"<@{OUTSIDER}> is not an investigator or lead" in said
    assert "&lt;@" not in said
    ev.button(slack, case_card.ASSIGN_SELF, case.reference, user=INV2, channel=TRIAGE)
    wait_row(session, lambda s: slack_id(case_row(s).assignee_id) == INV2, "assigned to INV2")
    ev.button(slack, case_card.ASSIGN_SELF, case.reference, user=INV1, channel=TRIAGE)
    said = wait_ephemeral(stub, INV1, "already has this case")
    assert f"<@{INV2}> already has this case" in said and "&lt;@" not in said


# --- 11. follow-up and close: one transaction -----------------------------------------------


def test_a_refused_close_leaves_no_follow_up_recorded(slack, engine, session):
    case = file_case(slack, session)
    now = datetime.now(UTC)
    staff = permissions.Actor(pid(INV1), frozenset({permissions.INVESTIGATOR}))
    for action in ("triage", "start"):
        investigation.perform(engine, case.reference, action, staff, now)
    investigation.perform(
        engine,
        case.reference,
        "resolve",
        staff,
        now,
        outcome="recommendation_accepted",
        agreed_actions="The council extends the deadline.",
        public_summary="A council gave suppliers more time to bid.",
        follow_up_due=lifecycle.uk_today(now) + timedelta(days=30),
    )
    events_before = len(rows(session, ComplaintEvent))
    values = {
        "follow_up_result": forms.radio("yes"),
        # Longer than the core keeps: the close is refused.
        "follow_up_note": forms.text("x" * (lifecycle.MAX_REASON + 1)),
    }
    reply = submit_form(slack, forms_ui.FOLLOW_UP, case.reference, values, INV1)
    assert "follow_up_note" in reply.json()["errors"]
    refused = case_row(session)
    assert refused.status == "resolved" and refused.follow_up_result is None
    assert len(rows(session, ComplaintEvent)) == events_before  # not moved to follow_up
    values["follow_up_note"] = forms.text("Checked: the deadline was extended.")
    reply = submit_form(slack, forms_ui.FOLLOW_UP, case.reference, values, INV1)
    assert reply.status == 200 and "errors" not in (reply.body or "")
    closed = case_row(session)
    assert (closed.status, closed.follow_up_result) == ("closed", "yes")
    moves = [e.data["action"] for e in rows(session, ComplaintEvent) if e.kind == "transition"]
    assert moves[-2:] == ["follow_up", "close"]


# --- 12. the words people read --------------------------------------------------------------


def status_text(slack, user) -> str:
    return json.dumps(slack.command("/shadow", "status", user=user).json())


def home_text(slack, stub, user) -> str:
    before = len(stub.of("views.publish"))
    ev.send_event(slack, {"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home"})
    return as_json(stub.wait_for("views.publish", before + 1)[-1].args)


def test_an_offer_says_whose_answer_it_waits_for_and_confirmed_means_one_thing(slack, stub, engine):
    from bot.shadowing import placements

    p, _ = _offer(engine)  # U1 offered a place at UH1's host
    assert "offered, waiting for both sides to reply" in status_text(slack, "U1")
    placements.respond(engine, p.id, actor=Actor(pid("U1")), accept=True, now=NOW)
    assert "you accepted, waiting for the host to reply" in status_text(slack, "U1")
    assert "the civil servant accepted, waiting for your reply" in status_text(slack, "UH1")
    assert "the civil servant accepted, waiting for your reply" in home_text(slack, stub, "UH1")
    placements.respond(engine, p.id, actor=Actor(pid("UH1")), accept=True, now=NOW)
    for user in ("U1", "UH1"):
        assert "confirmed" in status_text(slack, user)
        home = home_text(slack, stub, user)
        assert f"Placement #{p.id}: confirmed" in home and "accepted" not in home


@pytest.mark.parametrize(
    ("n", "offers_go", "were_sent", "days"),
    [
        (1, "Offers go to 1 applicant and", "1 offer was sent", "1 day to accept"),
        (2, "Offers go to 2 applicants and", "2 offers were sent", "2 days to accept"),
    ],
)
def test_round_messages_count_in_the_right_number(n, offers_go, were_sent, days):
    summary = {"matched": n, "offers": n, "queued": n, "places": n}
    _, blocks = round_summary(RoundView(id=3, status="dry_run", summary=summary))
    assert offers_go in json.dumps(blocks)
    _, blocks = round_committed(RoundView(id=3, status="committed", summary=summary), n)
    assert were_sent in json.dumps(blocks) and days in json.dumps(blocks)


@pytest.mark.parametrize("anonymous", [True, False])
def test_the_timeline_opens_with_a_sentence_naming_no_filer(slack, session, anonymous):
    case = file_case(slack, session, anonymous=anonymous)
    text = slack.command("/complaint", f"timeline {case.reference}", user=INV1).json()["text"]
    first = text.splitlines()[1]
    assert first.endswith(": Complaint received"), first
    assert SUPPLIER not in text


# --- 13. "Assign to…" offers only the people who may take the case -------------------------


def assign_menu(stub, case) -> dict:
    def menus(calls):
        found = []
        for c in calls:
            if (
                c.method in ("chat.postMessage", "chat.update")
                and c.values.get("channel") == TRIAGE
            ):
                for block in c.values.get("blocks") or []:
                    for element in block.get("elements") or []:
                        if element.get("action_id") == case_card.ASSIGN_TO:
                            found.append(element)
        return found

    return menus(stub.wait_until(menus, what="a card with its assign menu"))[-1]


def pick(slack, case, chosen: str, *, by: str):
    return ev.interactive(
        slack,
        {
            "type": "block_actions",
            "user": {"id": by, "username": by, "team_id": "T1"},
            "container": {"type": "message", "channel_id": TRIAGE, "message_ts": case.card_ts},
            "channel": {"id": TRIAGE},
            "message": {"ts": case.card_ts, "text": "x"},
            "response_url": "http://127.0.0.1:9/actions/1",
            "actions": [
                {
                    "action_id": case_card.ASSIGN_TO,
                    "block_id": f"case|{case.reference}",
                    "type": "static_select",
                    "selected_option": {
                        "value": chosen,
                        "text": {"type": "plain_text", "text": chosen},
                    },
                    "action_ts": "1.2",
                }
            ],
        },
    )


def test_assign_to_offers_the_team_by_name_and_refuses_a_forged_pick(slack, stub, session):
    case = file_case(slack, session)
    menu = assign_menu(stub, case)
    assert menu["type"] == "static_select"  # not a picker of everyone in the workspace
    offered = [(o["value"], o["text"]["text"]) for o in menu["options"]]
    assert offered == [(LEAD, "Alex Lead"), (INV1, "Ines Khan"), (INV2, "Ivan Petrov")]
    assert SUPPLIER not in json.dumps(menu) and "Sam Patel" not in json.dumps(menu)

    pick(slack, case, SUPPLIER, by=INV1)  # a forged value: nobody offered it
    wait_ephemeral(stub, INV1, f"<@{SUPPLIER}> is not an investigator or lead")
    assert slack_id(case_row(session).assignee_id) is None

    pick(slack, case, INV2, by=INV1)
    wait_row(session, lambda s: slack_id(case_row(s).assignee_id) == INV2, "assigned from the menu")
    # The card redrawn for its assignee no longer offers them.
    stub.wait_until(
        lambda calls: any(
            c.method == "chat.update" and "Ivan Petrov" not in as_json(c.args) for c in calls
        ),
        what="card without the assignee in its menu",
    )


def test_assign_to_offers_everyone_on_the_team_with_a_slack_account_once(engine, stub, session):
    """Role settings may name people by Slack id, Teams id or email: the menu lists, once
    each, every one of them who has a Slack account."""
    nora, teams_only = "nora.quinn@example.gov.uk", "29:1teamsOnlyPerson"
    with transaction(engine) as s:
        # Nora is named by her email; she has used msbot from Slack (and from Teams).
        found = people.person_for(s, people.SLACK, "T1", "UNORA1", "Nora Q", email=nora)
        s.add(PlatformAccount(person_id=found.id, platform=people.TEAMS, user_id="29:1noraQ"))
        # Named by their Teams id only, with no Slack account: Slack cannot offer them.
        people.person_for(s, people.TEAMS, "tenant", teams_only, "Tom Teams")
        # The lead is named twice, by Slack id and by email: offered once.
        people.person_for(s, people.SLACK, "T1", LEAD, email="alex.lead@example.gov.uk")
    stub.people.update({**NAMES, "UNORA1": "Nora Quinn"})
    running = start_app(
        engine,
        stub,
        INVESTIGATOR_IDS=f"{INV1},{nora},{teams_only}",
        LEAD_IDS=f"{LEAD},alex.lead@example.gov.uk",
    )
    try:
        case = file_case(running.slack, session)
        menu = assign_menu(stub, case)
        offered = [(o["value"], o["text"]["text"]) for o in menu["options"]]
        assert offered == [(LEAD, "Alex Lead"), (INV1, "Ines Khan"), ("UNORA1", "Nora Quinn")]
        pick(running.slack, case, "UNORA1", by=INV1)
        wait_row(session, lambda s: case_row(s).assignee_id == found.id, "assigned from the menu")
    finally:
        running.close()


# --- 14. the resolve form's follow-up: one required choice ----------------------------------


def investigating(slack, engine, session):
    case = file_case(slack, session)
    staff = permissions.Actor(pid(INV1), frozenset({permissions.INVESTIGATOR}))
    for action in ("triage", "start"):
        investigation.perform(engine, case.reference, action, staff, datetime.now(UTC))
    return case


def test_the_resolve_form_asks_one_follow_up_question_then_the_date(slack, stub, engine, session):
    case = investigating(slack, engine, session)
    view = press_form_button(slack, stub, case, INV1, "resolve")
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    plan = blocks["follow_up_plan"]
    assert not plan.get("optional") and plan["dispatch_action"] is True
    assert [o["text"]["text"] for o in plan["element"]["options"]] == [
        "Follow up on a date",
        "No follow-up needed",
    ]
    assert "follow_up_due" not in blocks and "no_follow_up" not in blocks

    # Choosing "on a date" redraws the form with the date field, required.
    opened = {**view, "id": "VRESOLVE1", "hash": "h1"}
    ev.interactive(
        slack,
        {
            "type": "block_actions",
            "user": {"id": INV1, "username": INV1, "team_id": "T1"},
            "container": {"type": "view", "view_id": "VRESOLVE1"},
            "view": opened,
            "actions": [
                {
                    "action_id": "value",
                    "block_id": "follow_up_plan",
                    "type": "radio_buttons",
                    "selected_option": {"value": "date"},
                    "action_ts": "1.2",
                }
            ],
        },
    )
    update = stub.wait_for_call("views.update", view_id="VRESOLVE1")
    assert update.values["hash"] == "h1"
    redrawn = {b.get("block_id"): b for b in update.values["view"]["blocks"]}
    assert redrawn["follow_up_due"]["element"]["type"] == "datepicker"
    assert not redrawn["follow_up_due"].get("optional")
    assert redrawn["follow_up_plan"]["element"]["initial_option"]["value"] == "date"
    assert update.values["view"]["private_metadata"] == case.reference

    # Errors sit next to their field, and nothing is saved.
    no_choice = resolve_values(follow_up_plan=forms.radio(None), follow_up_due=forms.day(None))
    reply = submit_form(slack, forms_ui.RESOLVE, case.reference, no_choice, INV1)
    assert set(reply.json()["errors"]) == {"follow_up_plan"}
    no_date = resolve_values(follow_up_due=forms.day(None))
    reply = submit_form(slack, forms_ui.RESOLVE, case.reference, no_date, INV1)
    assert set(reply.json()["errors"]) == {"follow_up_due"}
    assert case_row(session).status == "investigating"


def test_no_follow_up_needs_no_date(slack, engine, session):
    case = investigating(slack, engine, session)
    values = resolve_values(
        outcome=forms.choice("recommendation_accepted"),
        money_released=forms.text(""),
        follow_up_plan=forms.radio("none"),
        follow_up_due=forms.day(None),
    )
    reply = submit_form(slack, forms_ui.RESOLVE, case.reference, values, INV1)
    assert "errors" not in (reply.body or "")
    done = wait_row(session, lambda s: (c := case_row(s)).status == "resolved" and c, "resolved")
    assert done.follow_up_due is None


def test_names_are_looked_up_once_and_an_unknown_person_shows_as_their_id(stub):
    from handlers.slack.complaints.team import DisplayNames

    stub.people[INV1] = "Ines Khan"
    names = DisplayNames(WebClient(token="xoxb-test-token", base_url=stub.url))
    assert [names(INV1), names(INV1), names(OUTSIDER)] == ["Ines Khan", "Ines Khan", OUTSIDER]
    assert [c.values["user"] for c in stub.of("users.info")] == [INV1, OUTSIDER]
    # Slack not answering at all: ids, and nobody else is asked until it has had time to recover.
    down = DisplayNames(WebClient(token="xoxb-test-token", base_url="http://127.0.0.1:9/api/"))
    assert [down(INV1), down(INV2)] == [INV1, INV2]
    assert down._known.get(INV2) is None  # INV2 was never asked
