"""A change hands its read model to the renderer of the card refresh it queued: "Assign to me"
returns the case view naming that refresh, and the refresh is drawn from it, not read again
(both databases for the core's part)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import event
from sqlmodel import Session, select

from bot import outbox
from bot.complaints import investigation
from bot.complaints.notices import CARD_REFRESH
from handlers.slack.complaints import investigation_slack
from handlers.slack.deliveries import Handoff
from handlers.slack.posted_lookup import PLATFORM
from models import OutboxMessage
from tests.people_ids import pid
from tests.test_investigation_core import INVESTIGATOR, NOW, new_case
from tests.test_investigation_core_service import Transport, deliver_all


def test_assign_names_the_card_refresh_it_queued(engine):
    case = new_case(engine)
    deliver_all(engine)  # the card is posted
    view = investigation.assign(
        engine, case.reference, pid("UINV1"), INVESTIGATOR, NOW, only_if_unassigned=True
    )
    with Session(engine) as s:
        [refresh] = s.exec(
            select(OutboxMessage).where(
                OutboxMessage.kind == CARD_REFRESH, OutboxMessage.status == "pending"
            )
        ).all()
    assert view.card_refresh_id == refresh.id and view.assignee == pid("UINV1")
    again = investigation.assign(
        engine, case.reference, pid("UINV1"), INVESTIGATOR, NOW, only_if_unassigned=True
    )
    assert again.card_refresh_id is None  # nothing changed, nothing queued


def _statements(engine, fn):
    """What ``fn`` ran on the database, as SQL text."""
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        result = fn()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return result, seen


class _AsSlack(Transport):
    """The core's stand-in front end, recording its posts as the Slack adapter's."""

    platform = PLATFORM

    def deliver(self, msg, rendered):
        sent = super().deliver(msg, rendered)
        return outbox.Sent(PLATFORM, sent.conversation_id, sent.message_id)


def test_a_handed_over_view_draws_its_refresh_without_reading(engine):
    case = new_case(engine)
    while outbox.drain(engine, _AsSlack(), now=datetime.now(UTC) + timedelta(days=1)):
        pass  # the card is posted, in Slack's records
    view = investigation.assign(
        engine, case.reference, pid("UINV1"), INVESTIGATOR, NOW, only_if_unassigned=True
    )
    handoff = Handoff()
    render = investigation_slack.renderers(handoff=handoff)[CARD_REFRESH]
    with Session(engine) as s:
        row = s.get(OutboxMessage, view.card_refresh_id)
        read = render(s, row)  # nothing handed over: read from the database
    handoff.give(view.card_refresh_id, view)
    with Session(engine) as s:
        row = s.get(OutboxMessage, view.card_refresh_id)
        drawn, ran = _statements(engine, lambda: render(s, row))
    assert (drawn.text, drawn.blocks, drawn.update_ts) == (read.text, read.blocks, read.update_ts)
    # Only where the card is posted (the front end's record) is read; the case is not.
    assert len(ran) == 1 and "posted_message" in ran[0], ran
    assert "<@UINV1>" in str(drawn.blocks)
    assert handoff.take(view.card_refresh_id) is None  # used once


def test_the_handoff_keeps_a_bounded_number_of_views():
    handoff = Handoff(limit=2)
    view = SimpleNamespace(reference="MS-2026-0001")
    handoff.give(None, view)  # the change queued no refresh
    for row in (1, 2, 3):
        handoff.give(row, view)
    assert [handoff.take(r) for r in (1, 2, 3)] == [None, view, view]
    assert handoff.take(3) is None  # used once
