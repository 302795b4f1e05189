"""Where sent messages went, recorded with them (bot.outbox.on_sent): a case's triage card
(its thread is the case's room) and each relay DM (a reply in its thread finds the case)."""

from __future__ import annotations

from sqlmodel import Session

from bot import outbox
from bot.complaints import notices
from bot.complaints.intake import TRIAGE_CARD
from models import Complaint, OutboxMessage, SupplierRelay


@outbox.on_sent(TRIAGE_CARD)
def card_posted(session: Session, row: OutboxMessage) -> None:
    case = session.get(Complaint, row.subject_id)
    if case is not None and case.card_ts is None:
        case.card_channel_id, case.card_ts = row.sent_channel_id, row.sent_ts


@outbox.on_sent(notices.SUPPLIER_RELAY)
def relay_sent(session: Session, row: OutboxMessage) -> None:
    session.add(
        SupplierRelay(
            complaint_id=row.subject_id,
            outbox_message_id=row.id,
            dm_channel_id=row.sent_channel_id,
            ts=row.sent_ts,
        )
    )
