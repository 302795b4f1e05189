"""Offers and placements: answers, expiry, scheduling, completion, withdrawal, feedback."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from bot.errors import InvalidTransition, NotFound, NotPermitted, ValidationFailed
from bot.permissions import Actor
from bot.shadowing import hosts, notices, placements, rounds, signup
from models import ShadowApplicant, ShadowFeedback, ShadowPlacement
from tests.conftest import rows
from tests.test_shadow_core_support import (
    NOW,
    TODAY,
    applicant,
    event_kinds,
    host,
    outbox,
    reading,
)

EXPIRES = NOW + timedelta(days=7)


def _offer(engine, *, capacity: int = 1) -> tuple[ShadowPlacement, ShadowApplicant]:
    """U1 (queued at NOW) offered a place at UH1's host."""
    a = applicant(engine, "U1", queued_at=NOW)
    host(engine, "UH1", capacity=capacity)
    rounds.run_round(engine, commit=True, now=NOW, expiry_days=7)
    with reading(engine) as s:
        [p] = placements.placements_for_user(s, "U1")
    return p, a


def _updates(engine) -> list[tuple[str, int, dict]]:
    return [
        (m.recipient_user_id, m.subject_id, m.data) for m in outbox(engine, notices.OFFER_UPDATE)
    ]


def _accepted(engine) -> ShadowPlacement:
    p, _ = _offer(engine)
    placements.respond(engine, p.id, actor=Actor("U1"), accept=True, now=NOW)
    return placements.respond(engine, p.id, actor=Actor("UH1"), accept=True, now=NOW)


def _scheduled(engine) -> ShadowPlacement:
    p = _accepted(engine)
    return placements.schedule(
        engine,
        p.id,
        actor=Actor("UH1"),
        start_date=TODAY + timedelta(days=10),
        end_date=TODAY + timedelta(days=14),
        today=TODAY,
    )


# --- answering an offer ---------------------------------------------------------------------


def test_both_sides_accepting_confirms_the_placement(engine, session):
    p, _ = _offer(engine)
    half = placements.respond(engine, p.id, actor=Actor("U1"), accept=True, now=NOW)
    assert (half.status, half.applicant_response, half.host_response) == (
        "offered",
        "accepted",
        None,
    )
    assert _updates(engine) == [("UH1", p.id, {"event": "accepted", "side": "host"})]
    done = placements.respond(engine, p.id, actor=Actor("UH1"), accept=True, now=NOW + timedelta(1))
    assert (done.status, done.host_response) == ("accepted", "accepted")
    assert rows(session, ShadowApplicant)[0].status == "placed"
    assert _updates(engine)[1:] == [
        ("U1", p.id, {"event": "confirmed", "side": "applicant"}),
        ("UH1", p.id, {"event": "confirmed", "side": "host"}),
    ]
    assert event_kinds(engine, placement_id=p.id) == [
        "offered",
        "offer_accepted",
        "offer_accepted",
        "placement_confirmed",
    ]
    with reading(engine) as s:
        assert hosts.places_accepted(s, p.host_id) == 1


def test_an_offer_can_only_be_answered_by_its_two_sides_once_before_it_expires(engine):
    p, _ = _offer(engine)
    with pytest.raises(NotPermitted, match="isn't addressed to you"):
        placements.respond(engine, p.id, actor=Actor("USTRANGER"), accept=True, now=NOW)
    with pytest.raises(NotFound):
        placements.respond(engine, p.id + 1, actor=Actor("U1"), accept=True, now=NOW)
    placements.respond(engine, p.id, actor=Actor("U1"), accept=True, now=NOW)
    with pytest.raises(InvalidTransition, match="already accepted"):
        placements.respond(engine, p.id, actor=Actor("U1"), accept=False, now=NOW)
    late = EXPIRES + timedelta(seconds=1)
    with pytest.raises(InvalidTransition, match="expired on 27 November 2026 at 09:00"):
        placements.respond(engine, p.id, actor=Actor("UH1"), accept=True, now=late)
    # The late answer is not recorded; it lapses the offer there and then (as the expiry job
    # would), so both sides are told it expired.
    assert [u[2]["event"] for u in _updates(engine)] == ["accepted", "expired", "expired"]
    assert event_kinds(engine, placement_id=p.id) == ["offered", "offer_accepted", "offer_expired"]


def test_a_decline_frees_the_place_and_keeps_the_applicants_queue_position(engine, session):
    p, _ = _offer(engine)
    later = applicant(engine, "U2", queued_at=NOW + timedelta(hours=1))
    declined = placements.respond(engine, p.id, actor=Actor("UH1"), accept=False, now=NOW)
    assert (declined.status, declined.ended_by) == ("declined", "UH1")
    back = rows(session, ShadowApplicant)[0]
    assert (back.status, back.queued_at) == ("queued", NOW)
    with reading(engine) as s:
        assert signup.queue_position(s, back) == 1
        assert hosts.places_taken(s, p.host_id) == 0
    assert _updates(engine) == [("U1", p.id, {"event": "declined", "side": "applicant"})]
    with pytest.raises(InvalidTransition, match="no longer open"):
        placements.respond(engine, p.id, actor=Actor("U1"), accept=True, now=NOW)
    # The freed place goes to the next in the queue, never back to the declined pair.
    rounds.run_round(engine, commit=True, now=NOW, expiry_days=7)
    newest = rows(session, ShadowPlacement)[-1]
    assert (newest.applicant_id, newest.host_id) == (later.id, p.host_id)


# --- expiry ---------------------------------------------------------------------------------


def test_unanswered_offers_lapse_once_and_the_applicant_keeps_their_place(engine, session):
    p, _ = _offer(engine)
    applicant(engine, "U2", queued_at=NOW + timedelta(hours=1))
    assert placements.expire_offers(engine, now=EXPIRES - timedelta(seconds=1)) == 0
    assert placements.expire_offers(engine, now=EXPIRES) == 1
    assert placements.expire_offers(engine, now=EXPIRES) == 0
    [stored] = rows(session, ShadowPlacement)
    assert stored.status == "expired"
    back = rows(session, ShadowApplicant)[0]
    assert (back.status, back.queued_at) == ("queued", NOW)
    with reading(engine) as s:
        assert signup.queue_position(s, back) == 1
    assert _updates(engine) == [
        ("U1", p.id, {"event": "expired", "side": "applicant"}),
        ("UH1", p.id, {"event": "expired", "side": "host"}),
    ]
    assert event_kinds(engine, placement_id=p.id) == ["offered", "offer_expired"]
    with pytest.raises(InvalidTransition, match="no longer open"):
        placements.respond(engine, p.id, actor=Actor("U1"), accept=True, now=EXPIRES)


def test_expiry_running_in_several_processes_lapses_each_offer_once(engine, session):
    for n in range(8):
        applicant(engine, f"U{n}", queued_at=NOW + timedelta(seconds=n))
    host(engine, "UH1", capacity=8)
    rounds.run_round(engine, commit=True, now=NOW, expiry_days=7)
    placements.respond(engine, 1, actor=Actor("U0"), accept=False, now=NOW)  # already over

    with ThreadPoolExecutor(max_workers=4) as pool:
        counts = list(pool.map(lambda _: placements.expire_offers(engine, now=EXPIRES), range(4)))
    assert sum(counts) == 7
    assert len(outbox(engine, notices.OFFER_UPDATE)) == 1 + 7 * 2
    assert {a.status for a in rows(session, ShadowApplicant)} == {"queued"}
    assert placements.expire_offers(engine, now=EXPIRES) == 0  # a later run: nothing left


# --- scheduling, completion, feedback -------------------------------------------------------


def test_scheduling_an_accepted_placement(engine, session):
    p, _ = _offer(engine)
    start, end = TODAY + timedelta(days=10), TODAY + timedelta(days=14)
    with pytest.raises(InvalidTransition, match="Only an accepted placement"):
        placements.schedule(
            engine, p.id, actor=Actor("UH1"), start_date=start, end_date=end, today=TODAY
        )
    placements.respond(engine, p.id, actor=Actor("U1"), accept=True, now=NOW)
    placements.respond(engine, p.id, actor=Actor("UH1"), accept=True, now=NOW)
    for bad_start, bad_end, field in (
        (start, start - timedelta(days=1), "end_date"),
        (TODAY - timedelta(days=1), end, "start_date"),
        (None, end, "start_date"),
    ):
        with pytest.raises(ValidationFailed) as err:
            placements.schedule(
                engine,
                p.id,
                actor=Actor("UH1"),
                start_date=bad_start,
                end_date=bad_end,
                today=TODAY,
            )
        assert field in err.value.errors
    with pytest.raises(NotPermitted):
        placements.schedule(
            engine, p.id, actor=Actor("USTRANGER"), start_date=start, end_date=end, today=TODAY
        )
    done = placements.schedule(
        engine, p.id, actor=Actor("UH1"), start_date=start, end_date=end, today=TODAY
    )
    assert (done.status, done.start_date, done.end_date) == ("scheduled", start, end)
    assert _updates(engine)[-1] == ("U1", p.id, {"event": "scheduled", "side": "applicant"})
    assert event_kinds(engine, placement_id=p.id)[-1] == "scheduled"


def test_completing_a_placement_asks_both_sides_for_feedback(engine, session):
    p = _scheduled(engine)
    with pytest.raises(InvalidTransition, match="once it has taken place"):
        placements.complete(engine, p.id, actor=Actor("U1"), today=TODAY)
    done = placements.complete(engine, p.id, actor=Actor("U1"), today=TODAY + timedelta(days=14))
    assert done.status == "completed"
    person = rows(session, ShadowApplicant)[0]
    assert (person.status, person.active_user_id) == ("completed", None)
    requests = outbox(engine, notices.FEEDBACK_REQUEST)
    assert [(m.recipient_user_id, m.subject_id, m.data) for m in requests] == [
        ("U1", p.id, {"side": "applicant"}),
        ("UH1", p.id, {"side": "host"}),
    ]
    assert _updates(engine)[-1] == ("UH1", p.id, {"event": "completed", "side": "host"})
    with pytest.raises(InvalidTransition):
        placements.complete(engine, p.id, actor=Actor("U1"), today=TODAY + timedelta(days=14))
    assert applicant(engine, "U1").status == "queued"  # free to sign up again


def test_feedback_once_per_side_after_completion(engine, session):
    p = _scheduled(engine)

    def give(user_id="U1", worthwhile=5):
        return placements.give_feedback(
            engine,
            p.id,
            actor=Actor(user_id),
            worthwhile=worthwhile,
            learned="How a small charity plans its week.",
            would_recommend=True,
        )

    with pytest.raises(InvalidTransition, match="once the placement is complete"):
        give()
    placements.complete(engine, p.id, actor=Actor("UH1"), today=TODAY + timedelta(days=14))
    for bad in (0, 6):
        with pytest.raises(ValidationFailed) as err:
            give(worthwhile=bad)
        assert "1 to 5" in err.value.errors["worthwhile"]
    with pytest.raises(ValidationFailed) as err:
        placements.give_feedback(
            engine, p.id, actor=Actor("U1"), worthwhile=4, learned="", would_recommend=None
        )
    assert set(err.value.errors) == {"would_recommend"}
    with pytest.raises(NotPermitted):
        give(user_id="USTRANGER")
    mine = give()
    assert (mine.side, mine.worthwhile, mine.would_recommend) == ("applicant", 5, True)
    with pytest.raises(InvalidTransition, match="already given feedback"):
        give()
    assert give(user_id="UH1", worthwhile=3).side == "host"
    stored = rows(session, ShadowFeedback)
    assert [(f.side, f.user_id, f.worthwhile) for f in stored] == [
        ("applicant", "U1", 5),
        ("host", "UH1", 3),
    ]
    assert event_kinds(engine, placement_id=p.id).count("feedback_given") == 2


# --- withdrawal -----------------------------------------------------------------------------


def test_a_host_withdrawing_sends_the_applicant_back_to_the_queue(engine, session):
    p = _accepted(engine)
    with pytest.raises(NotPermitted):
        placements.withdraw_placement(engine, p.id, actor=Actor("USTRANGER"), reason="", now=NOW)
    done = placements.withdraw_placement(
        engine, p.id, actor=Actor("UH1"), reason="Office closed", now=NOW
    )
    assert (done.status, done.ended_by, done.end_reason) == ("withdrawn", "UH1", "Office closed")
    person = rows(session, ShadowApplicant)[0]
    assert (person.status, person.queued_at, person.active_user_id) == ("queued", NOW, "U1")
    assert _updates(engine)[-1] == ("U1", p.id, {"event": "withdrawn", "side": "applicant"})
    with pytest.raises(InvalidTransition, match="already ended"):
        placements.withdraw_placement(engine, p.id, actor=Actor("UH1"), reason="", now=NOW)
    with reading(engine) as s:
        assert hosts.places_taken(s, p.host_id) == 0


def test_an_applicant_withdrawing_ends_their_sign_up(engine, session):
    p = _scheduled(engine)
    placements.withdraw_placement(engine, p.id, actor=Actor("U1"), reason="Promoted", now=NOW)
    person = rows(session, ShadowApplicant)[0]
    assert (person.status, person.active_user_id, person.withdrawn_reason) == (
        "withdrawn",
        None,
        "Promoted",
    )
    assert _updates(engine)[-1] == ("UH1", p.id, {"event": "withdrawn", "side": "host"})
    assert event_kinds(engine, placement_id=p.id)[-1] == "placement_withdrawn"


def test_placements_for_user_lists_both_sides_newest_first(engine):
    first, _ = _offer(engine, capacity=3)
    placements.respond(engine, first.id, actor=Actor("U1"), accept=False, now=NOW)
    applicant(engine, "U2")
    rounds.run_round(engine, commit=True, now=NOW + timedelta(days=1), expiry_days=7)
    with reading(engine) as s:
        assert [p.id for p in placements.placements_for_user(s, "U1")] == [first.id]
        for_host = placements.placements_for_user(s, "UH1")
        assert [p.applicant_id for p in for_host][-1] == first.applicant_id
        assert len(for_host) == 2
        assert placements.placements_for_user(s, "UNOBODY") == []
