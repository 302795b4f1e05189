"""Work-shadowing read models: what `/shadow status`, App Home, the offer and placement messages
and the coordinators' conflict list show, each in a fixed number of queries however many
places, placements or conflicts there are (both databases)."""

from __future__ import annotations

from bot.permissions import Actor
from bot.shadowing import conflicts, placements, rounds, views
from tests.test_investigation_core_views import counted
from tests.test_shadow_core_support import (
    COORDINATOR_ACTOR,
    NOW,
    applicant,
    host,
    reading,
)


def _matched(engine, applicants: int):
    """Applicants U0..Un queued, each offered a place at UH1's one host."""
    for i in range(applicants):
        applicant(engine, f"U{i}", queued_at=NOW)
    host(engine, "UH1", capacity=applicants)
    rounds.run_round(engine, commit=True, now=NOW, expiry_days=7)


def _status_queries(engine, user: str) -> tuple[views.MyShadowing, int]:
    with reading(engine) as s, counted(engine) as statements:
        mine = views.my_shadowing(s, user)
    return mine, len(statements)


def test_a_hosts_status_costs_the_same_for_one_placement_or_many(engine):
    _matched(engine, 1)
    _, one = _status_queries(engine, "UH1")
    host(engine, "UH1", capacity=4)  # a second host, and three more offers to it
    for i in range(1, 4):
        applicant(engine, f"U{i}", queued_at=NOW)
    rounds.run_round(engine, commit=True, now=NOW, expiry_days=7)
    mine, many = _status_queries(engine, "UH1")
    assert mine.signup is None
    assert [(h.capacity, h.taken, h.is_open) for h in mine.hosts] == [(1, 1, True), (4, 3, True)]
    assert len(mine.placements) == 4 and {p.side for p in mine.placements} == {"host"}
    assert all(p.state == "offered, waiting for both sides to reply" for p in mine.placements)
    assert many == one <= 4


def test_an_applicants_status_names_their_queue_place_and_host(engine):
    applicant(engine, "U0", queued_at=NOW)
    applicant(engine, "U1", queued_at=NOW)
    mine, _ = _status_queries(engine, "U1")
    assert (mine.signup.status, mine.signup.queue_position) == ("queued", 2)
    assert mine.signup.manager == "MU1" and not mine.hosts and not mine.placements
    host(engine, "UH1", capacity=2, organisation="Shelter Now")
    rounds.run_round(engine, commit=True, now=NOW, expiry_days=7)
    mine, _ = _status_queries(engine, "U1")
    [line] = mine.placements
    assert (line.side, line.organisation, line.applicant_department) == (
        "applicant",
        "Shelter Now",
        mine.signup.department,
    )
    assert _status_queries(engine, "UNOBODY")[0].is_empty


def test_a_placement_view_has_both_sides_and_who_gave_feedback(engine):
    _matched(engine, 1)
    with reading(engine) as s:
        [p] = placements.placements_for_user(s, "U0")
    placements.respond(engine, p.id, actor=Actor("U0"), accept=True, now=NOW)
    placements.respond(engine, p.id, actor=Actor("UH1"), accept=True, now=NOW)
    with reading(engine) as s, counted(engine) as statements:
        view = views.placement_view(s, p.id)
    assert len(statements) == 2
    assert view.confirmed and view.both_accepted and view.feedback_from == frozenset()
    assert (view.side_of("U0"), view.side_of("UH1")) == ("applicant", "host")
    assert view.is_party("U0") and not view.is_party("USOMEONE")
    assert (view.applicant.user, view.host.user) == ("U0", "UH1")
    with reading(engine) as s:
        assert views.placement_view(s, p.id + 99) is None


def test_the_conflict_list_loads_its_people_and_hosts_in_two_queries(engine):
    people = [applicant(engine, f"U{i}", queued_at=NOW) for i in range(3)]
    shelter = host(engine, "UH1", capacity=1, organisation="Shelter Now")
    for a in people:
        conflicts.record_conflict(
            engine,
            actor=COORDINATOR_ACTOR,
            applicant_id=a.id,
            host_id=shelter.id,
            reason=f"{a.user_id} used to work there",
            now=NOW,
        )
    with reading(engine) as s:
        listed = conflicts.list_conflicts(s, COORDINATOR_ACTOR)
        with counted(engine) as statements:
            lines = views.conflict_lines(s, listed)
    assert len(statements) == 2
    assert [(c.applicant, c.organisation, c.host_gone) for c in lines] == [
        (a.user_id, "Shelter Now", False) for a in people
    ]
