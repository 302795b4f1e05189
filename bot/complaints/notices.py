"""Outbox message kinds for the investigation, and the only way the core queues them.

The adapter renders each row from current data found through ``subject_id`` (the case id);
``data`` says which variant to render. An anonymous supplier must never be tied to their case
in the triage channel, so ``data`` is limited to the keys below (no reporter, no user of the
supplier side), and :func:`_checked` refuses anything else.
"""

from __future__ import annotations

from sqlmodel import Session, select

from bot import outbox
from bot.complaints import intake
from models import Complaint, OutboxMessage

# Channel = the triage channel: re-render the card from current data; chat.update on card_ts
# (or post the card if none yet).
CARD_REFRESH = "complaint.card.refresh"
# Into the card's thread: an audit line or a relayed supplier reply.
# data {"event": one of THREAD_EVENTS, "actor": staff user id or absent, ...}
THREAD_POST = "complaint.thread.post"
# DM to the reporter, plain language, never internal notes; data {"event": action name}.
SUPPLIER_UPDATE = "complaint.supplier.update"
# DM to the reporter relaying an investigator's message; data {"text": ...}. Its sent ts is
# recorded in SupplierRelay so the reply in its thread finds the case.
SUPPLIER_RELAY = "complaint.supplier.relay"

KINDS = frozenset({CARD_REFRESH, THREAD_POST, SUPPLIER_UPDATE, SUPPLIER_RELAY})
# A thread post waits for its case's card; it must not hold back other cases' cards.
# Posted into a thread of their case's card: kept in order within that thread only (bot.outbox
# threaded kinds; bot.bootstrap hands them to the transport).
THREADED = frozenset({THREAD_POST})
THREAD_EVENTS = frozenset(
    {
        "transition",
        "assigned",
        "linked",
        "unlinked",
        "relayed",
        "supplier_replied",
        "revealed",
        "grouped",  # this case joined a procurement group; "reference" is its first case
        "joined",  # (in the first case's thread) case "reference" joined; "size" cases now
    }
)
# "actor" is always a member of the team, never the supplier.
ALLOWED_DATA = frozenset({"event", "action", "from", "to", "actor", "text", "reference", "size"})


def _checked(kind: str, data: dict) -> dict:
    if kind not in KINDS:
        raise ValueError(f"unknown complaint notice {kind!r}")
    extra = set(data) - ALLOWED_DATA
    if extra:
        raise ValueError(f"notice data may not carry {sorted(extra)}")
    if kind == THREAD_POST and data.get("event") not in THREAD_EVENTS:
        raise ValueError(f"bad thread event {data.get('event')!r}")
    return data


def triage_channel(session: Session, case: Complaint) -> str | None:
    """Where the case's card lives: known once posted, else where the card was queued."""
    if case.card_channel_id:
        return case.card_channel_id
    return session.exec(
        select(OutboxMessage.recipient_channel_id)
        .where(OutboxMessage.kind == intake.TRIAGE_CARD, OutboxMessage.subject_id == case.id)
        .order_by(OutboxMessage.id)
    ).first()


def refresh_card(session: Session, case: Complaint, *, channel: str | None = None) -> None:
    """``channel``: the case's triage channel if the caller has looked it up already."""
    if channel := channel or triage_channel(session, case):
        outbox.enqueue(session, CARD_REFRESH, subject_id=case.id, channel_id=channel)


def thread_post(
    session: Session, case: Complaint, event: str, *, channel: str | None = None, **data
) -> None:
    if channel := channel or triage_channel(session, case):
        outbox.enqueue(
            session,
            THREAD_POST,
            subject_id=case.id,
            channel_id=channel,
            data=_checked(THREAD_POST, {"event": event, **data}),
        )


def tell_supplier(session: Session, case: Complaint, event: str) -> None:
    """A plain-language DM about a change; spot checks have no supplier to tell."""
    if case.reporter_user_id:
        outbox.enqueue(
            session,
            SUPPLIER_UPDATE,
            subject_id=case.id,
            user_id=case.reporter_user_id,
            data=_checked(SUPPLIER_UPDATE, {"event": event}),
        )


def relay(session: Session, case: Complaint, text: str) -> OutboxMessage:
    if not case.reporter_user_id:
        raise ValueError("a spot check has no supplier to relay to")
    return outbox.enqueue(
        session,
        SUPPLIER_RELAY,
        subject_id=case.id,
        user_id=case.reporter_user_id,
        data=_checked(SUPPLIER_RELAY, {"text": text}),
    )
