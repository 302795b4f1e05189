"""Issue 17 on Slack, end to end over signed HTTP and the fake Slack, on both databases:
an erasure redacts the thread lines and direct messages already posted that carried the
person's words, once; and a lead's `/complaint privacy export` queues the export durably and
uploads its two files to the lead's DM, refusing everyone else privately."""

from __future__ import annotations

import json
import re
import time
from types import SimpleNamespace

import pytest
from sqlalchemy import update

from bot import conversations
from bot.db import transaction
from bot.privacy import erase, records, requests
from bot.privacy.cli import cmd_privacy
from handlers.local import fake_history
from handlers.slack.complaints import subject_access
from models import ComplaintEvent, JobRun, OutboxMessage, Person, PostedMessage
from tests import forms
from tests import investigation_slack as ev
from tests.conftest import TRIAGE, relays, rows, start_app, with_card
from tests.people_ids import pid
from tests.test_investigation_slack import case_row, mention, wait_row

SUPPLIER, INV1, LEAD, OUTSIDER = "USUP1", "UINV1", "ULEAD1", "UOUT1"
TEAM = {"INVESTIGATOR_IDS": INV1, "LEAD_IDS": LEAD}
ASKED, ANSWERED, ORGANISATION = "tokask", "tokans", "tokorg"
SUPPLIER_DM, LEAD_DM = f"D{SUPPLIER}", f"D{LEAD}"


@pytest.fixture
def team_app(engine, stub):
    running = start_app(engine, stub, **TEAM)
    yield running
    running.close()


def all_sent(session) -> list[OutboxMessage]:
    """Every outbox row, once none is waiting (the app's worker sends them)."""
    return wait_row(
        session,
        lambda s: (
            (found := rows(s, OutboxMessage)) and all(m.status == "sent" for m in found) and found
        ),
        "the outbox drained",
        timeout=60,
    )


def stored(stub, channel: str, thread_ts: str | None = None) -> list[str]:
    """What the fake Slack now holds in a channel (or a thread), edits applied."""
    args = {"channel": channel, "limit": "999"}
    if thread_ts:
        answer = fake_history.replies(stub.snapshot(), {**args, "ts": thread_ts})
    else:
        answer = fake_history.history(stub.snapshot(), args)
    assert answer["ok"], answer
    return [json.dumps(m) for m in answer["messages"]]


def file_case(slack, session, *, anonymous: bool):
    """A case filed through the form, its organisation's name planted, once its card is up."""
    values = forms.complaint(
        anonymous=forms.checked(anonymous), organisation_name=forms.text(f"{ORGANISATION} CIC")
    )
    reply = slack.view_submission("complaint_form", values, user=SUPPLIER)
    assert reply.json()["response_action"] == "update"
    return wait_row(session, lambda s: with_card(s, case_row(s)), "card posted")


def _discussed_case(slack, stub, session):
    """A named supplier's case whose words reached a thread line and their DM, withdrawn."""
    case = file_case(slack, session, anonymous=False)
    mention(slack, case, INV1, f"tell-supplier {ASKED} which lot was it?")
    relay = wait_row(session, relays, "relay recorded")[0]
    answer = ev.dm_reply(relay.conversation_id, relay.message_id, SUPPLIER, f"{ANSWERED} lot 2")
    assert ev.send_event(slack, answer).status == 200
    withdrawn = slack.command("/complaint", f"withdraw {case.reference} sorted", user=SUPPLIER)
    assert "withdrawn" in withdrawn.json()["text"]
    all_sent(session)
    return case


def test_erasure_redacts_posted_thread_lines_and_dms_once(team_app, stub, session, engine):
    slack = team_app.slack
    case = _discussed_case(slack, stub, session)
    thread = " ".join(stored(stub, TRIAGE, case.card_ts))
    assert ASKED in thread and ANSWERED in thread and ORGANISATION in thread
    assert ASKED in " ".join(stored(stub, SUPPLIER_DM))
    posted = [p for p in rows(session, PostedMessage) if p.about != conversations.CASE_CARD]
    assert {p.about for p in posted} == {
        conversations.THREAD_LINE,
        conversations.DIRECT_MESSAGE,
        conversations.SUPPLIER_RELAY,
    }

    args = SimpleNamespace(action="erase", person=SUPPLIER, out=".")
    assert cmd_privacy(args, engine=engine, settings=team_app.services.settings) == 0
    redactions = [m for m in rows(session, OutboxMessage) if m.kind == conversations.REDACT]
    # The relay and the supplier's other DMs, and the two thread lines with their words.
    assert len(redactions) == len(posted) >= 5
    team_app.services.send_queued()
    all_sent(session)

    for channel, thread_ts in ((TRIAGE, case.card_ts), (SUPPLIER_DM, None)):
        now_held = " ".join(stored(stub, channel, thread_ts))
        for token in (ASKED, ANSWERED, ORGANISATION):
            assert token not in now_held, (channel, token)
    dms = stored(stub, SUPPLIER_DM)
    assert dms and all(conversations.REDACTED in m for m in dms)
    # Each message was edited once, and the redactions keep none of the ids they used.
    edits = [(c.args["channel"], c.args["ts"]) for c in stub.of("chat.update")]
    redacted = [e for e in edits if e[0] == SUPPLIER_DM or e[1] != case.card_ts]
    assert len(redacted) == len(set(redacted)) == len(redactions)
    assert all(m.data == {} for m in rows(session, OutboxMessage) if m.kind == conversations.REDACT)

    # The erasure's audit says how many rows changed, nothing about whom or what.
    [audit] = [r for r in rows(session, JobRun) if r.job == erase.AUDIT_JOB]
    assert re.fullmatch(r"erased: [a-z_]+ \d+(, [a-z_]+ \d+)*", audit.result), audit.result
    assert SUPPLIER not in audit.result and ASKED not in audit.result

    # A second erasure finds nothing more to redact.
    before = len(rows(session, OutboxMessage))
    erase.erase(engine, records.Subject(frozenset({pid("USUP1")})), team_app.services.now())
    assert len(rows(session, OutboxMessage)) == before


def _export_command(slack, user: str, who: str, trigger_id: str | None = None) -> str:
    reply = slack.command("/complaint", f"privacy export {who}", user=user, trigger_id=trigger_id)
    assert reply.status == 200
    body = reply.json()
    # A command's answer is the asker's alone.
    assert body.get("response_type", "ephemeral") == "ephemeral"
    return body["text"]


def _uploads(stub, count: int) -> list[dict]:
    deadline = time.monotonic() + 30
    while len(stub.uploads) < count:
        assert time.monotonic() < deadline, "the export's files were not uploaded"
        time.sleep(0.05)
    return [stub.files[f] for f in stub.uploads]


def test_a_lead_gets_a_persons_export_by_dm_and_others_are_refused(team_app, stub, session, engine):
    slack = team_app.slack
    file_case(slack, session, anonymous=True)
    help_text = slack.command("/complaint", "help", user=LEAD).json()["text"]
    assert "privacy export" in help_text

    for someone in (OUTSIDER, INV1):
        assert _export_command(slack, someone, f"<@{SUPPLIER}|sup>") == subject_access.ONLY_LEADS
    unknown = _export_command(slack, LEAD, "<@UNOBODY1|nobody>")
    assert "Nobody msbot knows is UNOBODY1" in unknown
    assert _export_command(slack, LEAD, "nobody@example.org").startswith("Nobody msbot knows")
    usage = slack.command("/complaint", "privacy erase everyone", user=LEAD).json()["text"]
    assert usage == subject_access.USAGE
    assert not [m for m in rows(session, OutboxMessage) if m.kind == requests.EXPORT_FILE]

    answer = _export_command(slack, LEAD, f"<@{SUPPLIER}|sup>", trigger_id="trig-export-1")
    assert answer.startswith("Queued") and "anonymous" in answer
    # Queued before the answer, with who asked and for whom; the files are not stored.
    queued = [m for m in rows(session, OutboxMessage) if m.kind == requests.EXPORT_FILE]
    assert {m.data["format"] for m in queued} == {"json", "html"}
    assert all(m.recipient_person_id == pid("ULEAD1") for m in queued)
    assert all(m.data["person"] == [pid("USUP1")] for m in queued)
    # Slack's retry of the same command queues nothing more.
    again = f"privacy export <@{SUPPLIER}|sup>"
    assert slack.command("/complaint", again, user=LEAD, trigger_id="trig-export-1").status == 200
    assert len([m for m in rows(session, OutboxMessage) if m.kind == requests.EXPORT_FILE]) == 2

    files = _uploads(stub, 2)
    uploads = [c for c in stub.of("files.completeUploadExternal")]
    assert {c.args["channel_id"] for c in uploads} == {LEAD_DM}
    by_name = {f["name"].rsplit(".", 1)[1]: f["content"].decode() for f in files}
    held = json.loads(by_name["json"])
    assert ORGANISATION in json.dumps(held["tables"]["complaint"])
    assert ORGANISATION in by_name["html"] and "<script" not in by_name["html"]
    all_sent(session)
    # Nothing of the file is kept in the outbox once sent: the rows hold ids, never content.
    for m in rows(session, OutboxMessage):
        if m.kind == requests.EXPORT_FILE:
            assert ORGANISATION not in json.dumps(m.data)
    # Naming the anonymous case's filer to the lead is audited as a reveal.
    reveals = [e for e in rows(session, ComplaintEvent) if e.kind == "revealed"]
    assert [(e.complaint_id, e.actor_id) for e in reveals] == [
        (case_row(session).id, pid("ULEAD1"))
    ]

    # A person number and an email name the same person.
    with transaction(engine) as s:
        s.execute(update(Person).where(Person.id == pid("USUP1")).values(email="sup@example.org"))
    for who in (f"#{pid('USUP1')}", "<mailto:sup@example.org|sup@example.org>"):
        assert _export_command(slack, LEAD, who).startswith("Queued")
    queued = [m for m in rows(session, OutboxMessage) if m.kind == requests.EXPORT_FILE]
    assert len(queued) == 6 and all(m.data["person"] == [pid("USUP1")] for m in queued)
