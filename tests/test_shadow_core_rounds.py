"""Matching rounds: plan, dry run, commit as offers (bot.shadowing.rounds)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest

from bot.complaints import intake
from bot.errors import InvalidTransition, NotFound, NotPermitted
from bot.permissions import Actor
from bot.shadowing import notices, round_plan, rounds, signup
from models import ShadowApplicant, ShadowPlacement, ShadowRound
from tests.conftest import rows
from tests.people_ids import pid
from tests.test_shadow_core_support import (
    COORDINATOR,
    COORDINATOR_ACTOR,
    DWP,
    NOW,
    TODAY,
    applicant,
    assert_notices_are_clean,
    event_kinds,
    host,
    outbox,
    reading,
)

EDUCATION = "Department for Education"


def _plan(engine) -> round_plan.RoundPlan:
    with reading(engine) as s:
        return round_plan.plan(s, now=NOW)


def _commit(engine, round_id, **kwargs):
    kwargs.setdefault("actor", COORDINATOR_ACTOR)
    return rounds.commit(engine, round_id, now=NOW, expiry_days=7, **kwargs)


def _dry_run(engine, actor=COORDINATOR_ACTOR):
    return rounds.dry_run(engine, actor=actor, now=NOW)


def test_plan_matches_and_explains_every_unmatched_applicant(engine):
    first = applicant(engine, pid("U1"), queued_at=NOW)
    second = applicant(engine, pid("U2"), queued_at=NOW + timedelta(minutes=1))
    nothing_fits = applicant(engine, pid("U3"), interests=("digital",))
    conflicted = applicant(engine, pid("U4"), conflict_organisations="Shelter Together")
    applicant(engine, pid("U5"), approve=False)  # not approved yet: not in the queue
    h = host(engine, pid("UH1"), capacity=1)
    plan = _plan(engine)
    # 2 shared interests (200) + same region (40) + full date overlap (30) + length fits (30)
    assert plan.matches == [(first.id, h.id, 300)]
    assert plan.unmatched == {
        second.id: "capacity",
        nothing_fits.id: "no acceptable host",
        conflicted.id: "conflict",
    }
    assert (plan.queued, plan.hosts, plan.places) == (4, 1, 1)


def test_the_longest_waiting_applicant_wins_a_tie(engine):
    later = applicant(engine, pid("U1"), queued_at=NOW + timedelta(hours=1))
    earlier = applicant(engine, pid("U2"), queued_at=NOW)
    h = host(engine, pid("UH1"), capacity=1)
    assert [(a, hh) for a, hh, _ in _plan(engine).matches] == [(earlier.id, h.id)]
    assert _plan(engine).unmatched == {later.id: "capacity"}


def test_past_windows_are_cut_to_what_is_still_ahead(engine):
    long_ago = TODAY - timedelta(days=100)
    gone = host(
        engine,
        pid("UH1"),
        today=long_ago,
        available_from=long_ago,
        available_to=TODAY - timedelta(days=1),
    )
    missed = applicant(
        engine,
        pid("U1"),
        today=long_ago,
        available_from=long_ago,
        available_to=TODAY - timedelta(days=2),
    )
    ongoing = applicant(
        engine,
        pid("U2"),
        today=long_ago,
        available_from=long_ago,
        available_to=TODAY + timedelta(days=30),
    )
    h = host(engine, pid("UH2"))
    plan = _plan(engine)
    assert gone.id not in {hh for _, hh, _ in plan.matches}
    assert [(a, hh) for a, hh, _ in plan.matches] == [(ongoing.id, h.id)]
    assert plan.unmatched == {missed.id: "no acceptable host"}
    assert (plan.hosts, plan.places) == (1, 2)


def test_a_dry_run_stores_figures_but_makes_no_offer(engine, session):
    applicant(engine, pid("U1"))
    applicant(engine, pid("U2"), interests=("digital",))
    host(engine, pid("UH1"))
    with pytest.raises(NotPermitted):
        _dry_run(engine, Actor(pid("U1")))
    rnd = _dry_run(engine)
    assert rnd.status == "dry_run" and rnd.started_by_id == COORDINATOR
    assert rnd.summary == {
        "queued": 2,
        "matched": 1,
        "unmatched": {"no acceptable host": 1, "conflict": 0, "capacity": 0},
        "places": 2,
        "hosts": 1,
    }
    assert rows(session, ShadowPlacement) == []
    assert {a.status for a in rows(session, ShadowApplicant)} == {"queued"}
    assert outbox(engine, notices.OFFER) == []
    assert event_kinds(engine)[-1] == "round_dry_run"
    assert rounds.run_round(engine, commit=False, now=NOW, expiry_days=7).status == "dry_run"


def test_commit_writes_offers_with_notices_for_both_sides(engine, session):
    a1 = applicant(engine, pid("U1"))
    a2 = applicant(engine, pid("U2"), queued_at=NOW + timedelta(minutes=5))
    h = host(engine, pid("UH1"))
    rnd = _dry_run(engine)
    committed = _commit(engine, rnd.id)
    assert committed.status == "committed" and committed.committed_at == NOW
    assert committed.summary["offers"] == committed.summary["matched"] == 2
    assert set(committed.summary["seconds"]) == {"load", "match", "write"}
    placements = rows(session, ShadowPlacement)
    assert [(p.applicant_id, p.host_id, p.status, p.score, p.round_id) for p in placements] == [
        (a1.id, h.id, "offered", 300, rnd.id),
        (a2.id, h.id, "offered", 300, rnd.id),
    ]
    assert all(p.expires_at == NOW + timedelta(days=7) for p in placements)
    assert all(p.offered_at == NOW for p in placements)
    assert {a.status for a in rows(session, ShadowApplicant)} == {"offered"}
    offers = outbox(engine, notices.OFFER)
    assert sorted((m.subject_id, m.recipient_person_id, m.data["side"]) for m in offers) == sorted(
        [
            (placements[0].id, pid("U1"), "applicant"),
            (placements[0].id, pid("UH1"), "host"),
            (placements[1].id, pid("U2"), "applicant"),
            (placements[1].id, pid("UH1"), "host"),
        ]
    )
    assert event_kinds(engine, placement_id=placements[0].id) == ["offered"]
    assert event_kinds(engine)[-1] == "round_committed"
    assert [r.status for r in rows(session, ShadowRound)] == ["committed"]


def test_a_repeated_commit_creates_nothing_twice(engine, session):
    applicant(engine, pid("U1"))
    host(engine, pid("UH1"))
    rnd = _dry_run(engine)
    _commit(engine, rnd.id)
    applicant(engine, pid("U2"))  # even with someone new to match
    with pytest.raises(InvalidTransition, match="already been committed"):
        _commit(engine, rnd.id)
    assert len(rows(session, ShadowPlacement)) == 1
    assert len(outbox(engine, notices.OFFER)) == 2
    with pytest.raises(NotFound):
        _commit(engine, rnd.id + 1)
    with pytest.raises(NotPermitted):
        _commit(engine, rnd.id, actor=Actor(pid("U1")))


def test_concurrent_commits_of_one_round_write_its_offers_once(engine, session):
    for n in range(6):
        applicant(engine, pid(f"U{n}"), queued_at=NOW + timedelta(seconds=n))
    host(engine, pid("UH1"), capacity=4)
    rnd = _dry_run(engine)

    def click(_):
        try:
            return _commit(engine, rnd.id)
        except InvalidTransition as exc:
            return exc

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(click, range(4)))
    assert sum(isinstance(r, ShadowRound) for r in results) == 1
    assert len(rows(session, ShadowPlacement)) == 4
    assert len(outbox(engine, notices.OFFER)) == 8


def test_commit_replans_from_the_current_state(engine, session):
    a1 = applicant(engine, pid("U1"), queued_at=NOW)
    a2 = applicant(engine, pid("U2"), queued_at=NOW + timedelta(minutes=1))
    host(engine, pid("UH1"), capacity=1)
    rnd = _dry_run(engine)
    assert rnd.summary["matched"] == 1
    signup.withdraw(engine, actor=Actor(pid("U1")), reason="", now=NOW)
    _commit(engine, rnd.id)
    assert [p.applicant_id for p in rows(session, ShadowPlacement)] == [a2.id]
    assert {m.recipient_person_id for m in outbox(engine, notices.OFFER)} == {pid("U2"), pid("UH1")}
    assert {a.id: a.status for a in rows(session, ShadowApplicant)} == {
        a1.id: "withdrawn",
        a2.id: "offered",
    }


def test_only_free_places_are_offered(engine, session):
    applicant(engine, pid("U1"), queued_at=NOW)
    h = host(engine, pid("UH1"), capacity=2)
    rounds.run_round(engine, commit=True, now=NOW, expiry_days=7)
    for n in range(2, 5):
        applicant(engine, pid(f"U{n}"), queued_at=NOW + timedelta(minutes=n))
    plan = _plan(engine)
    assert (plan.hosts, plan.places, len(plan.matches)) == (1, 1, 1)
    rounds.run_round(engine, commit=True, now=NOW, expiry_days=7)
    assert [p.host_id for p in rows(session, ShadowPlacement)] == [h.id, h.id]
    assert _plan(engine).places == 0


def _complaint(engine, authority: str, organisation: str) -> intake.Submission:
    form = intake.ComplaintForm(
        authority_name=authority,
        authority_kind="central",
        procurement_title="Youth services framework",
        stage="evaluation",
        category="evaluation",
        procurement_date=date(2026, 10, 1),
        what_happened="Confidential: the scoring was changed after bids closed.",
        outcome_wanted="Re-score",
        organisation_name=organisation,
        organisation_type="vcse",
    )
    return intake.submit(
        engine,
        form,
        actor=Actor(pid("UCOMPLAINER")),
        submission_key="VCOMPLAINT",
        today=TODAY,
        policy=intake.IntakePolicy(),
    )


def test_conflicts_are_never_matched_and_never_reach_a_notice(engine, session):
    declared_by_applicant = applicant(
        engine, pid("U1"), conflict_organisations="Shelter Together", queued_at=NOW
    )
    lobbied_department = applicant(engine, pid("U2"), department=DWP, queued_at=NOW)
    complained_about = applicant(engine, pid("U3"), department=EDUCATION, queued_at=NOW)
    free = applicant(engine, pid("U4"), queued_at=NOW)
    shelter = host(engine, pid("UH1"), organisation="Shelter Together", capacity=5)
    lobby = host(
        engine, pid("UH2"), organisation="Lobby Ltd", capacity=5, conflict_departments=(DWP,)
    )
    complainer = host(engine, pid("UH3"), organisation="Complaining Charity", capacity=5)
    case = _complaint(engine, "The Department for Education", "complaining  charity").complaint
    banned = {
        (declared_by_applicant.id, shelter.id),
        (lobbied_department.id, lobby.id),
        (complained_about.id, complainer.id),
    }
    rounds.run_round(engine, commit=True, now=NOW, expiry_days=7)
    pairs = {(p.applicant_id, p.host_id) for p in rows(session, ShadowPlacement)}
    assert len(pairs) == 4 and not pairs & banned
    assert (free.id, shelter.id) in pairs  # the first host, when nothing stands in the way
    assert_notices_are_clean(
        engine,
        "declared",
        "lobbies",
        "complaint",
        case.reference,
        "Confidential",
        "conflict",
    )


def test_an_applicant_whose_only_hosts_are_conflicted_is_unmatched_for_conflict(engine, session):
    a = applicant(engine, pid("U1"), department=DWP)
    host(engine, pid("UH1"), organisation="Lobby Ltd", conflict_departments=(DWP,))
    rnd = rounds.run_round(engine, commit=True, now=NOW, expiry_days=7)
    assert rnd.summary["unmatched"]["conflict"] == 1 and rnd.summary["offers"] == 0
    assert rows(session, ShadowPlacement) == []
    assert _plan(engine).unmatched == {a.id: "conflict"}


def test_run_round_needs_a_coordinator_unless_run_from_the_command_line(engine):
    with pytest.raises(NotPermitted):
        rounds.run_round(engine, commit=True, actor=Actor(pid("U1")), now=NOW, expiry_days=7)
    rnd = rounds.run_round(
        engine,
        commit=True,
        actor=COORDINATOR_ACTOR,
        now=NOW,
        expiry_days=7,
    )
    assert rnd.status == "committed" and rnd.summary["offers"] == 0
    assert event_kinds(engine) == ["round_dry_run", "round_committed"]


# --- pruning old dry runs -------------------------------------------------------------------


def test_old_dry_runs_are_pruned_by_the_hourly_job_and_committed_rounds_kept(engine, session):
    from bot.bootstrap import job_registry
    from bot.jobs import runner
    from models.base import utcnow
    from tests.conftest import make_settings

    applicant(engine, pid("U1"))
    host(engine, pid("U9"))
    old = NOW - timedelta(days=31)
    stale = rounds.dry_run(engine, actor=COORDINATOR_ACTOR, now=old)
    kept = rounds.run_round(
        engine,
        commit=True,
        actor=COORDINATOR_ACTOR,
        now=old,
        expiry_days=7,
    )
    recent = rounds.dry_run(engine, actor=COORDINATOR_ACTOR, now=NOW - timedelta(days=29))
    assert rounds.prune_dry_runs(engine, now=NOW, keep_days=30) == 1
    assert {r.id for r in rows(session, ShadowRound)} == {kept.id, recent.id}
    assert stale.id not in {r.id for r in rows(session, ShadowRound)}
    assert len(rows(session, ShadowPlacement)) == 1  # the committed round's offer is untouched
    # A shorter setting prunes the recent one too; the job (wall clock) prunes with it.
    url = engine.url.render_as_string(hide_password=False)
    settings = make_settings(url, "http://127.0.0.1:9/api/", SHADOW_DRY_RUN_KEEP_DAYS="1")
    assert runner.run_now(engine, settings, job_registry().get("pruning"), utcnow()) == "done"
    assert [r.id for r in rows(session, ShadowRound)] == [kept.id]
