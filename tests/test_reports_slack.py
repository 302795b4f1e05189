"""`/complaint digest` and `/complaint report` for leads, and the report file by DM."""

from __future__ import annotations

import json
from datetime import date

import pytest

from bot import outbox
from bot.db import transaction
from bot.jobs import notices
from tests.conftest import start_app
from tests.people_ids import pid
from tests.reports_fixture import add_case
from tests.test_reports import PLANTED, hand_data_set

LEAD = "ULEAD1"


@pytest.fixture
def lead_app(engine, stub):
    running = start_app(engine, stub, LEAD_IDS=LEAD, LEADS_CHANNEL_ID="CLEADS01")
    yield running
    running.close()


def test_only_leads_see_the_digest_and_reports(lead_app, stub):
    for sub in ("digest", "report", "report 2025 csv"):
        reply = lead_app.slack.command("/complaint", sub, user="USOMEONE").json()
        assert reply["text"].startswith("Only the team's leads can see"), reply
    assert stub.of("chat.postEphemeral") == [] and stub.of("files.completeUploadExternal") == []


def test_a_lead_previews_the_digest_privately(lead_app, stub, engine):
    add_case(engine, received_on=date(2026, 11, 18), status="received")
    reply = lead_app.slack.command("/complaint", "digest", user=LEAD).json()
    assert "Working" in reply["text"]
    posted = stub.wait_for_call("chat.postEphemeral", user=LEAD).args
    assert posted["channel"] == "C999"
    blocks = json.loads(posted["blocks"]) if isinstance(posted["blocks"], str) else posted["blocks"]
    assert blocks[0]["type"] == "header" and "preview" in blocks[0]["text"]["text"]
    assert "New cases: 1" in json.dumps(blocks)
    assert stub.of("chat.postMessage") == []  # nothing posted to the channel


def test_a_lead_gets_the_report_summary_and_the_file_by_dm(lead_app, stub, engine):
    hand_data_set(engine, **PLANTED)
    reply = lead_app.slack.command("/complaint", "report 2025 csv", user=LEAD).json()
    assert "6 April 2025 to 05 April 2026" in reply["text"] or "2025" in reply["text"]
    summary = stub.wait_for_call("chat.postEphemeral", user=LEAD).args
    assert "Cases received" in json.dumps(summary)
    done = stub.wait_for_call("files.completeUploadExternal")
    assert done.args["channel_id"] == f"D{LEAD}"
    [content] = stub.uploads.values()
    assert b"Cases by category,Evaluation,withheld" in content
    assert b"PLANTED" not in content


def test_bad_report_arguments_are_explained(lead_app, stub):
    reply = lead_app.slack.command("/complaint", "report next-year", user=LEAD).json()
    assert "/complaint report" in reply["text"] and "2025" in reply["text"]


def test_report_file_renders_every_format_through_the_outbox(engine, stub, app):
    hand_data_set(engine, **PLANTED)
    with transaction(engine) as s:
        for fmt in ("md", "csv", "json", "html"):
            outbox.enqueue(
                s,
                notices.REPORT_FILE,
                person_id=pid(LEAD),
                data={"from": "2025-04-06", "to": "2026-04-05", "format": fmt, "threshold": 3},
            )
    # The app's own outbox worker drains too: between them all four go out, once each.
    outbox.drain(engine, app.services.transport)
    stub.wait_for("files.getUploadURLExternal", 4, timeout=20)
    names = sorted(c.args["filename"] for c in stub.of("files.getUploadURLExternal"))
    assert names == [
        f"msbot-report-2025-04-06-to-2026-04-05.{f}" for f in sorted(("md", "csv", "json", "html"))
    ]
    for content in stub.uploads.values():
        assert b"PLANTED" not in content and b"Department for Widgets" in content
