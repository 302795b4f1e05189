"""A change hands its read model to the renderer of the card refresh it queued: "Assign to me"
returns the case view naming that refresh, and the refresh is drawn from it, not read again
(both databases for the core's part)."""

from __future__ import annotations

from types import SimpleNamespace

from sqlmodel import Session, select

from bot.complaints import investigation
from bot.complaints.notices import CARD_REFRESH
from handlers.slack.complaints import case_card
from handlers.slack.deliveries import Handoff
from models import OutboxMessage
from tests.test_investigation_core import INVESTIGATOR, NOW, new_case
from tests.test_investigation_core_service import card_of, deliver_all


def test_assign_names_the_card_refresh_it_queued(engine):
    case = new_case(engine)
    deliver_all(engine)  # the card is posted
    view = investigation.assign(
        engine, case.reference, "UINV1", INVESTIGATOR, NOW, only_if_unassigned=True
    )
    with Session(engine) as s:
        [refresh] = s.exec(
            select(OutboxMessage).where(
                OutboxMessage.kind == CARD_REFRESH, OutboxMessage.status == "pending"
            )
        ).all()
    assert view.card_refresh_id == refresh.id and view.assignee == "UINV1"
    assert (view.card_channel_id, view.card_ts) == card_of(engine, case.id)
    again = investigation.assign(
        engine, case.reference, "UINV1", INVESTIGATOR, NOW, only_if_unassigned=True
    )
    assert again.card_refresh_id is None  # nothing changed, nothing queued


class _NoDatabase:
    def __getattr__(self, name):
        raise AssertionError(f"the renderer read the database ({name})")


def test_a_handed_over_view_draws_its_refresh_without_reading(engine):
    case = new_case(engine)
    deliver_all(engine)
    view = investigation.assign(
        engine, case.reference, "UINV1", INVESTIGATOR, NOW, only_if_unassigned=True
    )
    handoff = Handoff()
    render = case_card.renderers(handoff=handoff)[CARD_REFRESH]
    with Session(engine) as s:
        row = s.get(OutboxMessage, view.card_refresh_id)
        read = render(s, row)  # nothing handed over: read from the database
    handoff.give(view.card_refresh_id, view)
    drawn = render(_NoDatabase(), row)
    assert (drawn.text, drawn.blocks, drawn.update_ts) == (read.text, read.blocks, read.update_ts)
    assert "<@UINV1>" in str(drawn.blocks)
    assert handoff.take(view.card_refresh_id) is None  # used once


def test_the_handoff_keeps_only_posted_cards_and_a_bounded_number():
    handoff = Handoff(limit=2)
    posted, unposted = SimpleNamespace(card_ts="1.1"), SimpleNamespace(card_ts=None)
    handoff.give(None, posted)  # the change queued no refresh
    handoff.give(9, unposted)  # only the core's loader knows whether its refresh waits
    for row in (1, 2, 3):
        handoff.give(row, posted)
    assert [handoff.take(r) for r in (9, 1, 2, 3)] == [None, None, posted, posted]
