"""Read models for the card and App Home: what each person sees, in a bounded number of
queries (both databases)."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, timedelta

from sqlalchemy import event
from sqlmodel import Session

from bot.complaints import investigation, views
from bot.permissions import Actor
from tests.test_investigation_core import INVESTIGATOR, LEAD, NOW, OWNER, REPORTER, new_case
from tests.test_investigation_core_service import do, to_investigating

LATER = date(2027, 6, 1)  # long after every service target in these tests


@contextmanager
def counted(engine):
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        if not statement.startswith("BEGIN"):  # SQLite's BEGIN IMMEDIATE is not a query
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_card_view_shows_state_deadlines_related_and_the_viewers_actions(engine):
    first = new_case(engine, anonymous=True)
    second = new_case(engine, reporter="UOTHER")  # same procurement: linked
    to_investigating(engine, first.reference)
    do(engine, first.reference, "contact_authority")
    with Session(engine) as s:
        inv = views.case_view(s, first.id, INVESTIGATOR, today=LATER)
        lead = views.case_view(s, first.id, LEAD, today=LATER)
        owner = views.case_view(s, first.id, OWNER, today=LATER)
        other = views.case_view(s, second.id, INVESTIGATOR, today=NOW.date())
    assert (inv.status, inv.status_label) == ("awaiting_authority", "Waiting for the authority")
    assert inv.related == (second.reference,) and other.related == (first.reference,)
    assert inv.raised_by_label == "Anonymous supplier" and inv.raised_by_user_id is None
    assert other.raised_by_user_id == "UOTHER"
    assert inv.overdue and inv.authority_overdue and inv.any_overdue
    assert not other.overdue and not other.due_soon
    assert inv.authority_reply_due == NOW.date() + timedelta(days=30)
    assert inv.allowed == ("authority_replied", "resolve", "refer")
    assert lead.allowed == inv.allowed
    assert owner.allowed == ("withdraw",)
    assert inv.can_assign_self and inv.can_assign and not inv.can_reassign
    assert not owner.can_assign_self


def test_home_views_per_role(engine):
    mine = new_case(engine, procurement_title="Alpha", authority_name="A")
    overdue = new_case(
        engine,
        procurement_title="Beta",
        authority_name="B",
        today=date(2026, 6, 1),
        procurement_date=date(2026, 5, 1),
    )
    queue = new_case(engine, procurement_title="Gamma", authority_name="C")
    followed = new_case(engine, procurement_title="Delta", authority_name="D")
    for case in (mine, overdue):
        investigation.assign(
            engine, case.reference, "UINV1", INVESTIGATOR, NOW, only_if_unassigned=True
        )
    investigation.assign(engine, followed.reference, "UINV2", LEAD, NOW, only_if_unassigned=True)
    to_investigating(engine, followed.reference)
    do(engine, followed.reference, "resolve", follow_up_due=date(2026, 12, 1))
    today = date(2026, 12, 2)
    with Session(engine) as s:
        inv = views.home_view(s, INVESTIGATOR, today)
        lead = views.home_view(s, LEAD, today)
        owner = views.home_view(s, OWNER, today)
        counts = views.team_counts(s, today)
    assert [v.reference for v in inv.my_cases] == [overdue.reference, mine.reference]
    assert inv.my_cases[0].overdue
    assert [v.reference for v in inv.unassigned] == [queue.reference]
    assert inv.team_by_status == {} and inv.own_complaints == []
    assert [v.reference for v in lead.overdue] == [overdue.reference]
    assert [v.reference for v in lead.follow_ups_due] == [followed.reference]
    assert sorted(lead.team_by_status) == ["received", "resolved"]
    assert len(lead.team_by_status["received"]) == 3
    assert [c.reference for c in owner.own_complaints] == [
        followed.reference,
        queue.reference,
        overdue.reference,
        mine.reference,
    ]
    assert owner.own_complaints[0].can_withdraw and owner.my_cases == []
    assert counts["received"] == 3 and counts["resolved"] == 1
    assert (counts["overdue"], counts["unassigned"], counts["follow_ups_due"]) == (1, 1, 1)


def test_home_and_card_cost_the_same_queries_for_many_cases(engine):
    first_id = new_case(engine, authority_name="Authority 0").id

    def measure() -> tuple[int, int]:
        with Session(engine) as s, counted(engine) as home:
            views.home_view(s, LEAD, NOW.date())
            views.home_view(s, INVESTIGATOR, NOW.date())
            views.home_view(s, Actor(REPORTER), NOW.date())
        with Session(engine) as s, counted(engine) as card:
            views.case_view(s, first_id, LEAD, NOW.date())
        return len(home), len(card)

    for n in range(1, 3):
        new_case(engine, authority_name=f"Authority {n}")
    few = measure()
    for n in range(3, 40):
        case = new_case(engine, authority_name=f"Authority {n % 5}")
        if n % 2:
            investigation.assign(
                engine, case.reference, "UINV1", INVESTIGATOR, NOW, only_if_unassigned=True
            )
    many = measure()
    assert few == many
    assert many[0] <= 8 and many[1] <= 2


def test_the_card_view_carries_its_offered_moves_and_names_no_anonymous_filer(engine):
    named = new_case(engine, organisation_name="Acme Ltd")
    hidden = new_case(engine, anonymous=True, organisation_name="Hidden Ltd")
    to_investigating(engine, named.reference)
    do(engine, named.reference, "resolve", follow_up_due=date(2026, 12, 1))
    with Session(engine) as s:
        resolved = views.case_view(s, named.id)
        anonymous = views.case_view(s, hidden.id)
    assert [o.name for o in resolved.offered] == ["follow_up"] and resolved.offered[0].form
    assert resolved.organisation_name == "Acme Ltd" and resolved.raised_by_user_id == REPORTER
    assert [(o.name, o.form) for o in anonymous.offered] == [
        ("triage", False),
        ("out_of_scope", True),
    ]
    assert anonymous.organisation_name is None and anonymous.raised_by_user_id is None
    assert anonymous.organisation_type_label and anonymous.what_happened
    assert resolved.follow_up_is_due(date(2026, 12, 1)) and not anonymous.follow_up_is_due(LATER)
