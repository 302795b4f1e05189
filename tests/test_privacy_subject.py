"""Subject access, erasure and retention (issue 17 items 2-4), both databases.

A supplier's distinct token is planted in everything they typed or that was written about
their case, through the core (the text front end of tests/textfe drives it); the export must
hold every one, an erasure must leave none outside what the register keeps with a reason, the
reports must not move, and retention must redact what is due exactly once.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select
from sqlmodel import Session

import models
from bot.complaints import notes
from bot.privacy import erase, export, records
from bot.privacy.cli import cmd_privacy
from bot.privacy.register import REGISTER
from bot.privacy.retention import apply_retention
from bot.reports.annual import build_report
from bot.reports.digest import build_digest
from bot.shadowing import signup
from tests.textfe import test_shadowing_story as shadow_story
from tests.textfe.test_complaint_story import IVY, LEO, NOW, ZED, front_end

TOKEN = "tokzed"
FILED = (
    "complaint authority_kind=wider stage=tender category=timescales "
    "procurement_date=2026-10-01 organisation_type=vcse anonymous=yes "
    'authority_name="Felpersham Trust" procurement_title="Community transport" '
    f'what_happened="{TOKEN} what happened" outcome_wanted="{TOKEN} outcome wanted" '
    f'organisation_name="{TOKEN} Wheels CIC"'
)
WITHDRAWN = f'do MS-2026-0001 withdraw status_reason="{TOKEN} changed my mind"'


def _file_and_discuss(engine):
    """Zed files anonymously; the case is noted (edited, deleted), Zed is asked and answers."""
    fe = front_end(engine)
    assert fe.say("zed", FILED) == "Thank you. Your case reference is MS-2026-0001."
    fe.say("ivy", "assign MS-2026-0001 me")
    fe.say("ivy", "do MS-2026-0001 triage")
    fe.say("ivy", "do MS-2026-0001 start")
    card = next(line for line in fe.conversations.room("triage") if "MS-2026-0001" in line.text)
    assert fe.say("ivy", f'reply {card.id} "{TOKEN} first note"') == "Noted."
    first = fe.conversations.thread(card.id)[-1]
    notes.edit_note(engine, "triage", card.id, first.id, IVY.value, "edited note", NOW)
    fe.say("ivy", f'reply {card.id} "{TOKEN} note to delete"')
    doomed = fe.conversations.thread(card.id)[-1]
    notes.delete_note(engine, "triage", card.id, doomed.id, IVY.value, None, NOW)
    assert fe.say("ivy", f'ask MS-2026-0001 "{TOKEN} which lot?"').startswith("Sent")
    question = fe.conversations.room(ZED.value)[-1]
    assert fe.say("zed", f'reply {question.id} "{TOKEN} lot two"') == "Passed to the team."
    fe.deliver()
    return fe


def _text_hits(engine, token: str) -> set[str]:
    """``table.column`` of every value in the database that contains ``token``."""
    hits = set()
    with engine.connect() as conn:
        for table in models.metadata.sorted_tables:
            for row in conn.execute(select(table)).mappings():
                hits |= {f"{table.name}.{c}" for c, v in row.items() if token in str(v).lower()}
    return hits


def _kept_with_reason(place: str) -> bool:
    table, _, column = place.partition(".")
    entry = REGISTER[table][column]
    return not entry.erase and bool(entry.erase_note)


def _figures(engine, today: date):
    with Session(engine) as s:
        digest = build_digest(s, today=today, now=NOW + timedelta(days=400))
        report = asdict(build_report(s, date(2026, 4, 6), date(2027, 4, 5)))
    return digest, report


def test_export_holds_every_planted_token_and_erasure_leaves_none(engine, tmp_path):
    fe = _file_and_discuss(engine)
    subject = records.Subject(frozenset({ZED.value}))
    places = _text_hits(engine, TOKEN)
    assert {"complaint.what_happened", "case_note.text", "case_note.history"} <= places

    # An open case refuses erasure, saying why.
    with pytest.raises(erase.ErasureRefused) as refused:
        erase.erase(engine, subject, NOW)
    assert "MS-2026-0001 is open" in str(refused.value)

    fe.say("zed", WITHDRAWN)
    fe.deliver()
    places = _text_hits(engine, TOKEN)
    held = export.build(engine, subject, NOW)
    dumped = str(held).lower()
    assert dumped.count(TOKEN) >= len(places)
    for table_name in {p.partition(".")[0] for p in places}:
        assert table_name in held["tables"], table_name
    # Other people's ids are redacted unless the register keeps staff; the lead is absent.
    assert LEO.value not in dumped
    page = export.render_html(held)
    assert "<script" not in page and TOKEN in page

    before = _figures(engine, date(2027, 3, 1))
    done = erase.erase(engine, subject, NOW)
    assert done.counts["complaint"] == 1 and done.counts["case_note"] >= 3
    left = _text_hits(engine, TOKEN)
    assert all(_kept_with_reason(p) for p in left), left
    assert ZED.value not in str(export.build(engine, subject, NOW)["tables"])
    assert _figures(engine, date(2027, 3, 1)) == before
    with engine.connect() as conn:
        audit = conn.execute(
            select(models.JobRun.result).where(models.JobRun.job == erase.AUDIT_JOB)
        ).scalar_one()
    assert audit.startswith("erased: ") and ZED.value not in audit and TOKEN not in audit
    # Erasing again finds nothing more to change.
    assert erase.erase(engine, subject, NOW).counts == {}


def test_retention_redacts_what_is_due_once(engine):
    fe = _file_and_discuss(engine)
    fe.say("zed", WITHDRAWN)
    fe.deliver()
    periods = {"case_years": 6, "shadowing_days": 365, "outbox_days": 30}
    before = _figures(engine, date(2027, 3, 1))

    def run(now):
        with engine.begin() as conn:
            return apply_retention(conn, now, **periods)

    # The outbox stamps sent_at with the wall clock; the case's dates follow the story's NOW.
    sent = datetime.now(UTC)
    assert run(sent + timedelta(days=29)) == {}
    month = run(sent + timedelta(days=31))
    assert set(month) == {"outbox_message"} and month["outbox_message"] > 0
    assert "complaint.what_happened" in _text_hits(engine, TOKEN)
    assert run(sent + timedelta(days=31)) == {}

    later = run(NOW + timedelta(days=6 * 366))
    assert later["complaint"] == 1 and later["case_note"] >= 3
    assert all(_kept_with_reason(p) for p in _text_hits(engine, TOKEN))
    assert run(NOW + timedelta(days=6 * 366)) == {}
    assert _figures(engine, date(2027, 3, 1)) == before


def test_a_civil_servant_is_refused_while_placed_then_erased(engine, tmp_path):
    shadow_story.run_story(engine)
    cai = shadow_story.CAI.value
    goals = "frontline homelessness"
    out = tmp_path / "export"
    args = SimpleNamespace(action="export", person=cai, out=str(out))
    settings = SimpleNamespace(
        investigator_user_ids=frozenset(),
        lead_user_ids=frozenset(),
        coordinator_user_ids=frozenset({shadow_story.CORA.value}),
    )
    assert cmd_privacy(args, engine=engine, settings=settings, now=NOW) == 0
    assert goals in Path(out / "subject-access.json").read_text().lower()
    assert goals in Path(out / "subject-access.html").read_text().lower()

    args.action = "erase"
    assert cmd_privacy(args, engine=engine, settings=settings, now=NOW) == 4
    signup.withdraw(engine, user_id=cai, reason=f"{TOKEN} moving on", now=NOW)
    assert cmd_privacy(args, engine=engine, settings=settings, now=NOW) == 0
    for token in (goals, TOKEN, cai):
        assert all(_kept_with_reason(p) for p in _text_hits(engine, token)), token
