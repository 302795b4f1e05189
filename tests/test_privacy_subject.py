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
from bot.bootstrap import job_registry
from bot.complaints import notes, relay
from bot.db import transaction
from bot.jobs import runner
from bot.permissions import Actor
from bot.privacy import erase, export, records
from bot.privacy.cli import cmd_privacy
from bot.privacy.register import REGISTER
from bot.privacy.retention import apply_retention
from bot.reports.annual import build_report
from bot.reports.digest import build_digest
from bot.shadowing import hosts, placements, signup
from bot.shadowing.report import build_report as build_shadow_report
from bot.shadowing.report import format_report
from tests.conftest import make_settings
from tests.reports_fixture import A_LEAD
from tests.textfe import test_shadowing_story as shadow_story
from tests.textfe.frontend import case_of, note_key
from tests.textfe.test_complaint_story import IVY, LEO, NOW, ZED, front_end

TOKEN = "tokzed"
FILED = (
    "complaint authority_kind=wider stage=tender category=timescales "
    "procurement_date=2026-10-01 organisation_type=vcse anonymous=yes "
    'authority_name="Felpersham Trust" procurement_title="Community transport" '
    f'what_happened="{TOKEN} what happened" outcome_wanted="{TOKEN} <script>x</script>" '
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
    ivy = fe.actor_of(IVY.value)
    notes.edit_note(engine, case_of(card), note_key(first), "edited note", NOW, actor=ivy)
    fe.say("ivy", f'reply {card.id} "{TOKEN} note to delete"')
    doomed = fe.conversations.thread(card.id)[-1]
    notes.delete_note(engine, note_key(doomed), NOW, actor=ivy)
    assert fe.say("ivy", f'ask MS-2026-0001 "{TOKEN} which lot?"').startswith("Sent")
    question = fe.conversations.room(str(ZED.value))[-1]
    assert fe.say("zed", f'reply {question.id} "{TOKEN} lot two"') == "Passed to the team."
    relay.reveal(engine, "MS-2026-0001", fe.actor_of(LEO.value), NOW)
    fe.deliver()
    return fe


def _exported(held: dict, place: str, token: str) -> bool:
    table, _, column = place.partition(".")
    rows = held["tables"].get(table, [])
    return any(token in str(item["row"].get(column)).lower() for item in rows)


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
        digest = build_digest(s, actor=A_LEAD, today=today, now=NOW + timedelta(days=400))
        report = asdict(build_report(s, date(2026, 4, 6), date(2027, 4, 5), actor=A_LEAD))
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
    assert [p for p in places if not _exported(held, p, TOKEN)] == []
    # The lead's reveal is in the supplier's export and in the lead's own (issue 17 item 5).
    kinds = [item["row"]["kind"] for item in held["tables"]["complaint_event"]]
    assert "revealed" in kinds
    leads = export.build(engine, records.Subject(frozenset({LEO.value}), staff=True), NOW)
    assert [i["row"]["kind"] for i in leads["tables"]["complaint_event"]] == ["revealed"]
    # The investigator's export holds what she wrote, not what the supplier wrote.
    ivys = export.build(engine, records.Subject(frozenset({IVY.value}), staff=True), NOW)
    assert "edited note" in str(ivys) and f"{TOKEN} first note" in str(ivys)
    assert "what happened" not in str(ivys) and export.WITHHELD in str(ivys)
    page = export.render_html(held)
    assert "<script" not in page and "&lt;script&gt;x&lt;/script&gt;" in page

    before = _figures(engine, date(2027, 3, 1))
    done = erase.erase(engine, subject, NOW)
    assert done.counts["complaint"] == 1 and done.counts["case_note"] >= 3
    left = _text_hits(engine, TOKEN)
    assert all(_kept_with_reason(p) for p in left), left
    # Nothing names Zed any more: the person's account and name are erased with the rest.
    assert "text-zed" not in str(export.build(engine, subject, NOW)["tables"])
    assert all(_kept_with_reason(p) for p in _text_hits(engine, "text-zed"))
    assert _figures(engine, date(2027, 3, 1)) == before
    with engine.connect() as conn:
        audit = conn.execute(
            select(models.JobRun.result).where(models.JobRun.job == erase.AUDIT_JOB)
        ).scalar_one()
    assert audit.startswith("erased: ") and "text-zed" not in audit and TOKEN not in audit
    # Erasing again finds nothing more to change.
    assert erase.erase(engine, subject, NOW).counts == {}
    # The posted card is redrawn, through the outbox, from what is left of the case.
    with engine.connect() as conn:
        out = models.OutboxMessage.__table__
        queued = select(out.c.status).where(out.c.kind == "complaint.card.refresh")
        assert "pending" in conn.execute(queued).scalars().all()
    assert fe.deliver() >= 1


def test_retention_redacts_what_is_due_once(engine):
    fe = _file_and_discuss(engine)
    fe.say("zed", WITHDRAWN)
    fe.deliver()
    periods = {"case_years": 6, "shadowing_days": 365, "outbox_days": 30}
    before = _figures(engine, date(2027, 3, 1))

    def run(now):
        with transaction(engine) as session:
            return apply_retention(session, now, **periods)

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


def test_a_civil_servant_is_refused_while_placed_then_erased_by_the_command(engine, tmp_path):
    shadow_story.run_story(engine)
    cai = shadow_story.CAI.value
    goals = "frontline homelessness"
    out = tmp_path / "export"
    # The command names people as their accounts do ("text-cai"), like role settings.
    args = SimpleNamespace(action="export", person="text-cai", out=str(out))
    settings = SimpleNamespace(
        investigator_user_ids=frozenset(),
        lead_user_ids=frozenset(),
        coordinator_user_ids=frozenset({"text-cora"}),
    )
    assert cmd_privacy(args, engine=engine, settings=settings, now=NOW) == 0
    assert goals in Path(out / "subject-access.json").read_text().lower()
    assert goals in Path(out / "subject-access.html").read_text().lower()

    args.action = "erase"
    assert cmd_privacy(args, engine=engine, settings=settings, now=NOW) == 4
    signup.withdraw(engine, actor=Actor(cai), reason=f"{TOKEN} moving on", now=NOW)
    assert cmd_privacy(args, engine=engine, settings=settings, now=NOW) == 0
    for token in (goals, TOKEN, "text-cai"):
        assert all(_kept_with_reason(p) for p in _text_hits(engine, token)), token


CAI_TOKEN, HAL_TOKEN = "tokcai", "tokhal"
SIGNUP = (
    'signup department="Home Office" grade=HEO region=london mode=either '
    "interests=housing,homelessness length=week available_from=2026-11-27 "
    "available_to=2027-03-20 manager_id=@mia "
    f'role="{CAI_TOKEN} adviser" learning_goals="{CAI_TOKEN} goals" '
    f'conflict_organisations="{CAI_TOKEN} Partner Org"'
)
HOST = (
    'host organisation="Shelter Together" areas=housing,homelessness region=london '
    "mode=in_person capacity=2 available_from=2026-11-21 available_to=2027-06-01 "
    f'contact_name="{HAL_TOKEN} Host" contact_email=hal@example.org '
    f'activities="{HAL_TOKEN} outreach"'
)


def _placed_and_completed(engine):
    """Cai signs up, Mia approves, Hal offers, Cora matches, both accept; then the placement
    is scheduled, completed and both sides give feedback."""
    fe = shadow_story.front_end(engine)
    assert fe.say("cai", SIGNUP).startswith("Thank you")
    fe.say("mia", "approve 1")
    assert fe.say("hal", HOST).startswith("Thank you")
    fe.say("cora", "round")
    assert fe.say("cora", "commit 1") == "Round 1 committed: 1 offers sent."
    fe.say("cai", "accept 1")
    fe.say("hal", "accept 1")
    today = fe.today
    cai, hal = shadow_story.CAI.value, shadow_story.HAL.value
    placements.schedule(
        engine,
        1,
        actor=Actor(hal),
        start_date=today + timedelta(days=10),
        end_date=today + timedelta(days=14),
        today=today,
    )
    with pytest.raises(erase.ErasureRefused, match="placement 1 is under way"):
        erase.erase(engine, records.Subject(frozenset({cai})), NOW)
    placements.complete(engine, 1, actor=Actor(hal), today=today + timedelta(days=15))
    for who, token in ((cai, CAI_TOKEN), (hal, HAL_TOKEN)):
        placements.give_feedback(
            engine,
            1,
            actor=Actor(who),
            worthwhile=4,
            learned=f"{token} learned",
            would_recommend=True,
        )
    fe.deliver()
    return fe


def _shadow_figures(engine):
    with Session(engine) as s:
        return format_report(build_shadow_report(s, now=NOW + timedelta(days=400)))


def test_shadowing_people_are_exported_and_erased(engine):
    _placed_and_completed(engine)
    cai, hal = shadow_story.CAI.value, shadow_story.HAL.value
    with engine.connect() as conn:
        by_email = records.find_subject(conn, "HAL@example.org")
    assert hal in by_email.identifiers

    for subject, token in ((records.Subject(frozenset({cai})), CAI_TOKEN), (by_email, HAL_TOKEN)):
        places = _text_hits(engine, token)
        assert places, token
        held = export.build(engine, subject, NOW)
        assert [p for p in places if not _exported(held, p, token)] == []

    # The manager's export lists the sign-up she approved, not the civil servant's data.
    mias = export.build(engine, records.Subject(frozenset({shadow_story.MIA.value})), NOW)
    approved = mias["tables"]["shadow_applicant"][0]["row"]
    assert approved["person_id"] == export.SOMEONE_ELSE
    assert approved["learning_goals"] == export.WITHHELD

    before = _shadow_figures(engine)
    assert erase.erase(engine, records.Subject(frozenset({cai})), NOW).counts
    assert all(_kept_with_reason(p) for p in _text_hits(engine, CAI_TOKEN))
    assert all(_kept_with_reason(p) for p in _text_hits(engine, "text-cai"))
    with pytest.raises(erase.ErasureRefused, match="host offer 1 is open"):
        erase.erase(engine, by_email, NOW)
    hosts.set_open(engine, 1, actor=Actor(hal), open_=False, now=NOW)
    assert erase.erase(engine, by_email, NOW).counts
    for token in (HAL_TOKEN, "text-hal", "hal@example.org"):
        assert all(_kept_with_reason(p) for p in _text_hits(engine, token)), token
    assert _shadow_figures(engine) == before


def test_shadowing_retention_waits_a_year_after_the_placement(engine):
    _placed_and_completed(engine)
    hal = shadow_story.HAL.value
    hosts.set_open(engine, 1, actor=Actor(hal), open_=False, now=NOW)
    periods = {"case_years": 6, "shadowing_days": 365, "outbox_days": 10_000}
    before = _shadow_figures(engine)

    def run(now):
        with transaction(engine) as session:
            return apply_retention(session, now, **periods)

    # Rows are stamped with the wall clock as well as the story's dates: go past both.
    later = max(datetime.now(UTC), NOW + timedelta(days=30))
    assert run(later + timedelta(days=300)) == {}
    done = run(later + timedelta(days=366))
    assert {"shadow_applicant", "shadow_host", "shadow_feedback"} <= set(done)
    for token in (CAI_TOKEN, HAL_TOKEN):
        assert all(_kept_with_reason(p) for p in _text_hits(engine, token)), token
    assert run(later + timedelta(days=366)) == {}
    assert _shadow_figures(engine) == before


def test_the_retention_job_runs_each_slot_once(engine):
    fe = _file_and_discuss(engine)
    fe.say("zed", WITHDRAWN)
    fe.deliver()
    settings = make_settings(engine.url.render_as_string(hide_password=False), "http://x/")
    job = job_registry().get("privacy_retention")
    now = datetime.now(UTC) + timedelta(days=6 * 366)
    assert runner.fire(engine, settings, job, now) == "done"
    assert runner.fire(engine, settings, job, now + timedelta(minutes=1)) == "taken"
    with engine.connect() as conn:
        [result] = conn.execute(
            select(models.JobRun.result).where(models.JobRun.job == "privacy_retention")
        ).scalars()
    assert result.startswith("redacted: ") and "complaint 1" in result
    assert all(_kept_with_reason(p) for p in _text_hits(engine, TOKEN))


def test_the_registers_links_name_real_tables_and_columns():
    """What export and erasure follow (parent, author, erase_if) must exist, or a rename by
    the people or conversations work would silently drop a person's rows."""
    for name, columns in REGISTER.items():
        model = models.metadata.tables[name]
        for column, entry in columns.items():
            where = f"{name}.{column}"
            if entry.parent:
                assert entry.parent in REGISTER and "id" in REGISTER[entry.parent], where
            if entry.parent_when:
                assert entry.parent_when[0] in model.c, where
            if entry.author:
                assert columns[entry.author].link is not None, where
            if entry.erase_if:
                assert entry.erase_if in model.c, where
            if entry.link is not None:
                assert entry.personal, where
    owners = {n for n, cols in REGISTER.items() if any(e.link for e in cols.values())}
    assert {"complaint", "shadow_applicant", "shadow_host", "outbox_message"} <= owners


def test_msbot_has_the_privacy_command():
    from handlers.cli import build_parser, commands

    args = build_parser().parse_args(["privacy", "erase", "--person", "someone@example.org"])
    assert (args.command, args.action, args.person) == ("privacy", "erase", "someone@example.org")
    assert {c.name: c.run for c in commands()}["privacy"] is cmd_privacy
