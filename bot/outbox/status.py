"""What operators and leads see of the outbox: counts, messages that failed for good, and
putting those back in the queue."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, update
from sqlalchemy.engine import Engine
from sqlmodel import select

from bot.db import transaction
from models import Complaint, OutboxMessage
from models.base import utcnow


def revive_dead(engine: Engine) -> int:
    """Put messages that failed permanently back in the queue (after fixing the cause)."""
    with transaction(engine) as s:
        result = s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == "dead")
            .values(status="pending", next_attempt_at=utcnow(), claimed_until=None)
        )
        return result.rowcount


def counts(engine: Engine) -> dict[str, int]:
    with transaction(engine) as s:
        rows = s.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        ).all()
    return {status: n for status, n in rows}


@dataclass(frozen=True)
class DeadMessage:
    id: int
    kind: str
    subject_id: int | None
    # The role or person it was for; None when showing it would tie an anonymous filer to
    # their case.
    recipient: str | None
    error: str


def dead_messages(engine: Engine, limit: int = 200) -> list[DeadMessage]:
    """Messages that failed for good, newest first, for operators and leads.

    A complaint DM's recipient is its filer: it is withheld when the case is anonymous (or
    cannot be found), so the listing never ties an anonymous filer to their case.
    """
    with transaction(engine) as s:
        found = s.exec(
            select(OutboxMessage)
            .where(OutboxMessage.status == "dead")
            .order_by(OutboxMessage.id.desc())
            .limit(limit)
        ).all()
        out = []
        for row in found:
            recipient = row.recipient_role or row.recipient_user_id
            if row.recipient_user_id and row.kind.startswith("complaint."):
                case = s.get(Complaint, row.subject_id) if row.subject_id else None
                if case is None or case.anonymous:
                    recipient = None
            out.append(DeadMessage(row.id, row.kind, row.subject_id, recipient, row.last_error))
    return out
