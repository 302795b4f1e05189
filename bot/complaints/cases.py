"""Finding a case by its reference, for staff (the reporter's own lookup is in intake)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from bot.complaints import intake
from bot.errors import NotFound
from models import Complaint, ComplaintEvent


def checked_reference(raw: str) -> str:
    ref = intake.normalise_reference(raw or "")[:40]
    if not intake.REFERENCE_PATTERN.match(ref):
        raise NotFound(
            f"{ref or 'That'} is not a case reference: references look like MS-2026-0007."
        )
    return ref


def by_reference(session: Session, reference: str, *, lock: bool = False) -> Complaint:
    ref = checked_reference(reference)
    query = select(Complaint).where(Complaint.reference == ref)
    if lock:
        # Serialises changes to one case (PostgreSQL row lock; SQLite already holds the
        # database write lock from BEGIN IMMEDIATE).
        query = query.with_for_update()
    case = session.exec(query).first()
    if case is None:
        raise NotFound(f"There is no case {ref}.")
    return case


def locked(session: Session, reference: str) -> Complaint:
    return by_reference(session, reference, lock=True)


def add_event(
    session: Session,
    case: Complaint,
    kind: str,
    by: int | None,
    data: dict,
    now: datetime | None = None,
) -> ComplaintEvent:
    """One entry of the case's audit trail (its timeline), in the caller's transaction;
    ``now``: when the change happened, else when it is stored."""
    event = ComplaintEvent(complaint_id=case.id, actor_id=by, kind=kind, data=data)
    if now is not None:
        event.at = now
    session.add(event)
    return event
