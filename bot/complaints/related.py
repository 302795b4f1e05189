"""Related cases: complaints about one procurement form a group; investigators also link any
two cases by hand.

**Groups.** A new case joins the group of an earlier case with the same authority and either
the same procurement reference or a near-identical title (compared with each group's first
case, never with every earlier case), or starts a group of its own. Joining costs the same
however large the group is: one audit event, a line in the new case's thread and one in the
first case's thread, and a refresh of those two cards. Views show a group's size and a few
references, never every one.

**After the commit, exactly once.** Intake stores a case with ``grouped_at`` NULL and never
groups it while the year's reference counter is held. ``group_case`` claims the case with a
conditional UPDATE in the same transaction as the grouping's effects, so it happens once
whether the request's after-ack work, the sweep (``group_pending``, a scheduled job that
finds cases a crash left pending), or both at once get there. Finding or starting a group
holds a per-authority lock (a PostgreSQL advisory lock; SQLite serialises writers with BEGIN
IMMEDIATE), so two new cases about one procurement never start two groups; the unique key on
(authority, reference) backs that up.

**Links** made by hand are stored once per pair (lower case id first). Unlinking two cases of
one group takes one of them (never the group's first case) out of the group.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

import structlog
from rapidfuzz import fuzz, process, utils
from sqlalchemy import delete, func, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot.complaints import notices
from bot.complaints.cases import add_event
from bot.db import transaction
from models import CaseLink, Complaint, ProcurementGroup
from models.base import utcnow

log = structlog.get_logger("msbot.complaints.related")

# Titles scoring at least this (0-100, word order ignored, case and punctuation folded) are
# treated as the same procurement: "Youth services framework 2026" ~ "Youth Services Framework".
TITLE_SIMILARITY = 90
# Only this many groups of one authority are compared by title (newest first): bounds the
# work. A matching reference is found through the unique key, however old its group.
MAX_CANDIDATES = 500
# The sweep groups pending cases in batches of this many, oldest first.
SWEEP_BATCH = 200


def _norm(text_: str | None) -> str:
    return " ".join((text_ or "").lower().split())


def _similar_titles(a: str, b: str) -> bool:
    return fuzz.token_sort_ratio(a, b, processor=utils.default_process) >= TITLE_SIMILARITY


def same_procurement(a: Complaint, b: Complaint) -> bool:
    if _norm(a.authority_name) != _norm(b.authority_name):
        return False
    reference = _norm(a.procurement_reference)
    if reference and reference == _norm(b.procurement_reference):
        return True
    return _similar_titles(a.procurement_title, b.procurement_title)


def group_key(case: Complaint) -> tuple[str, str | None]:
    """(authority, reference) as the group table stores them: lower case, spaces collapsed."""
    return _norm(case.authority_name)[:200], _norm(case.procurement_reference)[:100] or None


def _lock_authority(session: Session, authority_key: str) -> None:
    """Serialise grouping per authority until the transaction ends (PostgreSQL). A 64-bit
    digest of the key names the lock; a collision only makes two authorities wait on each
    other. SQLite needs nothing: BEGIN IMMEDIATE already lets one writer in at a time."""
    if session.get_bind().dialect.name != "postgresql":
        return
    digest = hashlib.blake2b(f"procurement_group:{authority_key}".encode(), digest_size=8)
    key = int.from_bytes(digest.digest(), "big", signed=True)
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def find_group(session: Session, case: Complaint) -> ProcurementGroup | None:
    """The group ``case`` belongs with: same authority and reference, else a near-identical
    title among the authority's newest groups (the highest score wins)."""
    authority, reference = group_key(case)
    if reference:
        found = session.exec(
            select(ProcurementGroup).where(
                ProcurementGroup.authority_key == authority,
                ProcurementGroup.reference_key == reference,
            )
        ).first()
        if found:
            return found
    candidates = session.exec(
        select(ProcurementGroup)
        .where(ProcurementGroup.authority_key == authority)
        .order_by(ProcurementGroup.id.desc())
        .limit(MAX_CANDIDATES)
    ).all()
    best = process.extractOne(
        case.procurement_title,
        [g.title for g in candidates],
        scorer=fuzz.token_sort_ratio,
        processor=utils.default_process,
        score_cutoff=TITLE_SIMILARITY,
    )
    return candidates[best[2]] if best else None


STARTED, JOINED = "started", "joined"


def group_case(engine: Engine, case_id: int, now: datetime | None = None) -> str | None:
    """Put a stored case into its procurement group, once: STARTED a group of its own, or
    JOINED one (messages queued). None if it was grouped already (by another process, an
    earlier call, or at migration)."""
    now = now or utcnow()
    with transaction(engine) as s:
        claimed = s.execute(
            update(Complaint)
            .where(Complaint.id == case_id, Complaint.grouped_at.is_(None))
            .values(grouped_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not claimed:
            return None
        case = s.get(Complaint, case_id)
        outcome = _join_or_start(s, case, now)
    return outcome


def _join_or_start(session: Session, case: Complaint, now: datetime) -> str:
    authority, reference = group_key(case)
    _lock_authority(session, authority)
    group = find_group(session, case)
    if group is None:
        group = ProcurementGroup(
            authority_key=authority,
            reference_key=reference,
            title=case.procurement_title[:200],
            root_id=case.id,
            created_at=now,
        )
        session.add(group)
        session.flush()
        case.group_id = group.id
        session.add(case)
        log.info("complaint.group_started", case_ref=case.reference, group=group.id)
        return STARTED
    case.group_id = group.id
    session.add(case)
    session.flush()
    size = group_size(session, group.id)
    root = session.get(Complaint, group.root_id)
    first = root.reference if root else ""
    add_event(
        session, case, "grouped", None, {"reference": first, "group": group.id, "size": size}, now
    )
    has = notices.has_card(session, case)
    notices.thread_post(session, case, "grouped", has=has, reference=first, size=size)
    notices.refresh_card(session, case, has=has)
    if root is not None and root.id != case.id:
        has = notices.has_card(session, root)
        notices.thread_post(session, root, "joined", has=has, reference=case.reference, size=size)
        notices.refresh_card(session, root, has=has)
    log.info("complaint.grouped", case_ref=case.reference, group=group.id, size=size)
    return JOINED


def group_size(session: Session, group_id: int) -> int:
    return session.exec(
        select(func.count()).select_from(Complaint).where(Complaint.group_id == group_id)
    ).one()


def group_pending(engine: Engine, now: datetime | None = None, batch: int = SWEEP_BATCH) -> int:
    """Group every case still pending (left so by a crash between the commit and its
    grouping); returns how many this call grouped. Safe to run in several processes at once:
    each case is claimed by ``group_case``."""
    grouped = 0
    after = 0
    while True:
        with transaction(engine) as s:
            ids = s.exec(
                select(Complaint.id)
                .where(Complaint.grouped_at.is_(None), Complaint.id > after)
                .order_by(Complaint.id)
                .limit(batch)
            ).all()
        for case_id in ids:
            try:
                grouped += group_case(engine, case_id, now) is not None
            except IntegrityError:
                # Another process started the same group despite the lock (it cannot on the
                # two supported databases); the case stays pending for the next sweep.
                log.warning("complaint.grouping_conflict", case_id=case_id)
        if len(ids) < batch:
            return grouped
        after = ids[-1]


# --- links made by hand ----------------------------------------------------------------------


def pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def is_linked(session: Session, a: int, b: int) -> bool:
    low, high = pair(a, b)
    found = session.exec(
        select(CaseLink.id).where(CaseLink.low_id == low, CaseLink.high_id == high)
    ).first()
    return found is not None


def _same_group(a: Complaint, b: Complaint) -> bool:
    return a.group_id is not None and a.group_id == b.group_id


def add_link(
    session: Session,
    a: Complaint,
    b: Complaint,
    *,
    by: str | None,
    now: datetime | None = None,
    automatic: bool = False,
) -> bool:
    """Link two cases (no-op if linked already, or in one group); audit both, refresh both
    cards."""
    if a.id == b.id or _same_group(a, b) or is_linked(session, a.id, b.id):
        return False
    low, high = pair(a.id, b.id)
    link = CaseLink(low_id=low, high_id=high, created_by_id=by, automatic=automatic)
    if now:
        link.created_at = now
    session.add(link)
    _both(session, a, b, "linked", by, now, automatic=automatic)
    return True


def remove_link(
    session: Session, a: Complaint, b: Complaint, *, by: str, now: datetime | None = None
) -> bool:
    """Remove the link between two cases; two cases of one group are parted by taking one out
    of the group (the one that is not its first case; ``b`` if neither is)."""
    low, high = pair(a.id, b.id)
    result = session.execute(
        delete(CaseLink).where(CaseLink.low_id == low, CaseLink.high_id == high)
    )
    if not result.rowcount:
        if not _same_group(a, b):
            return False
        group = session.get(ProcurementGroup, a.group_id)
        leaving = a if group is not None and b.id == group.root_id else b
        leaving.group_id = None
        session.add(leaving)
        root_id = group.root_id if group is not None else None
        if root_id not in (None, a.id, b.id) and (root := session.get(Complaint, root_id)):
            notices.refresh_card(session, root)  # its size changed
    _both(session, a, b, "unlinked", by, now)
    return True


def _both(session, a, b, kind: str, by, now, **extra) -> None:
    for this, other in ((a, b), (b, a)):
        add_event(session, this, kind, by, {"other": other.reference, **extra}, now)
        line = {"actor": by} if by else {}
        notices.thread_post(session, this, kind, reference=other.reference, **line)
        notices.refresh_card(session, this)
