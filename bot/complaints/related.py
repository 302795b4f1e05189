"""Related cases: complaints about the same procurement, linked both ways.

A new case is linked automatically to earlier ones with the same authority and either the
same procurement reference or a near-identical title; investigators link and unlink by hand.
A link is stored once per pair (lower case id first), so "both ways" needs no second row.
"""

from __future__ import annotations

from datetime import datetime

from rapidfuzz import fuzz, utils
from sqlalchemy import delete, func, or_
from sqlmodel import Session, select

from bot.complaints import notices
from models import CaseLink, Complaint, ComplaintEvent

# Titles scoring at least this (0-100, word order ignored, case and punctuation folded) are
# treated as the same procurement: "Youth services framework 2026" ~ "Youth Services Framework".
TITLE_SIMILARITY = 90
# Only this many earlier cases of one authority are compared (newest first): bounds the work.
MAX_CANDIDATES = 500


def _norm(text: str | None) -> str:
    return " ".join((text or "").lower().split())


def same_procurement(a: Complaint, b: Complaint) -> bool:
    if _norm(a.authority_name) != _norm(b.authority_name):
        return False
    reference = _norm(a.procurement_reference)
    if reference and reference == _norm(b.procurement_reference):
        return True
    score = fuzz.token_sort_ratio(
        a.procurement_title, b.procurement_title, processor=utils.default_process
    )
    return score >= TITLE_SIMILARITY


def find_related(session: Session, case: Complaint) -> list[Complaint]:
    candidates = session.exec(
        select(Complaint)
        .where(
            func.lower(Complaint.authority_name) == _norm(case.authority_name),
            Complaint.id != case.id,
        )
        .order_by(Complaint.id.desc())
        .limit(MAX_CANDIDATES)
    ).all()
    return [other for other in candidates if same_procurement(case, other)]


def pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def is_linked(session: Session, a: int, b: int) -> bool:
    low, high = pair(a, b)
    found = session.exec(
        select(CaseLink.id).where(CaseLink.low_id == low, CaseLink.high_id == high)
    ).first()
    return found is not None


def add_link(
    session: Session,
    a: Complaint,
    b: Complaint,
    *,
    by: str | None,
    now: datetime | None = None,
    automatic: bool = False,
) -> bool:
    """Link two cases (no-op if linked already); audit both, refresh both cards."""
    if a.id == b.id or is_linked(session, a.id, b.id):
        return False
    low, high = pair(a.id, b.id)
    link = CaseLink(low_id=low, high_id=high, created_by=by, automatic=automatic)
    if now:
        link.created_at = now
    session.add(link)
    _both(session, a, b, "linked", by, now, automatic=automatic)
    return True


def remove_link(
    session: Session, a: Complaint, b: Complaint, *, by: str, now: datetime | None = None
) -> bool:
    low, high = pair(a.id, b.id)
    result = session.execute(
        delete(CaseLink).where(CaseLink.low_id == low, CaseLink.high_id == high)
    )
    if not result.rowcount:
        return False
    _both(session, a, b, "unlinked", by, now)
    return True


def _both(session, a, b, kind: str, by, now, **extra) -> None:
    for this, other in ((a, b), (b, a)):
        event = ComplaintEvent(
            complaint_id=this.id,
            actor_user_id=by,
            kind=kind,
            data={"other": other.reference, **extra},
        )
        if now:
            event.at = now
        session.add(event)
        line = {"actor": by} if by else {}
        notices.thread_post(session, this, kind, reference=other.reference, **line)
        notices.refresh_card(session, this)


def link_new_case(session: Session, case: Complaint) -> list[str]:
    """Called by intake inside the storing transaction, after the case is flushed."""
    linked = []
    for other in find_related(session, case):
        if add_link(session, case, other, by=None, automatic=True):
            linked.append(other.reference)
    return linked


def related_references(session: Session, case_ids: list[int]) -> dict[int, list[str]]:
    """Case id -> references of its linked cases, for many cases in one query."""
    if not case_ids:
        return {}
    other = Complaint.__table__.alias("other")
    rows = session.execute(
        select(CaseLink.low_id, CaseLink.high_id, other.c.id, other.c.reference)
        .join(other, or_(other.c.id == CaseLink.low_id, other.c.id == CaseLink.high_id))
        .where(or_(CaseLink.low_id.in_(case_ids), CaseLink.high_id.in_(case_ids)))
        .order_by(other.c.id)
    ).all()
    wanted = set(case_ids)
    out: dict[int, list[str]] = {i: [] for i in case_ids}
    for low, high, other_id, reference in rows:
        for mine in (low, high):
            if mine in wanted and mine != other_id:
                out[mine].append(reference)
    return out
