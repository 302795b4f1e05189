"""`/complaint` end to end: signed HTTP requests in, Web API calls and stored rows out."""

from __future__ import annotations

import json

from models import Complaint, ComplaintEvent, OutboxMessage
from tests import forms
from tests.conftest import TRIAGE, rows
from tests.people_ids import slack_id


def submit(slack, **overrides):
    return slack.view_submission("complaint_form", forms.complaint(**overrides))


def posted(stub, channel: str) -> list[dict]:
    return [c.args for c in stub.of("chat.postMessage") if c.args.get("channel") == channel]


def test_slash_command_opens_the_modal(slack, stub):
    reply = slack.command("/complaint", trigger_id="trig-open-1")
    assert reply.status == 200
    call = stub.wait_for("views.open")[0]
    assert call.args["trigger_id"] == "trig-open-1"
    view = call.args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["callback_id"] == "complaint_form"
    block_ids = {b.get("block_id") for b in view["blocks"]}
    assert {"authority_name", "category", "anonymous", "invoice_amount"} <= block_ids
    assert len(view["blocks"]) <= 100 and len(view["title"]["text"]) <= 24


def test_submission_stores_case_confirms_dms_and_posts_card(slack, stub, session):
    reply = submit(slack)
    assert reply.status == 200
    body = reply.json()
    assert body["response_action"] == "update"
    assert "MS-2026-0001" in json.dumps(body["view"])

    [case] = rows(session, Complaint)
    assert case.reference == "MS-2026-0001" and case.status == "received"
    assert (
        slack_id(case.reporter_id) == "U100" and case.authority_name == "Borsetshire County Council"
    )
    # Wider public sector: 3 months from 20 Nov 2026 is 20 Feb 2027, a Saturday -> Monday.
    assert str(case.due_date) == "2027-02-22"
    [event] = rows(session, ComplaintEvent)
    assert event.complaint_id == case.id and event.kind == "received"

    stub.wait_for("chat.postMessage", 2)
    assert stub.of("conversations.open")[0].args["users"] == "U100"
    [dm] = posted(stub, "DU100")
    assert "MS-2026-0001" in dm["text"]
    [card] = posted(stub, TRIAGE)
    card_json = json.dumps(card)
    for expected in (
        "MS-2026-0001",
        "Timescales too short",
        "Borsetshire County Council",
        "22 Feb 2027",
        "<@U100>",
        "Ambridge Mind",
    ):
        assert expected in card_json


def test_anonymous_card_names_nobody(slack, stub):
    submit(slack, anonymous=forms.checked(True))
    stub.wait_for("chat.postMessage", 2)
    [card] = posted(stub, TRIAGE)
    card_json = json.dumps(card)
    assert "U100" not in card_json and "Ambridge Mind" not in card_json
    assert "Anonymous (Charity / voluntary sector (VCSE))" in card_json


def test_central_government_due_in_two_months(slack, session):
    submit(slack, authority_kind=forms.choice("central"))
    [case] = rows(session, Complaint)
    assert str(case.due_date) == "2027-01-20"


def test_user_text_cannot_ping_or_spoof_links(slack, stub):
    hostile = "<!channel> <!here> <@U123> <https://evil.example|gov.uk> & more"
    submit(
        slack,
        what_happened=forms.text(hostile),
        authority_name=forms.text("<!everyone>"),
        procurement_title=forms.text("<https://evil.example|gov.uk>"),
    )
    stub.wait_for("chat.postMessage", 2)
    everything = json.dumps([c.args for c in stub.calls])
    for raw in ("<!channel>", "<!here>", "<@U123>", "<https://evil", "<!everyone>"):
        assert raw not in everything
    assert "&lt;!channel&gt;" in everything and "&lt;https://evil.example|gov.uk&gt;" in everything
    assert all(
        c.args.get("unfurl_links") in (False, "false", "0", 0) for c in stub.of("chat.postMessage")
    )


def test_late_payment_needs_amount_and_date(slack, session):
    reply = submit(slack, category=forms.choice("late_payment"))
    body = reply.json()
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"invoice_amount", "invoice_date"}
    assert rows(session, Complaint) == []

    reply = submit(
        slack,
        category=forms.choice("late_payment"),
        invoice_amount=forms.text("£12,500.50"),
        invoice_date=forms.day("2026-08-01"),
    )
    assert reply.json()["response_action"] == "update"
    [case] = rows(session, Complaint)
    assert case.invoice_amount_pence == 1_250_050


def test_each_bad_field_gets_its_own_message_and_nothing_is_stored(slack, session, stub):
    reply = submit(
        slack,
        authority_name=forms.text("   "),
        procurement_date=forms.day("2023-01-01"),
        what_happened=forms.text("x" * 3001),
        invoice_amount=forms.text("lots"),
        invoice_date=forms.day("2027-01-01"),
        stage=forms.choice("not-a-stage"),
        category=None,
    )
    assert reply.status == 200
    errors = reply.json()["errors"]
    assert "fill this in" in errors["authority_name"]
    assert "last 2 years" in errors["procurement_date"]
    assert "3000" in errors["what_happened"]
    assert "pounds" in errors["invoice_amount"]
    assert "future" in errors["invoice_date"]
    assert set(errors) >= {"stage", "category"}
    assert rows(session, Complaint) == [] and rows(session, OutboxMessage) == []
    assert rows(session, ComplaintEvent) == []
    assert stub.of("chat.postMessage") == []


def test_future_procurement_date_is_refused(slack, session):
    errors = submit(slack, procurement_date=forms.day("2026-12-25")).json()["errors"]
    assert errors == {"procurement_date": "This date is in the future."}
    assert rows(session, Complaint) == []


def test_repeated_submission_creates_one_case(slack, stub, session):
    values = forms.complaint()
    first = slack.view_submission("complaint_form", values, view_id="VSAME")
    second = slack.view_submission("complaint_form", values, view_id="VSAME")
    assert first.json()["view"] == second.json()["view"]
    assert len(rows(session, Complaint)) == 1
    assert len(rows(session, OutboxMessage)) == 2
    stub.wait_for("chat.postMessage", 2)
    assert len(stub.of("chat.postMessage")) == 2


def test_repeated_command_delivery_opens_one_modal(slack, stub):
    body = slack.command_body("/complaint", "", trigger_id="trig-dup")
    assert slack.post(body).status == 200
    assert slack.post(body, headers={"X-Slack-Retry-Num": "1"}).status == 200
    stub.wait_for("views.open")
    # A second distinct command does open a modal: proves the first wait was not a fluke.
    slack.command("/complaint", trigger_id="trig-other")
    stub.wait_for("views.open", 2)
    assert [c.args["trigger_id"] for c in stub.of("views.open")] == ["trig-dup", "trig-other"]


def test_references_are_sequential(slack, session):
    for _ in range(3):
        submit(slack)
    assert [c.reference for c in rows(session, Complaint)] == [
        "MS-2026-0001",
        "MS-2026-0002",
        "MS-2026-0003",
    ]


def test_status_lists_only_own_cases(slack):
    submit(slack)
    slack.view_submission(
        "complaint_form", forms.complaint(authority_name=forms.text("Other Council")), user="U200"
    )
    mine = slack.command("/complaint", "status").json()["text"]
    assert "MS-2026-0001" in mine and "MS-2026-0002" not in mine
    assert "Other Council" not in mine


def test_status_of_someone_elses_case_is_indistinguishable_from_missing(slack):
    submit(slack, anonymous=forms.checked(True))
    theirs = slack.command("/complaint", "status MS-2026-0001", user="U999").json()
    missing = slack.command("/complaint", "status MS-2026-0042", user="U999").json()
    assert theirs["text"].replace("0001", "NNNN") == missing["text"].replace("0042", "NNNN")
    assert "Borsetshire" not in json.dumps(theirs)
    own = slack.command("/complaint", "status ms-2026-0001").json()
    assert "Borsetshire County Council" in json.dumps(own["blocks"])


def test_status_with_garbage_reference_explains_format(slack):
    reply = slack.command("/complaint", "status <!channel>").json()
    assert "MS-2026-0007" in reply["text"] and "<!channel>" not in reply["text"]


def test_help_and_unknown_subcommand(slack):
    text = slack.command("/complaint", "help").json()["text"]
    assert "`/complaint`" in text and "`/complaint status [reference]`" in text
    unknown = slack.command("/complaint", "frobnicate").json()["text"]
    assert "frobnicate" in unknown and "`/complaint help`" in unknown


def test_no_cases_yet(slack):
    assert "no complaints" in slack.command("/complaint", "status").json()["text"]
