"""The shadowing audit trail: every change writes a ShadowEvent in the same transaction.

Event data holds ids, statuses and figures only. Conflict reasons and safeguards stay on the
conflict rows (seen by coordinators), never here, because timelines shown to participants are
read from these events.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert
from sqlmodel import Session

from models import ShadowEvent
from models.base import utcnow


def record(
    session: Session,
    kind: str,
    *,
    actor: str | None,
    applicant_id: int | None = None,
    host_id: int | None = None,
    placement_id: int | None = None,
    at: datetime | None = None,
    **data,
) -> ShadowEvent:
    """Add one event. ``at`` defaults to the wall clock; callers that were given ``now`` pass
    it, so the trail agrees with the times they store."""
    event = ShadowEvent(
        at=at or utcnow(),
        actor_id=actor,
        kind=kind,
        applicant_id=applicant_id,
        host_id=host_id,
        placement_id=placement_id,
        data=data,
    )
    session.add(event)
    return event


def record_many(session: Session, rows: list[dict]) -> None:
    """Insert many events in one batched statement (a round writes one per offer).

    Each row is a dict of every ShadowEvent column but ``id`` (a Core INSERT applies no
    model defaults), with the same keys in every row.
    """
    if rows:
        session.execute(insert(ShadowEvent.__table__), rows)
