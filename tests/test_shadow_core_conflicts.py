"""Conflicts of interest: recording, clearing, and the banned pairs matching must respect."""

from __future__ import annotations

import time
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import update

from bot.complaints import intake
from bot.db import transaction
from bot.errors import InvalidTransition, NotFound, NotPermitted, ValidationFailed
from bot.permissions import Actor
from bot.shadowing import conflicts
from models import Complaint, ShadowConflict, ShadowEvent, ShadowPlacement
from tests.conftest import rows
from tests.test_shadow_core_support import (
    COORDINATOR,
    COORDINATOR_ACTOR,
    DWP,
    HOME_OFFICE,
    NOW,
    TODAY,
    applicant,
    event_kinds,
    host,
    reading,
)


def _record(engine, **kwargs):
    kwargs.setdefault("actor", COORDINATOR_ACTOR)
    kwargs.setdefault("reason", "Sat on the grant panel that funded them.")
    return conflicts.record_conflict(engine, **kwargs)


def test_normalise():
    assert conflicts.normalise("  The   Home  OFFICE ") == "home office"
    assert conflicts.normalise("Theatre Trust") == "theatre trust"
    assert conflicts.normalise(None) == ""


def test_a_coordinator_records_a_conflict(engine, session):
    a = applicant(engine, "U1")
    h = host(engine, "UH1")
    c = _record(engine, applicant_id=a.id, host_id=h.id)
    [stored] = rows(session, ShadowConflict)
    assert (stored.id, stored.source, stored.status, stored.recorded_by) == (
        c.id,
        "coordinator",
        "active",
        COORDINATOR,
    )
    # The audit trail names the conflict, never its reason (timelines are read from it).
    [event] = [e for e in rows(session, ShadowEvent) if e.kind == "conflict_recorded"]
    assert event.data == {"conflict_id": c.id} and event.applicant_id == a.id
    by_name = _record(engine, department=" Home  Office ", organisation="Crisis")
    assert (by_name.department, by_name.organisation) == ("Home Office", "Crisis")


def test_recording_a_conflict_is_refused(engine):
    a = applicant(engine, "U1")
    h = host(engine, "UH1")
    with pytest.raises(NotPermitted):
        _record(engine, actor=Actor("U1"), applicant_id=a.id, host_id=h.id)
    with pytest.raises(ValidationFailed) as err:
        _record(engine, applicant_id=a.id, department=HOME_OFFICE, reason=" ")
    assert set(err.value.errors) == {"applicant_id", "host_id", "reason"}
    with pytest.raises(NotFound):
        _record(engine, applicant_id=a.id + 50, host_id=h.id)
    with pytest.raises(NotFound):
        _record(engine, applicant_id=a.id, host_id=h.id + 50)


def test_clearing_a_conflict_needs_a_coordinator_and_safeguards(engine, session):
    a = applicant(engine, "U1")
    h = host(engine, "UH1")
    c = _record(engine, applicant_id=a.id, host_id=h.id)

    def clear(**kwargs):
        kwargs.setdefault("actor", COORDINATOR_ACTOR)
        kwargs.setdefault("safeguards", "No access to tender files; line manager informed.")
        return conflicts.clear_conflict(engine, c.id, now=NOW, **kwargs)

    with pytest.raises(NotPermitted):
        clear(actor=Actor("UH1"))
    with pytest.raises(ValidationFailed) as err:
        clear(safeguards="   ")
    assert "safeguards" in err.value.errors
    with pytest.raises(NotFound):
        conflicts.clear_conflict(
            engine,
            c.id + 1,
            actor=COORDINATOR_ACTOR,
            safeguards="x",
            now=NOW,
        )
    cleared = clear()
    assert (cleared.status, cleared.cleared_by, cleared.cleared_at) == ("cleared", COORDINATOR, NOW)
    with pytest.raises(InvalidTransition, match="already been cleared"):
        clear()
    assert event_kinds(engine, applicant_id=a.id)[-2:] == ["conflict_recorded", "conflict_cleared"]
    with reading(engine) as s:
        assert conflicts.list_conflicts(s, COORDINATOR_ACTOR) == []
        assert [
            x.id for x in conflicts.list_conflicts(s, COORDINATOR_ACTOR, include_cleared=True)
        ] == [c.id]
        assert conflicts.banned_pairs(s, [a], [h]) == {}


def test_every_kind_of_declared_conflict_bans_its_pairs(engine):
    ho = applicant(engine, "U1", conflict_organisations="the  CRISIS  charity")
    ho2 = applicant(engine, "U2")
    dwp = applicant(engine, "U3", department=DWP)
    crisis = host(engine, "UH1", organisation="Crisis Charity")
    lobby = host(engine, "UH2", organisation="Lobby Ltd", conflict_departments=(DWP,))
    plain = host(engine, "UH3", organisation="Plain Org")
    _record(engine, applicant_id=ho2.id, host_id=plain.id, reason="Pair reason")
    _record(engine, department="the home office", organisation="PLAIN org", reason="Dept reason")
    with reading(engine) as s:
        banned = conflicts.banned_pairs(s, [ho, ho2, dwp], [crisis, lobby, plain])
    assert banned == {
        (ho.id, crisis.id): "Declared by the applicant when signing up.",
        (dwp.id, lobby.id): "Declared by the host: bids for work from or lobbies this department.",
        (ho2.id, plain.id): "Pair reason",
        (ho.id, plain.id): "Dept reason",
    }


def _complaint(engine, n: int, authority: str, organisation: str, *, anonymous=False) -> Complaint:
    form = intake.ComplaintForm(
        authority_name=authority,
        authority_kind="central",
        procurement_title="Homelessness outreach",
        stage="award",
        category="award_decision",
        procurement_date=date(2026, 9, 1),
        what_happened="Secret details of the dispute.",
        outcome_wanted="Re-run the award.",
        organisation_name=organisation,
        organisation_type="vcse",
        anonymous=anonymous,
    )
    policy = intake.IntakePolicy()
    return intake.submit(
        engine, form, actor=Actor(f"UC{n}"), submission_key=f"VC{n}", today=TODAY, policy=policy
    ).complaint


def test_an_open_complaint_bans_its_host_and_department_automatically(engine):
    ho = applicant(engine, "U1")
    dwp = applicant(engine, "U2", department=DWP)
    shelter = host(engine, "UH1", organisation="Shelter Together")
    other = host(engine, "UH2", organisation="Other Org")
    named = _complaint(engine, 1, "The  home office", "SHELTER together")
    _complaint(engine, 2, DWP, "Other Org", anonymous=True)
    _complaint(engine, 3, DWP, "Shelter Together")
    with transaction(engine) as s:  # a closed complaint no longer counts
        s.execute(update(Complaint).where(Complaint.seq == 3).values(status="closed"))
    with reading(engine) as s:
        banned = conflicts.banned_pairs(s, [ho, dwp], [shelter, other])
    assert set(banned) == {(ho.id, shelter.id), (dwp.id, other.id)}
    assert named.reference in banned[(ho.id, shelter.id)]
    # An anonymous complainant is not identified, even to coordinators.
    assert "MS-" not in banned[(dwp.id, other.id)]


def test_a_pair_whose_offer_fell_through_is_not_offered_again(engine, session):
    a = applicant(engine, "U1")
    b = applicant(engine, "U2")
    h = host(engine, "UH1")
    with reading(engine) as s:
        for person, status in ((a, "declined"), (b, "expired")):
            s.add(
                ShadowPlacement(
                    applicant_id=person.id,
                    host_id=h.id,
                    status=status,
                    offered_at=NOW,
                    expires_at=NOW + timedelta(days=7),
                )
            )
        s.commit()
    with reading(engine) as s:
        assert conflicts.banned_pairs(s, [a, b], [h]) == {
            (a.id, h.id): "declined before",
            (b.id, h.id): "declined before",
        }
        assert conflicts.banned_pairs(s, [], [h]) == {}


def test_banned_pairs_scales_with_conflicts_not_with_pairs(engine):
    """10,000 applicants x 1,000 hosts (10M pairs) with department-wide conflicts."""
    departments = [f"Department {i}" for i in range(8)]
    apps = [SimpleNamespace(id=i, department=departments[i % 8]) for i in range(10_000)]
    orgs = [SimpleNamespace(id=100_000 + j, organisation=f"Org {j % 900}") for j in range(1000)]
    a = applicant(engine, "U1")
    h = host(engine, "UH1")
    _record(engine, department="Department 3", organisation="Org 7", reason="Dept-wide")
    _record(engine, applicant_id=a.id, organisation="Org 8", reason="Declared")
    _record(engine, department="Department 5", host_id=h.id, reason="Host-declared")
    with reading(engine) as s:
        started = time.perf_counter()
        banned = conflicts.banned_pairs(s, [*apps, a], [*orgs, h])
        elapsed = time.perf_counter() - started
    # Org 7 is two hosts (ids ...007 and ...907); Department 3 is 1,250 applicants.
    assert len(banned) == 1250 * 2 + 2 + 1250
    assert banned[(3, 100_007)] == "Dept-wide" and banned[(a.id, 100_008)] == "Declared"
    assert elapsed < 1.0, elapsed


def test_a_department_wide_conflict_ends_the_open_offers_it_covers(engine, session):
    from bot.shadowing import rounds
    from tests.test_shadow_core_support import assert_notices_are_clean, outbox

    home = applicant(engine, "U1", department=HOME_OFFICE)
    dwp = applicant(engine, "U2", department=DWP)
    h = host(engine, "UH1", organisation="The Ambridge Trust")
    rounds.run_round(
        engine,
        commit=True,
        actor=COORDINATOR_ACTOR,
        now=NOW,
        expiry_days=7,
    )
    assert {p.applicant_id for p in rows(session, ShadowPlacement)} == {home.id, dwp.id}
    before = len(outbox(engine))

    recorded = conflicts.record(
        engine,
        actor=COORDINATOR_ACTOR,
        department="home office",
        organisation="ambridge trust",
        reason="Secret: the trust is bidding for the department's grants.",
        now=NOW,
    )
    by_applicant = {p.applicant_id: p for p in rows(session, ShadowPlacement)}
    assert recorded.ended_placement_ids == [by_applicant[home.id].id]
    assert by_applicant[home.id].status == "withdrawn" and by_applicant[home.id].end_reason is None
    assert by_applicant[dwp.id].status == "offered"
    notes = outbox(engine)[before:]
    assert sorted((m.recipient_user_id, m.data["event"]) for m in notes) == [
        ("U1", "withdrawn"),
        ("UH1", "withdrawn"),
    ]
    assert_notices_are_clean(engine, "Secret", "bidding")
    assert h.id in {p.host_id for p in rows(session, ShadowPlacement)}
