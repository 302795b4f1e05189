"""Published-results reports: figures checked against a small data set worked out by hand,
every format, the privacy threshold, and no supplier-identifying text in any output."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from bot.db import transaction
from bot.errors import NotPermitted
from bot.permissions import SYSTEM_ACTOR, Actor
from bot.reports.annual import Report, build_report, service_year
from bot.reports.digest import build_digest
from bot.reports.digest_text import digest_text
from bot.reports.render import FORMATS, render
from models import CaseNote, Complaint, ComplaintEvent
from tests.people_ids import pid
from tests.reports_fixture import A_LEAD, add_case

PLANTED = {
    "organisation_name": "PLANTED-ORG-Acme Widgets",
    "reporter_id": pid("UPLANTED9"),
    "what_happened": "PLANTED-WHAT the buyer said",
    "outcome_wanted": "PLANTED-WANTED my money",
    "procurement_title": "PLANTED-TITLE Widget frame",
    "procurement_reference": "PLANTED-PREF-123",
    "status_reason": "PLANTED-REASON",
    "follow_up_note": "PLANTED-FUNOTE",
}


def hand_data_set(engine, **extra):
    """The fixed data set; the expected figures in the tests below were worked out by hand."""
    add_case(
        engine,
        received_on=date(2025, 3, 1),
        status="closed",
        authority_kind="central",
        category="late_payment",
        organisation_type="sme",
        due_date=date(2025, 5, 1),
        resolved_on=date(2025, 5, 1),
        outcome="live_change",
        money_released_pence=100_000,
        **extra,
    )  # A: received the year before
    add_case(
        engine,
        received_on=date(2025, 5, 10),
        status="closed",
        authority_kind="wider",
        category="evaluation",
        organisation_type="vcse",
        due_date=date(2025, 8, 11),
        supplier_wait_days=5,
        resolved_on=date(2025, 8, 20),
        outcome="not_upheld",
        public_summary="PLANTED-UNPUBLISHED-SUMMARY",
        agreed_actions="PLANTED-UNPUB-ACT",
        **extra,
    )  # B: late (target 16 Aug)
    add_case(
        engine,
        received_on=date(2025, 6, 1),
        status="closed",
        authority_kind="central",
        category="late_payment",
        organisation_type="sme",
        due_date=date(2025, 8, 1),
        resolved_on=date(2025, 7, 1),
        outcome="money_released",
        money_released_pence=250_000,
        publishable=True,
        authority_name="Department for Widgets",
        agreed_actions="Invoice paid in full",
        public_summary="A supplier waited 90 days for payment.",
        follow_up_due=date(2025, 9, 1),
        follow_up_result="yes",
        closed_on=date(2025, 9, 2),
        **extra,
    )  # C
    add_case(
        engine,
        received_on=date(2025, 7, 1),
        status="investigating",
        authority_kind="wider",
        category="late_payment",
        organisation_type="large",
        due_date=date(2025, 10, 1),
        **extra,
    )  # D: still open
    add_case(
        engine,
        received_on=date(2025, 9, 1),
        status="out_of_scope",
        authority_kind="central",
        category="transparency",
        organisation_type="other",
        closed_on=date(2025, 9, 10),
        **extra,
    )  # E
    add_case(
        engine,
        received_on=date(2026, 3, 1),
        status="resolved",
        authority_kind="central",
        category="evaluation",
        organisation_type="sme",
        due_date=date(2026, 5, 1),
        resolved_on=date(2026, 4, 10),
        outcome="partial_change",
        **extra,
    )  # F: after end
    spot = {**extra, "reporter_id": None}
    add_case(
        engine,
        kind="spot_check",
        received_on=date(2025, 10, 1),
        status="closed",
        authority_kind="wider",
        category="framework",
        organisation_type="other",
        due_date=date(2026, 1, 1),
        resolved_on=date(2025, 12, 1),
        outcome="future_improvements",
        publishable=True,
        authority_name="NHS Trust X",
        agreed_actions="Framework guidance rewritten",
        follow_up_due=date(2026, 2, 1),
        follow_up_result="partly",
        closed_on=date(2026, 2, 3),
        **spot,
    )  # G
    add_case(engine, received_on=date(2026, 5, 1), **extra)  # H: next year


def test_yearly_figures_match_the_hand_count(engine):
    hand_data_set(engine)
    start, end = service_year(2025)
    assert (start, end) == (date(2025, 4, 6), date(2026, 4, 5))
    with Session(engine) as s:
        r = build_report(s, start, end, actor=A_LEAD)
    assert (r.received, r.closed, r.carried_over) == (6, 5, 2)
    assert r.ended == {"resolved": 4, "out_of_scope": 1}
    assert (r.with_outcome, r.positive, r.share_positive) == (4, 3, 0.75)
    assert r.by_category == {"evaluation": 2, "late_payment": 2, "framework": 1, "transparency": 1}
    assert r.by_authority_kind == {"central": 3, "wider": 3}
    assert r.by_supplier_type == {"sme": 2, "large": 1, "other": 1, "vcse": 1}
    assert r.target == {
        "central": {"resolved": 2, "on_time": 2},
        "wider": {"resolved": 2, "on_time": 1},
    }
    assert (r.money_released_pence, r.cases_with_money, r.money_per_case_pence) == (
        350_000,
        2,
        175_000,
    )
    assert r.follow_ups == {"partly": 1, "yes": 1}
    assert [cs.authority for cs in r.summaries] == ["Department for Widgets", "NHS Trust X"]
    assert r.summaries[0].action == "Invoice paid in full"


def test_small_counts_are_hidden_in_every_format(engine):
    hand_data_set(engine)
    with Session(engine) as s:
        r = build_report(s, *service_year(2025), actor=A_LEAD)
    data = json.loads(render(r, "json", 3))
    # Categories 2, 2, 1, 1 of 6: every one is small, so all are withheld (together 6).
    cats = data["breakdowns"]["Cases by category"]
    assert set(cats.values()) == {"withheld"}
    assert data["breakdowns"]["Cases by authority kind"] == {
        "Central government": 3,
        "Wider public sector (council, NHS trust, college, ...)": 3,
    }
    # One case out of scope among 5 concluded: its complement (4 resolved) is withheld too,
    # or 5 - 4 would give it away.
    assert data["breakdowns"]["How cases concluded"] == {
        "Resolved": "withheld",
        "Out of scope": "withheld",
    }
    assert data["headline"]["Cases received"] == 6 and data["headline"]["Cases concluded"] == 5
    withheld = "withheld (fewer than 3 cases)"
    # Four outcomes of one case each: 75% positive would say exactly one was not upheld.
    assert set(data["breakdowns"]["Outcomes"].values()) == {"withheld"}
    assert data["headline"]["Share with a positive outcome"] == withheld
    # Two follow-ups (1 + 1): the total would pin both down.
    assert data["headline"]["Follow-ups done"] == withheld
    # Money over two cases and a share of two wider-sector cases would point at suppliers.
    assert data["headline"]["Money released"] == withheld
    assert data["headline"]["Met the service target (wider public sector)"] == withheld
    loose = json.loads(render(r, "json", 2))["headline"]
    assert loose["Money released"] == "£3,500.00"
    assert loose["Money released per case (where released)"] == "£1,750.00"
    # 50% of two cases is one on time and one late: counts under 2, so withheld.
    assert loose["Met the service target (wider public sector)"] == "withheld (fewer than 2 cases)"
    assert loose["Met the service target (central government)"] == "100%"
    rows = list(csv.reader(io.StringIO(render(r, "csv", 3))))
    assert ["Cases by category", "Evaluation", "withheld"] in rows
    md = render(r, "md", 3)
    assert "| Evaluation | withheld |" in md and "| Cases carried over | 2 |" in md
    assert "cannot be worked out from the others" in md
    page = render(r, "html", 3)
    assert page.startswith("<!doctype html>") and "data:image/png;base64," in page
    assert 'alt="Bar chart' in page and "<td>withheld</td>" in page
    # Self-contained: nothing fetched from elsewhere.
    assert 'src="http' not in page and "<link" not in page and "<script" not in page


def test_no_supplier_text_reaches_any_report_or_the_digest(engine):
    hand_data_set(engine, **PLANTED)
    with transaction(engine) as s:
        for i, case_id in enumerate(s.exec(select(Complaint.id)).all()):
            s.add(
                CaseNote(
                    complaint_id=case_id,
                    source_key=f"n{i}",
                    from_supplier=True,
                    text="PLANTED-NOTE from the supplier",
                    history=[{"text": "PLANTED-OLD"}],
                )
            )
            s.add(ComplaintEvent(complaint_id=case_id, kind="note", data={"text": "PLANTED-EVENT"}))
    with Session(engine) as s:
        r = build_report(s, *service_year(2025), actor=A_LEAD)
        outputs = [render(r, fmt, 3) for fmt in FORMATS]
        figures = build_digest(s, actor=A_LEAD, today=date(2025, 12, 1), now=None or _now())
        outputs += [digest_text(figures), json.dumps(figures)]
    for out in outputs:
        for planted in [*PLANTED.values(), "PLANTED-UNPUBLISHED-SUMMARY", "PLANTED-UNPUB-ACT"]:
            assert str(planted) not in out
        assert "PLANTED" not in out
    # the publishable, investigator-written summary is there
    assert "A supplier waited 90 days for payment." in outputs[0]


def _now():
    from datetime import UTC, datetime

    return datetime(2025, 12, 1, 9, tzinfo=UTC)


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_empty_year_renders(engine, fmt):
    with Session(engine) as s:
        out = render(build_report(s, *service_year(2030), actor=A_LEAD), fmt, 3)
    assert "Cases received" in out


def test_cli_writes_a_report_file(tmp_path):
    import subprocess
    import sys

    from tests.databases import migrated_engine
    from tests.processes import msbot_env

    url = f"sqlite:///{tmp_path}/m.db"
    engine = migrated_engine(url)
    hand_data_set(engine, **PLANTED)
    engine.dispose()
    out = tmp_path / "report.html"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "report",
            "--year",
            "2025",
            "--format",
            "html",
            "--output",
            str(out),
        ],
        env=msbot_env({"DATABASE_URL": url, "LOG_FORMAT": "console"}),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    page = out.read_text()
    assert "Department for Widgets" in page and "PLANTED" not in page
    bad = subprocess.run(
        [sys.executable, "-m", "bot", "report", "--from", "2025-13-01", "--to", "2025-01-01"],
        env=msbot_env({"DATABASE_URL": url}),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and "not a date" in bad.stderr


COUNTS = st.dictionaries(
    st.sampled_from(["late_payment", "evaluation", "other"]), st.integers(0, 50), max_size=3
)


@hypothesis_settings(max_examples=80, deadline=None)
@given(COUNTS, COUNTS, st.integers(1, 10))
def test_no_breakdown_shows_a_count_under_the_threshold(categories, types, threshold):
    r = Report(
        start=date(2025, 4, 6),
        end=date(2026, 4, 5),
        received=0,
        closed=0,
        carried_over=0,
        with_outcome=0,
        positive=0,
        partial=0,
        by_category=categories,
        by_authority_kind={},
        by_supplier_type=types,
        outcomes={},
        target={},
        money_released_pence=0,
        cases_with_money=0,
        follow_ups={},
    )
    for counts in json.loads(render(r, "json", threshold))["breakdowns"].values():
        for shown in counts.values():
            assert shown == 0 or shown == "withheld" or shown >= threshold


@pytest.mark.parametrize(
    "roles", [frozenset(), frozenset({"investigator"}), frozenset({"coordinator"})]
)
def test_the_figures_are_refused_at_the_core_to_anyone_but_a_lead(engine, roles):
    hand_data_set(engine)
    asker = Actor(pid("UINV1"), roles)
    with Session(engine) as s:
        with pytest.raises(NotPermitted) as refused:
            build_report(s, *service_year(2025), actor=asker)
        assert refused.value.code == "leads_only"
        with pytest.raises(NotPermitted, match="Only leads can see the team's reports"):
            build_digest(s, actor=asker, today=date(2025, 12, 1), now=_now())
        # The scheduled digest and the file a lead asked for are drawn by the system.
        assert build_report(s, *service_year(2025), actor=SYSTEM_ACTOR).received > 0
        assert build_digest(s, actor=SYSTEM_ACTOR, today=date(2025, 12, 1), now=_now())
