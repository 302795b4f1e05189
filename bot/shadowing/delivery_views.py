"""What each work-shadowing message the outbox sends is drawn from, read when it is sent:
the queued row's subject (a sign-up or a placement) as it is now, and its variant."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from bot.outbox import PermanentDeliveryError
from bot.shadowing import views
from models import OutboxMessage, ShadowApplicant


@dataclass(frozen=True)
class ApplicantMessage:
    applicant: views.ApplicantView
    approved: bool  # for an approval result


def applicant_message(session: Session, msg: OutboxMessage) -> ApplicantMessage:
    a = session.get(ShadowApplicant, msg.subject_id) if msg.subject_id else None
    if a is None:
        raise PermanentDeliveryError(f"applicant {msg.subject_id} no longer exists")
    data = msg.data or {}
    return ApplicantMessage(
        views.applicant_with_queue_place(session, a), bool(data.get("approved"))
    )


@dataclass(frozen=True)
class PlacementMessage:
    placement: views.PlacementView
    side: str  # the recipient's
    event: str  # for an offer update
    update_ts: str | None  # a refresh of a message sent earlier, not a new post
    update_conversation: str | None = None  # where that earlier message is


def placement_message(session: Session, msg: OutboxMessage) -> PlacementMessage:
    p = views.placement_view(session, msg.subject_id)
    if p is None:
        raise PermanentDeliveryError(f"placement {msg.subject_id} no longer exists")
    data = msg.data or {}
    # Older rows without a side: the recipient tells us which side they are on.
    side = data.get("side") or p.side_of(msg.recipient_user_id or "")
    update_ts = str(data["update_message"]) if data.get("update_message") else None
    conversation = str(data["update_conversation"]) if data.get("update_conversation") else None
    return PlacementMessage(p, side, str(data.get("event") or ""), update_ts, conversation)
