"""Outbox message kinds for work-shadowing, and the only way the core queues them.

The adapter renders each row from current data, found through ``subject_id``; ``data`` says
only which variant to render. Conflict reasons and complaint details must never reach a
notice (a complaint may be anonymous, and a conflict is coordinator-only), so ``data`` is
limited to the keys below and :func:`queue` refuses any other.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import insert
from sqlmodel import Session

from bot import outbox
from models import OutboxMessage
from models.base import utcnow

# To the line manager named on a sign-up; subject: applicant id.
APPROVAL_REQUEST = "shadow.approval_request"
# To the applicant; subject: applicant id; data {"approved": bool}.
APPROVAL_RESULT = "shadow.approval_result"
# One to the applicant and one to the host; subject: placement id; data {"side": ...}.
OFFER = "shadow.offer"
# Subject: placement id; data {"event": one of OFFER_EVENTS, "side": the recipient's side}.
OFFER_UPDATE = "shadow.offer_update"
# On completion, to both sides; subject: placement id; data {"side": ...}.
FEEDBACK_REQUEST = "shadow.feedback_request"

KINDS = frozenset({APPROVAL_REQUEST, APPROVAL_RESULT, OFFER, OFFER_UPDATE, FEEDBACK_REQUEST})
OFFER_EVENTS = frozenset(
    {"accepted", "confirmed", "declined", "expired", "withdrawn", "scheduled", "completed"}
)
SIDES = frozenset({"applicant", "host"})
# "update_message" (in "update_conversation"): re-render that message sent earlier instead of
# posting a new one (ids of the front end that sent it).
ALLOWED_DATA = frozenset({"approved", "side", "event", "update_message", "update_conversation"})


@dataclass(frozen=True)
class MessageRef:
    """A message already sent, in its front end's ids, e.g. the one whose button opened a
    form."""

    conversation_id: str
    message_id: str


def _checked(kind: str, data: dict) -> dict:
    outbox.checked_data("shadowing", kind, data, KINDS, ALLOWED_DATA)
    if "side" in data and data["side"] not in SIDES:
        raise ValueError(f"bad side {data['side']!r}")
    if "event" in data and data["event"] not in OFFER_EVENTS:
        raise ValueError(f"bad offer event {data['event']!r}")
    return data


def queue(session: Session, kind: str, *, user_id: str, subject_id: int, **data) -> None:
    """Queue one notice to a user, in the caller's transaction."""
    outbox.enqueue(
        session, kind, subject_id=subject_id, person_id=user_id, data=_checked(kind, data)
    )


def queue_many(session: Session, notices: list[tuple[str, str, int, dict]]) -> None:
    """Queue ``(kind, user_id, subject_id, data)`` notices with one batched INSERT; a round
    writes two per offer, and adding thousands of ORM objects would dominate its time."""
    if not notices:
        return
    now = utcnow()
    rows = [
        {
            "kind": kind,
            "subject_id": subject_id,
            "recipient_person_id": user_id,
            "recipient_role": None,
            "data": _checked(kind, data),
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for kind, user_id, subject_id, data in notices
    ]
    session.execute(insert(OutboxMessage.__table__), rows)


def to_both_sides(
    session: Session,
    kind: str,
    *,
    placement_id: int,
    applicant_user_id: str,
    host_user_id: str,
    sides: tuple[str, ...] = ("applicant", "host"),
    **data,
) -> None:
    """Queue ``kind`` about a placement to the given sides, each told which side it is."""
    users = {"applicant": applicant_user_id, "host": host_user_id}
    for side in sides:
        queue(session, kind, user_id=users[side], subject_id=placement_id, side=side, **data)


def refresh(
    session: Session, kind: str, message: MessageRef, *, user_id: str, subject_id: int, **data
) -> None:
    """Queue a re-render of ``message`` (sent earlier as ``kind``) from the current state, in
    the caller's transaction: a form's button disappears from the DM once the form is saved."""
    outbox.enqueue(
        session,
        kind,
        subject_id=subject_id,
        person_id=user_id,
        data=_checked(
            kind,
            {
                **data,
                "update_message": message.message_id,
                "update_conversation": message.conversation_id,
            },
        ),
    )


def other_side(side: str) -> str:
    return "host" if side == "applicant" else "applicant"
