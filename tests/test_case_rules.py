"""The case rules every screen shares, each kept in one place in the core: which moves a state
offers, when a follow-up is due, and when closing goes through the follow-up form."""

from __future__ import annotations

from datetime import date

import pytest

from bot.complaints import lifecycle
from bot.complaints.lifecycle import Offer

TODAY = date(2026, 12, 2)


def test_each_open_state_offers_its_moves_plain_moves_first():
    offered = {s: lifecycle.offered_moves(s, None) for s in lifecycle.OPEN_STATUSES}
    assert offered == {
        "received": (Offer("triage"), Offer("out_of_scope", form=True)),
        "triaged": (Offer("start"), Offer("out_of_scope", form=True)),
        "investigating": (Offer("contact_authority"), Offer("resolve", form=True)),
        "awaiting_authority": (Offer("authority_replied"), Offer("resolve", form=True)),
        "awaiting_supplier": (Offer("supplier_replied"),),
        "resolved": (Offer("close"),),
        "follow_up": (Offer("follow_up", form=True),),
    }
    assert all(lifecycle.offered_moves(s, None) == () for s in lifecycle.CLOSED_STATUSES)


def test_every_offered_move_is_a_move_from_that_state():
    for status, offers in lifecycle.OFFERED_MOVES.items():
        for offer in offers:
            # The follow-up form closes the case (or records an early follow-up).
            action = "close" if offer.name == "follow_up" and status == "follow_up" else offer.name
            assert status in lifecycle.TRANSITIONS[action].sources, (status, offer)


def test_a_resolved_case_with_a_follow_up_date_closes_through_the_follow_up_form():
    assert lifecycle.closes_through_follow_up("resolved", date(2027, 1, 5))
    assert not lifecycle.closes_through_follow_up("resolved", None)
    assert not lifecycle.closes_through_follow_up("follow_up", date(2027, 1, 5))
    assert lifecycle.offered_moves("resolved", date(2027, 1, 5)) == (Offer("follow_up", form=True),)


@pytest.mark.parametrize(
    ("status", "follow_up_due", "due"),
    [
        ("follow_up", None, True),
        ("resolved", TODAY, True),
        ("resolved", date(2026, 12, 1), True),
        ("resolved", date(2026, 12, 3), False),
        ("resolved", None, False),
        ("closed", TODAY, False),
        ("investigating", TODAY, False),
    ],
)
def test_when_a_follow_up_is_due(status, follow_up_due, due):
    assert lifecycle.follow_up_is_due(status, follow_up_due, TODAY) is due
    reached = status == "resolved" and due
    assert lifecycle.follow_up_date_reached(status, follow_up_due, TODAY) is reached
