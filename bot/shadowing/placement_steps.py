"""The steps every change to an offer or placement is made of: load and lock its rows, move
a state, write the audit event, tell the sides. Used by placements.py (what the two sides do)
and endings.py (what the service ends on their behalf).

Rows are locked in one order everywhere (applicant, then placement) so concurrent clicks and
the expiry job wait for each other instead of deadlocking. Every change writes an audit event.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from bot.clock import UK
from bot.errors import NotFound, ValidationFailed
from bot.shadowing import events, notices
from bot.shadowing.catalog import check_transition
from bot.text import clean
from models import ShadowApplicant, ShadowHost, ShadowPlacement

MAX_REASON = 500  # the withdrawn_reason / end_reason columns


def clean_reason(reason: str | None, field: str = "reason") -> str | None:
    """A stored reason: cleaned, None when empty; ValidationFailed when too long."""
    text = clean(reason, multiline=True)
    if len(text) > MAX_REASON:
        raise ValidationFailed({field: f"Please keep this under {MAX_REASON} characters."})
    return text or None


def when(moment: datetime) -> str:
    uk = moment.astimezone(UK)
    return f"{uk.day} {uk:%B %Y} at {uk:%H:%M}"


def load_locked(
    s: Session, placement_id: int
) -> tuple[ShadowPlacement, ShadowApplicant, ShadowHost]:
    """The placement, its applicant and its host; applicant and placement locked, in that
    order."""
    applicant_id = s.exec(
        select(ShadowPlacement.applicant_id).where(ShadowPlacement.id == placement_id)
    ).first()
    if applicant_id is None:
        raise NotFound("That offer or placement was not found.")
    applicant = s.get(ShadowApplicant, applicant_id, with_for_update=True, populate_existing=True)
    placement = s.get(ShadowPlacement, placement_id, with_for_update=True, populate_existing=True)
    host = s.get(ShadowHost, placement.host_id)
    return placement, applicant, host


def move(entity: str, row, target: str, now: datetime, message: str | None = None) -> str:
    """Check the state machine, then change ``row.status``; returns the previous status."""
    previous = row.status
    check_transition(entity, previous, target, message)
    row.status = target
    row.updated_at = now
    return previous


def record(s: Session, kind: str, p: ShadowPlacement, **data) -> None:
    """An audit event about placement ``p`` (its applicant, host and id filled in)."""
    events.record(
        s, kind, applicant_id=p.applicant_id, host_id=p.host_id, placement_id=p.id, **data
    )


def notify(
    s: Session,
    kind: str,
    p: ShadowPlacement,
    a: ShadowApplicant,
    h: ShadowHost,
    sides: tuple[str, ...],
    **data,
) -> None:
    notices.to_both_sides(
        s,
        kind,
        placement_id=p.id,
        applicant_user_id=a.user_id,
        host_user_id=h.user_id,
        sides=sides,
        **data,
    )
