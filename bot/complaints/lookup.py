"""Finding a case by its reference, for any front end (the adapter's forms and commands)."""

from __future__ import annotations

from sqlmodel import Session, select

from bot.complaints.intake import REFERENCE_PATTERN, normalise_reference
from bot.errors import NotFound
from models import Complaint


def case_by_reference(session: Session, reference: str) -> Complaint:
    ref = normalise_reference(reference or "")[:40]
    if not REFERENCE_PATTERN.match(ref):
        raise NotFound(f"{ref or 'That'} is not a case reference: they look like MS-2026-0007.")
    case = session.exec(select(Complaint).where(Complaint.reference == ref)).first()
    if case is None:
        raise NotFound(f"There is no case {ref}.")
    return case
