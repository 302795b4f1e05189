"""What each complaint message the outbox sends is drawn from, read when it is sent.

A queued row names its case (``subject_id``) and a variant (``data``); these functions turn
the row and the case as it is now into plain values, and the front end's renderer turns those
into a message. Delivery outcomes are raised here, where the data is read: PermanentDelivery-
Error for a case that no longer exists, NotReady while the card a line belongs under is still
being posted, Skip for a message that has become pointless.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from bot import conversations
from bot.clock import today_uk
from bot.complaints import catalog, lifecycle, views
from bot.complaints.intake import TRIAGE_CARD
from bot.outbox import NotReady, PermanentDeliveryError, Skip
from models import Complaint, OutboxMessage


def _case(session: Session, msg: OutboxMessage) -> Complaint:
    case = session.get(Complaint, msg.subject_id)
    if case is None:
        raise PermanentDeliveryError(f"case {msg.subject_id} no longer exists")
    return case


def case_view(session: Session, msg: OutboxMessage, today: date | None = None) -> views.CaseView:
    """The case as the card and the reporter's first DM show it, as it is now (``today``:
    the UK date, for front ends that keep their own clock)."""
    return views.build_many(session, [_case(session, msg)], None, today or today_uk())[0]


@dataclass(frozen=True)
class PostedCard:
    """Where a front end's platform holds the case's card (its own ids, any length)."""

    conversation_id: str
    message_id: str


def posted_card(session: Session, platform: str, case_id: int) -> PostedCard | None:
    posted = conversations.message_of(session, platform, conversations.CASE_CARD, case_id)
    return PostedCard(posted.conversation_id, posted.message_id) if posted else None


@dataclass(frozen=True)
class CardRefresh:
    case: views.CaseView
    card: PostedCard


def card_refresh(
    session: Session,
    msg: OutboxMessage,
    platform: str,
    today: date | None = None,
    handed: views.CaseView | None = None,
) -> CardRefresh:
    """The case for an in-place update of its card posted on ``platform``; Skip or NotReady
    while there is none. ``handed``: the view the change that queued this refresh returned,
    drawn from instead of reading the case again."""
    card = posted_card(session, platform, msg.subject_id)
    if card is None:
        first = session.exec(
            select(OutboxMessage).where(
                OutboxMessage.kind == TRIAGE_CARD,
                OutboxMessage.subject_id == msg.subject_id,
                OutboxMessage.status == "pending",
            )
        ).first()
        if first is not None and first.claimed_until is not None:
            # The first card is being posted right now, perhaps drawn before this change:
            # update it once its ts is known.
            raise NotReady("the triage card is being posted")
        # Not posted yet (it will be drawn from current data when it is), or never will be.
        raise Skip()
    return CardRefresh(handed or case_view(session, msg, today), card)


@dataclass(frozen=True)
class ThreadLine:
    """One audit line in the case's thread. ``actor`` and ``assigned_to`` are people (None:
    the service); never the supplier's identity."""

    event: str | None
    actor: str | None
    text: str
    card: PostedCard
    from_label: str = ""
    to_label: str = ""
    reason: str | None = None  # why a case ended unresolved, under its transition line
    assigned_to: str | None = None
    other_reference: str = ""
    group_size: int = 0


def thread_line(session: Session, msg: OutboxMessage, platform: str) -> ThreadLine:
    case = _case(session, msg)
    card = posted_card(session, platform, case.id)
    if card is None:
        raise NotReady("the case card is not posted yet")
    data = msg.data or {}
    size = data.get("size")
    ended_unresolved = data.get("to") in lifecycle.ENDED_UNRESOLVED
    return ThreadLine(
        event=data.get("event"),
        actor=data.get("actor") or None,
        text=str(data.get("text") or ""),
        card=card,
        from_label=catalog.status_label(str(data.get("from"))),
        to_label=catalog.status_label(str(data.get("to"))),
        reason=case.status_reason if ended_unresolved else None,
        assigned_to=data.get("to") or data.get("text"),
        other_reference=str(data.get("reference") or ""),
        group_size=size if isinstance(size, int) else 0,
    )


@dataclass(frozen=True)
class SupplierUpdate:
    """What the reporter is told of a move: plain facts, never internal notes or names."""

    reference: str
    status: str  # the state the move went to (the case's own if the event is not a move)
    status_label: str
    reason: str | None = None  # why it is out of scope
    outcome_label: str | None = None  # when resolved
    public_summary: str | None = None  # when resolved


def supplier_update(session: Session, msg: OutboxMessage) -> SupplierUpdate:
    case = _case(session, msg)
    event = (msg.data or {}).get("event")
    status = lifecycle.TRANSITIONS[event].target if event in lifecycle.TRANSITIONS else case.status
    resolved = status == "resolved"
    return SupplierUpdate(
        reference=case.reference,
        status=status,
        status_label=catalog.status_label(status),
        reason=case.status_reason if status == "out_of_scope" else None,
        outcome_label=catalog.label(catalog.OUTCOMES, case.outcome) if resolved else None,
        public_summary=case.public_summary if resolved else None,
    )


@dataclass(frozen=True)
class SupplierRelay:
    reference: str
    text: str


def supplier_relay(session: Session, msg: OutboxMessage) -> SupplierRelay:
    case = _case(session, msg)
    return SupplierRelay(case.reference, str((msg.data or {}).get("text") or ""))
