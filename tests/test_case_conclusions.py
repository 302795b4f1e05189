"""One meaning of "concluded", "closed" and "open" (bot.complaints.lifecycle), used alike by the
reports, the digest and its chart, App Home, the jobs and the shadowing conflict rule; each
move into a concluded state records its date. Cases are walked through the core."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session

from bot.complaints import lifecycle, views
from bot.db import transaction
from bot.reports import digest, sql
from bot.reports.annual import build_report, service_year
from bot.reports.charts import alt_text
from bot.shadowing import conflicts
from models import Complaint
from tests.people_ids import pid
from tests.reports_fixture import A_LEAD
from tests.test_investigation_core import DETAILS, LEAD, OWNER, actor_for, new_case
from tests.test_shadow_core_conflicts import _complaint
from tests.test_shadow_core_support import DWP, applicant, host, reading

RECEIVED = date(2025, 6, 2)
MOVED_AT = datetime(2025, 7, 1, 23, 30, tzinfo=UTC)  # 00:30 on 2 July in the UK (BST)
MOVED_ON = date(2025, 7, 2)

# How each final state is reached from a new case, and what the chart calls it.
ROUTES: dict[str, tuple[list[str], str]] = {
    "resolved": (["triage", "start", "resolve"], "advice_resolved"),
    "closed": (["triage", "start", "resolve", "close"], "advice_resolved"),
    "out_of_scope": (["out_of_scope"], "out_of_scope"),
    "referred": (["triage", "refer"], "referred"),
    "withdrawn": (["triage", "withdraw"], "withdrawn"),
    "investigating": (["triage", "start"], "open"),
}


def walk(engine, actions: list[str]) -> int:
    case_id = new_case(engine, today=RECEIVED, procurement_date=date(2025, 5, 1)).id
    for action in actions:
        with transaction(engine) as s:
            case = s.get(Complaint, case_id)
            details = {} if action == "close" else DETAILS.get(action, {})
            lifecycle.apply(s, case, action, actor_for(action), MOVED_AT, **details)
    return case_id


def test_the_groups_partition_the_states_and_every_module_uses_them():
    L = lifecycle
    assert set(L.OPEN_STATUSES) | set(L.CLOSED_STATUSES) == set(L.STATUSES)
    assert not set(L.OPEN_STATUSES) & set(L.CLOSED_STATUSES)
    assert set(L.WORKING_STATUSES) | set(L.CONCLUDED_STATUSES) == set(L.STATUSES)
    assert set(L.CLOSED_STATUSES) < set(L.CONCLUDED_STATUSES)
    assert L.TRANSITIONS["reopen"].sources == L.CLOSED_STATUSES
    assert L.TRANSITIONS["withdraw"].sources == L.OPEN_STATUSES
    assert digest.terms.OPEN_STATUSES is L.OPEN_STATUSES
    assert {"resolved", "follow_up"} <= set(L.OPEN_STATUSES)


@pytest.mark.parametrize(
    ("action", "source"),
    [
        (a, s)
        for a, m in lifecycle.TRANSITIONS.items()
        if m.target in lifecycle.CONCLUDED_STATUSES
        for s in m.sources
    ],
)
def test_every_move_into_a_concluded_state_records_its_date(engine, action, source):
    case_id = new_case(engine, today=RECEIVED, procurement_date=date(2025, 5, 1)).id
    with Session(engine) as s:
        case = s.get(Complaint, case_id)
        case.status = source
        case.resolved_on = date(2025, 6, 20) if source in ("resolved", "follow_up") else None
        details = {} if action == "close" and source == "resolved" else DETAILS.get(action, {})
        actor = OWNER if action == "withdraw" else LEAD
        lifecycle.apply(s, case, action, actor, MOVED_AT, **details)
        s.flush()
        target = lifecycle.TRANSITIONS[action].target
        expected = case.resolved_on if source in ("resolved", "follow_up") else MOVED_ON
        assert lifecycle.conclusion_date(case) == expected
        if target in lifecycle.CLOSED_STATUSES:
            assert case.closed_on == MOVED_ON  # the UK day of the move
        s.rollback()


def test_each_final_state_is_counted_once_in_its_year_everywhere(engine):
    ids = {state: walk(engine, actions) for state, (actions, _) in ROUTES.items()}
    with Session(engine) as s:
        stored = {state: s.get(Complaint, i) for state, i in ids.items()}
        assert {k: c.status for k, c in stored.items()} == {k: k for k in ROUTES}
        for state in ("closed", "out_of_scope", "referred", "withdrawn"):
            assert stored[state].closed_on == MOVED_ON, state

        year = build_report(s, *service_year(2025), actor=A_LEAD)
        assert (year.received, year.closed, year.carried_over) == (6, 5, 1)
        assert year.ended == {"resolved": 2, "out_of_scope": 1, "referred": 1, "withdrawn": 1}
        later = build_report(s, *service_year(2026), actor=A_LEAD)
        # Only the case still being investigated is carried over into later years.
        assert (later.received, later.closed, later.carried_over) == (0, 0, 1)

        figures = digest.build_digest(
            s, actor=A_LEAD, today=date(2025, 7, 3), now=MOVED_AT, threshold=1
        )
        assert figures["open_by_status"] == {"investigating": 1, "resolved": 1}
        chart = figures["chart"]["by_month"]["2025-06"]
        assert chart == {
            "advice_resolved": 2,
            "out_of_scope": 1,
            "referred": 1,
            "withdrawn": 1,
            "open": 1,
        }
        described = alt_text(figures["chart"]["by_month"], {})
        assert "Still open 1" in described and "Out of scope 1" in described

        home = views.home_view(s, LEAD, date(2025, 7, 3))
        listed = {v.status for cases in home.team_by_status.values() for v in cases}
        assert listed == {"investigating", "resolved"}
        counts = views.team_counts(s, date(2025, 7, 3))
        assert counts["investigating"] == 1 and counts["resolved"] == 1
        assert not {"closed", "out_of_scope", "referred", "withdrawn"} & set(counts)


def test_a_reopened_case_is_no_longer_concluded(engine):
    case_id = walk(engine, ROUTES["out_of_scope"][0])
    with transaction(engine) as s:
        lifecycle.apply(s, s.get(Complaint, case_id), "reopen", LEAD, MOVED_AT)
    with Session(engine) as s:
        case = s.get(Complaint, case_id)
        assert case.closed_on is None and lifecycle.conclusion_date(case) is None
        later = build_report(s, *service_year(2026), actor=A_LEAD)
        assert later.carried_over == 1
        # concluded_on() is NULL for a working case, whatever dates the row still holds.
        from sqlalchemy import select

        assert s.execute(select(sql.concluded_on()).where(sql.c.id == case_id)).scalar() is None


def test_a_referred_complaint_no_longer_bans_the_pair(engine):
    dwp = applicant(engine, pid("U2"), department=DWP)
    shelter = host(engine, pid("UH1"), organisation="Shelter Together")
    complaint = _complaint(engine, 1, DWP, "Shelter Together")
    for status in lifecycle.STATUSES:
        with transaction(engine) as s:
            s.get(Complaint, complaint.id).status = status
        with reading(engine) as s:
            banned = conflicts.banned_pairs(s, [dwp], [shelter])
        # The conflict rule is the lifecycle's "open": referred, like every closed state,
        # frees the pair; resolved and follow-up (still to be followed up) do not.
        assert bool(banned) == (status in lifecycle.OPEN_STATUSES), status
    with transaction(engine) as s:
        case = s.get(Complaint, complaint.id)
        case.status = "triaged"
        lifecycle.apply(s, case, "refer", LEAD, MOVED_AT, note="To the PCS.")
    with reading(engine) as s:
        assert conflicts.banned_pairs(s, [dwp], [shelter]) == {}
