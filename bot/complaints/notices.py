"""The investigation's outbox notices: a closed set of kinds, each with allow-listed data, so
an internal note can never reach a supplier's DM by accident."""

from __future__ import annotations

from sqlmodel import Session

from bot import outbox
from bot.complaints.intake import TRIAGE_CARD
from models import Complaint, OutboxMessage, SupplierRelay

CARD_REFRESH = "complaint.card.refresh"
THREAD_POST = "complaint.thread.post"
SUPPLIER_UPDATE = "complaint.supplier.update"
SUPPLIER_RELAY = "complaint.supplier.relay"

ALLOWED_DATA = {
    CARD_REFRESH: frozenset(),
    THREAD_POST: frozenset({"actor", "text"}),
    SUPPLIER_UPDATE: frozenset({"to"}),
    SUPPLIER_RELAY: frozenset({"text"}),
}
# Recipient of a card refresh whose card is not posted yet: the renderer uses the card's own
# channel, and skips (or waits for) a card not posted.
UNPOSTED = "unposted"


def queue(session: Session, kind: str, case: Complaint, **data) -> None:
    extra = set(data) - ALLOWED_DATA[kind]
    if extra:
        raise ValueError(f"{kind} does not carry {sorted(extra)}")
    if kind in (SUPPLIER_UPDATE, SUPPLIER_RELAY):
        if not case.reporter_user_id:
            return  # a spot check has nobody to tell
        outbox.enqueue(session, kind, subject_id=case.id, user_id=case.reporter_user_id, data=data)
        return
    channel = case.card_channel_id or UNPOSTED
    outbox.enqueue(session, kind, subject_id=case.id, channel_id=channel, data=data)


@outbox.on_sent(TRIAGE_CARD)
def _card_posted(session: Session, row: OutboxMessage) -> None:
    case = session.get(Complaint, row.subject_id)
    if case is not None and case.card_ts is None:
        case.card_channel_id, case.card_ts = row.sent_channel_id, row.sent_ts


@outbox.on_sent(SUPPLIER_RELAY)
def _relay_sent(session: Session, row: OutboxMessage) -> None:
    session.add(
        SupplierRelay(
            complaint_id=row.subject_id,
            outbox_message_id=row.id,
            dm_channel_id=row.sent_channel_id,
            ts=row.sent_ts,
        )
    )
