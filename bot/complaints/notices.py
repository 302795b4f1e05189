"""Outbox message kinds for the investigation, and the only way the core queues them.

The adapter renders each row from current data found through ``subject_id`` (the case id);
``data`` says which variant to render. An anonymous supplier must never be tied to their case
in the triage channel, so ``data`` is limited to the keys below (no reporter, no user of the
supplier side), and :func:`_checked` refuses anything else.
"""

from __future__ import annotations

from sqlalchemy import exists, or_
from sqlmodel import Session, select

from bot import conversations, outbox
from bot.complaints import intake
from bot.outbox import Sent
from models import Complaint, OutboxMessage, PostedMessage

# To the triage role: re-render the case's card from current data and update the posted card
# (skipped while none is posted: the card is drawn from current data when it is).
CARD_REFRESH = "complaint.card.refresh"
# Into the card's thread: an audit line or a relayed supplier reply.
# data {"event": one of THREAD_EVENTS, "actor": staff user id or absent, ...}
THREAD_POST = "complaint.thread.post"
# DM to the reporter, plain language, never internal notes; data {"event": action name}.
SUPPLIER_UPDATE = "complaint.supplier.update"
# DM to the reporter relaying an investigator's message; data {"text": ...}. Where it was
# posted is recorded (bot.conversations) so the reply in its thread finds the case.
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
    outbox.checked_data("complaint", kind, data, KINDS, ALLOWED_DATA)
    if kind == THREAD_POST and data.get("event") not in THREAD_EVENTS:
        raise ValueError(f"bad thread event {data.get('event')!r}")
    return data


def has_card(session: Session, case: Complaint) -> bool:
    """Whether the case has a card, posted or queued: its updates and thread lines follow it
    (a case with none, which only a test can make, gets neither). One query, remembered for
    the rest of the transaction (a card once queued stays)."""
    known = session.info.setdefault("cases_with_cards", set())
    if case.id in known:
        return True
    posted = select(PostedMessage.id).where(
        PostedMessage.about == conversations.CASE_CARD, PostedMessage.subject_id == case.id
    )
    queued = select(OutboxMessage.id).where(
        OutboxMessage.kind == intake.TRIAGE_CARD, OutboxMessage.subject_id == case.id
    )
    if session.exec(select(or_(exists(posted), exists(queued)))).one():
        known.add(case.id)
        return True
    return False


def refresh_card(session: Session, case: Complaint, *, has: bool | None = None):
    """``has``: whether the case has a card, if the caller has looked it up already.
    Returns the queued row (None when the case has no card)."""
    if has is None:
        has = has_card(session, case)
    if has:
        return outbox.enqueue(session, CARD_REFRESH, subject_id=case.id, role=outbox.TRIAGE_ROLE)
    return None


def thread_post(
    session: Session, case: Complaint, event: str, *, has: bool | None = None, **data
) -> None:
    """A line in the case's thread (the transport finds the thread through the card)."""
    if has is None:
        has = has_card(session, case)
    if has:
        outbox.enqueue(
            session,
            THREAD_POST,
            subject_id=case.id,
            role=outbox.TRIAGE_ROLE,
            data=_checked(THREAD_POST, {"event": event, **data}),
        )


def _to_supplier(session: Session, kind: str, case: Complaint, data: dict) -> OutboxMessage:
    """Queue a DM of ``kind`` to the case's supplier (their own DM is the one place an
    anonymous supplier hears about their case)."""
    return outbox.enqueue(
        session, kind, subject_id=case.id, person_id=case.reporter_id, data=_checked(kind, data)
    )


def tell_supplier(session: Session, case: Complaint, event: str) -> None:
    """A plain-language DM about a change; spot checks have no supplier to tell."""
    if case.reporter_id:
        _to_supplier(session, SUPPLIER_UPDATE, case, {"event": event})


def relay(session: Session, case: Complaint, text: str) -> OutboxMessage:
    if not case.reporter_id:
        raise ValueError("a spot check has no supplier to relay to")
    return _to_supplier(session, SUPPLIER_RELAY, case, {"text": text})


def remember_line(session: Session, row: OutboxMessage, sent: Sent) -> None:
    """A thread line that carries someone's text (a relayed message, the supplier's reply) is
    recorded with its case, so an erasure or retention of the case can redact it."""
    if row.subject_id and (row.data or {}).get("text"):
        conversations.remember(session, sent, conversations.THREAD_LINE, row)


# Outbox kinds whose sending this module records (bot.bootstrap gives them to the transport).
AFTER_SENT = {THREAD_POST: remember_line}
