"""The migrations build exactly the models' schema; references stay unique under load."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from bot.complaints import intake
from bot.migrate import current_revision, head_revision, pending_message
from bot.permissions import Actor
from models import Complaint, metadata
from tests.conftest import TODAY, rows

POLICY = intake.IntakePolicy()


def test_migrations_match_models(engine):
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == [], f"models and migrations disagree; add a migration: {diff}"
    assert current_revision(engine) == head_revision()
    assert pending_message(engine) is None


def _form(n: int) -> intake.ComplaintForm:
    return intake.ComplaintForm(
        authority_name=f"Authority {n}",
        authority_kind="central",
        procurement_title="T",
        stage="tender",
        category="other",
        procurement_date=date(2026, 10, 1),
        what_happened="Something",
        outcome_wanted="Change",
        organisation_name="Org",
        organisation_type="sme",
    )


def test_concurrent_submissions_get_unique_sequential_references(engine, session):
    def one(n: int) -> str:
        return intake.submit(
            engine,
            _form(n),
            actor=Actor(f"U{n}"),
            submission_key=f"VC{n}",
            today=TODAY,
            policy=POLICY,
        ).complaint.reference

    with ThreadPoolExecutor(max_workers=12) as pool:
        refs = list(pool.map(one, range(40)))
    assert sorted(refs) == [f"MS-2026-{i:04d}" for i in range(1, 41)]
    assert len(rows(session, Complaint)) == 40


def test_references_restart_each_year(engine):
    first = intake.submit(
        engine,
        _form(1),
        actor=Actor("U1"),
        submission_key="VY1",
        today=date(2026, 12, 31),
        policy=POLICY,
    )
    second = intake.submit(
        engine,
        _form(2),
        actor=Actor("U1"),
        submission_key="VY2",
        today=date(2027, 1, 1),
        policy=POLICY,
    )
    assert (first.complaint.reference, second.complaint.reference) == (
        "MS-2026-0001",
        "MS-2027-0001",
    )


def test_validation_failure_uses_no_number(engine):
    bad = intake.ComplaintForm()
    try:
        intake.submit(
            engine, bad, actor=Actor("U1"), submission_key="VB", today=TODAY, policy=POLICY
        )
    except intake.ValidationFailed as exc:
        assert len(exc.errors) >= 8
    ok = intake.submit(
        engine, _form(1), actor=Actor("U1"), submission_key="VG", today=TODAY, policy=POLICY
    )
    assert ok.complaint.reference == "MS-2026-0001"
