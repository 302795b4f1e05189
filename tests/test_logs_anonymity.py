"""An anonymous case is never logged with its filer, at any level, through any library's logger.

One anonymous case goes through every path (the form; App Home and `/complaint status` for the
supplier; assignment and moves; the relay both ways; a note; a lead's reveal and a refused one;
the timeline; the digest preview, the report and the scheduled jobs; the withdrawal; and every
outbox delivery to the fake Slack) with logging at DEBUG, as JSON, from every logger. Then no
line may name the filer (user id, DM channel, organisation) and the case (reference, id, card or
relay thread) together, and no request, outbox delivery or job run whose lines name the case
may name the filer in any of its lines.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from datetime import UTC, datetime

import structlog

from bot.bootstrap import job_registry
from bot.jobs import runner
from bot.logs import touching_anonymous_case
from bot.outbox import OutboxWorker
from handlers.slack.app import build_app, build_services
from handlers.slack.complaints import case_card
from handlers.slack.server import SlackWsgiApp
from models import Complaint, ComplaintEvent, OutboxMessage
from tests import forms
from tests import investigation_slack as ev
from tests.conftest import (
    SIGNING_SECRET,
    TODAY,
    TRIAGE,
    RunningApp,
    make_settings,
    relays,
    rows,
    with_card,
)
from tests.logging_capture import configured
from tests.people_ids import pid, slack_id
from tests.test_investigation_slack import (
    INV1,
    LEAD,
    SUPPLIER,
    TEAM,
    case_row,
    mention,
    wait_ephemeral,
    wait_row,
)

ORGANISATION = "Loxley Barrett Trust"
LEADS = "CLEADS01"
JOBS = ("weekly_digest", "investigator_reminders", "case_reminders", "follow_ups_due")


def start_quick_app(engine, stub) -> RunningApp:
    """The real app, with the outbox unpaced (Slack's one post a second per channel would make
    the dozens of thread lines take a minute; pacing has tests of its own)."""
    url = engine.url.render_as_string(hide_password=False)
    settings = make_settings(url, stub.url, LEADS_CHANNEL_ID=LEADS, **TEAM)
    services = build_services(settings, engine, today=lambda: TODAY)
    services.outbox = OutboxWorker(engine, services.transport, interval=1, pace=0.01)
    services.start()
    return RunningApp(services, SlackWsgiApp(build_app(services), engine, SIGNING_SECRET))


def parsed(path) -> list[dict]:
    text = path.read_text()
    assert text.endswith("\n")
    lines = text.split("\n")[:-1]
    assert "" not in lines, "a blank line"
    return [json.loads(line) for line in lines]


def names_case(record: dict, case_tokens: list[str], case_id: int) -> bool:
    line = json.dumps(record)
    if any(token in line for token in case_tokens):
        return True
    about_a_case = str(record.get("kind", "")).startswith("complaint.")
    return (about_a_case and record.get("subject_id") == case_id) or any(
        record.get(key) == case_id for key in ("complaint_id", "case_id")
    )


def names_filer(record: dict, filer_tokens: list) -> bool:
    """A text token anywhere in the line, or a person id as the value of one of its fields."""
    line = json.dumps(record)
    return any(
        # (a bool is not a person id, though True == 1)
        any(type(v) is int and v == token for v in record.values())
        if isinstance(token, int)
        else token in line
        for token in filer_tokens
    )


def leaks(records, case_tokens, case_id, filer_tokens) -> list:
    """Lines naming both, and groups (request, outbox delivery, job run) naming both."""
    found = [
        r for r in records if names_case(r, case_tokens, case_id) and names_filer(r, filer_tokens)
    ]
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for r in records:
        for key in ("request_id", "outbox_id", "job"):
            if r.get(key) is not None:
                groups[(key, r[key])].append(r)
    for group, lines in groups.items():
        if any(names_case(r, case_tokens, case_id) for r in lines) and any(
            names_filer(r, filer_tokens) for r in lines
        ):
            found.append(group)
    return found


def test_the_leak_finder_finds_leaks():
    """The check below is not vacuous: it catches a line, and a request, that tie them."""
    tokens, filer = ["MS-2026-0001"], ["USUP1", "DUSUP1"]
    assert leaks([{"event": "x", "case_ref": "MS-2026-0001", "user": "USUP1"}], tokens, 1, filer)
    split = [
        {"request_id": "r1", "user": "USUP1"},
        {"request_id": "r1", "event": "complaint.received", "case_ref": "MS-2026-0001"},
    ]
    assert leaks(split, tokens, 1, filer) == [("request_id", "r1")]
    delivery = [{"outbox_id": 4, "kind": "complaint.received.dm", "subject_id": 1, "c": "DUSUP1"}]
    assert leaks(delivery, tokens, 1, filer)
    assert not leaks([{"request_id": "r2", "user": "USUP1"}], tokens, 1, filer)


def file(slack, session, values) -> object:
    reply = slack.view_submission("complaint_form", values, user=SUPPLIER)
    assert reply.json()["response_action"] == "update"
    ref = reply.json()["view"]["blocks"][0]["text"]["text"].split("*")[1]
    return wait_row(session, lambda s: with_card(s, case_row(s, ref)), f"{ref} posted")


def run_every_path(slack, stub, session, engine, services) -> object:
    # The same supplier's earlier, named complaint about something else: logged with them.
    named = forms.complaint(
        authority_name=forms.text("Department for Roads"),
        procurement_title=forms.text("Gritting depots framework"),
        procurement_reference=forms.text("DFR-9"),
    )
    assert file(slack, session, named).reference == "MS-2026-0001"
    values = forms.complaint(
        anonymous=forms.checked(True), organisation_name=forms.text(ORGANISATION)
    )
    case = file(slack, session, values)
    ref = case.reference
    assert ref == "MS-2026-0002"

    def case_row(s, reference=ref):
        return next(c for c in rows(s, Complaint) if c.reference == reference)

    # The supplier's own views.
    assert ref in slack.command("/complaint", "status", user=SUPPLIER).json()["text"]
    assert ref in slack.command("/complaint", f"status {ref}", user=SUPPLIER).json()["text"]
    for user in (SUPPLIER, INV1, LEAD):
        home = {"type": "app_home_opened", "user": user, "channel": f"D{user}", "tab": "home"}
        ev.send_event(slack, home)
        stub.wait_for_call("views.publish", user_id=user)

    # Investigation: assignment, moves, a note.
    ev.button(slack, case_card.ASSIGN_SELF, ref, user=INV1, channel=TRIAGE)
    wait_row(session, lambda s: slack_id(case_row(s).assignee_id) == INV1, "assigned")
    for target in ("triaged", "investigating"):
        mention(slack, case, INV1, f"status {target}")
        wait_row(session, lambda s, t=target: case_row(s).status == t, target)
    ev.send_event(slack, ev.reply(TRIAGE, case.card_ts, INV1, "Called the council."))

    # The relay both ways.
    mention(slack, case, INV1, "tell-supplier We have opened your case.")
    mention(slack, case, INV1, "ask-supplier Which lot did you bid for?")
    wait_row(session, lambda s: case_row(s).status == "awaiting_supplier", "awaiting supplier")
    relayed = wait_row(session, lambda s: len(relays(s)) >= 2 and relays(s), "relays")
    answer = ev.dm_reply(
        relayed[-1].conversation_id, relayed[-1].message_id, SUPPLIER, "Lot 2, thanks"
    )
    assert ev.send_event(slack, answer).status == 200
    wait_row(session, lambda s: case_row(s).status == "investigating", "supplier replied")

    # Reveal: refused for an investigator, private for a lead.
    mention(slack, case, INV1, "reveal")
    mention(slack, case, LEAD, "reveal")
    wait_ephemeral(stub, LEAD, SUPPLIER)

    # Timeline, digest preview, report, scheduled jobs.
    assert ref in slack.command("/complaint", f"timeline {ref}", user=INV1).json()["text"]
    mention(slack, case, INV1, "timeline")
    slack.command("/complaint", "digest", user=LEAD)
    wait_ephemeral(stub, LEAD, "preview")
    slack.command("/complaint", "report", user=LEAD)
    stub.wait_for_call("files.completeUploadExternal", timeout=20)
    all_sent(session)  # (on SQLite a job waiting on the outbox's write lock could time out)
    now = datetime.now(UTC)
    for name in JOBS:
        assert runner.run_now(engine, services.settings, job_registry().get(name), now) == "done"
    services.send_queued()

    # The supplier withdraws.
    withdrawn = slack.command("/complaint", f"withdraw {ref} Sorted now", user=SUPPLIER)
    assert "withdrawn" in withdrawn.json()["text"]
    all_sent(session)
    return case


def all_sent(session) -> None:
    wait_row(
        session,
        lambda s: (m := rows(s, OutboxMessage)) and all(r.status == "sent" for r in m),
        "every outbox message sent",
        timeout=40,
    )


def test_an_anonymous_case_is_never_logged_with_its_filer(engine, stub, session, tmp_path):
    log_path = tmp_path / "msbot.log"
    with open(log_path, "a") as stream, configured("json", "DEBUG", stream):
        running = start_quick_app(engine, stub)
        try:
            case = run_every_path(running.slack, stub, session, engine, running.services)
        finally:
            running.close()
    records = parsed(log_path)
    relayed = relays(session)
    # Where the supplier's DMs went: the relays as recorded, and every DM opened for them.
    opened = [c for c in stub.of("conversations.open") if c.args.get("users") == SUPPLIER]
    dm_channels = {r.conversation_id for r in relayed} | {
        c.response["channel"]["id"] for c in opened
    }
    assert opened and dm_channels == {f"D{SUPPLIER}"}
    case_tokens = [case.reference, case.card_ts, *(r.message_id for r in relayed)]
    # The filer by their Slack id, their DM, their organisation, and the person they are.
    filer_tokens = [SUPPLIER, *dm_channels, ORGANISATION, pid(SUPPLIER)]

    assert leaks(records, case_tokens, case.id, filer_tokens) == []
    # Not vacuous: the filer is in the logs, with their named case.
    named = [r for r in records if r["event"] == "complaint.received" and r.get("user")]
    assert [(r["case_ref"], r["user"]) for r in named] == [("MS-2026-0001", SUPPLIER)]

    # What was logged covers the paths (the check above had something to check).
    events = {r["event"] for r in records}
    for expected in (
        "complaint.received",
        "complaint.relayed_to_supplier",
        "complaint.supplier_replied",
        "complaint.revealed",
        "complaint.transition",
        "outbox.sent",
        "job.done",
    ):
        assert expected in events, expected
    to_supplier = [r for r in records if r["event"] == "outbox.sent" and r.get("dm")]
    assert any(r["kind"] == "complaint.supplier.relay" for r in to_supplier)
    assert logging.getLogger().getEffectiveLevel() != logging.DEBUG  # restored afterwards

    # The audit trail agrees: the filer is the actor of none of the case's events.
    events_of_case = [e for e in rows(session, ComplaintEvent) if e.complaint_id == case.id]
    assert {e.kind for e in events_of_case} >= {"received", "supplier_replied", "revealed"}
    assert SUPPLIER not in {slack_id(e.actor_id) for e in events_of_case}
    assert SUPPLIER not in json.dumps([e.data for e in events_of_case])
    named_received = [e for e in rows(session, ComplaintEvent) if e.complaint_id != case.id]
    assert [(e.kind, slack_id(e.actor_id)) for e in named_received] == [("received", SUPPLIER)]


def test_slack_body_loggers_stay_at_info_unless_opted_in(tmp_path):
    body_logger = logging.getLogger("slack_sdk.web.base_client")
    with open(tmp_path / "a.log", "a") as stream, configured("json", "DEBUG", stream):
        assert not body_logger.isEnabledFor(logging.DEBUG)
        assert logging.getLogger("sqlalchemy.engine.Engine").getEffectiveLevel() == logging.WARNING
        assert logging.getLogger("msbot.anything").isEnabledFor(logging.DEBUG)
        # Bolt copies the root's level onto its own loggers; the handler holds them at INFO.
        bolt = logging.getLogger("slack_bolt.App")
        saved = bolt.level
        bolt.setLevel(logging.DEBUG)
        bolt.debug("Responding with status: 200 body: 'MS-2026-0001'")
        bolt.info("an info line")
        bolt.setLevel(saved)
    with (
        open(tmp_path / "b.log", "a") as stream,
        configured("json", "DEBUG", stream, slack_bodies=True),
    ):
        assert body_logger.isEnabledFor(logging.DEBUG)
        structlog.contextvars.bind_contextvars(request_id="r1", user=SUPPLIER)
        body_logger.debug("Sending a request - json_body: {'channel': 'DUSUP1'}")
        touching_anonymous_case()
        body_logger.debug("Sending a request - json_body: {'channel': 'DUSUP1'}")
        structlog.get_logger("msbot.t").info("complaint.x", case_ref="MS-2026-0001")
    assert [r["event"] for r in parsed(tmp_path / "a.log")] == ["an info line"]
    before, after, ours = parsed(tmp_path / "b.log")
    # Opted in, bodies are logged; yet once the request touched an anonymous case its lines
    # name nobody and carry a request id of their own.
    assert "DUSUP1" in before["event"] and before["user"] == SUPPLIER
    assert "DUSUP1" not in json.dumps(after) and "user" not in after
    assert after["request_id"] != "r1" and after["request_id"] == ours["request_id"]
