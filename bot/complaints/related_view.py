"""What views show of a case's related cases: its procurement group's size and first few
members, and its first few hand-made links, for any number of cases in one query."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import case as when
from sqlalchemy import func, literal, union_all
from sqlmodel import Session, select

from models import CaseLink, Complaint, ProcurementGroup

# Views name at most this many related cases of each kind, and count the rest.
SHOWN = 3


@dataclass(frozen=True)
class Related:
    """A case's related cases as a view shows them: bounded however large the group."""

    group_size: int = 1  # cases in its procurement group, itself included
    group_refs: tuple[str, ...] = ()  # up to SHOWN other members, the group's first case first
    linked_refs: tuple[str, ...] = ()  # up to SHOWN cases linked by hand
    linked_count: int = 0

    @property
    def group_more(self) -> int:
        return max(0, self.group_size - 1 - len(self.group_refs))

    @property
    def linked_more(self) -> int:
        return max(0, self.linked_count - len(self.linked_refs))

    @property
    def refs(self) -> tuple[str, ...]:
        return self.group_refs + tuple(r for r in self.linked_refs if r not in self.group_refs)

    @property
    def more(self) -> int:
        return self.group_more + self.linked_more


ALONE = Related()


def describe(rel: Related) -> str | None:
    """A few references, never every one, in plain words: the group as in "Same procurement
    (68 cases): MS-2026-0001, MS-2026-0002, MS-2026-0003 and 65 more", then the cases linked
    by hand; None when it has none."""

    def named(refs: tuple[str, ...], more: int) -> str:
        return ", ".join(refs) + (f" and {more} more" if more else "")

    lines = []
    if rel.group_size > 1:
        lines.append(
            f"Same procurement ({rel.group_size} cases): " + named(rel.group_refs, rel.group_more)
        )
    if rel.linked_count:
        lines.append("Linked: " + named(rel.linked_refs, rel.linked_more))
    return "\n".join(lines) or None


_GROUP, _LINK = 0, 1


def summaries(session: Session, cases: Sequence[Complaint]) -> dict[int, Related]:
    """Case id -> its related cases, for any number of cases in one query: each group's
    first few members and size, and each case's first few links and their number (window
    functions, so a group of 600 returns a handful of rows)."""
    if not cases:
        return {}
    ids = [c.id for c in cases]
    group_ids = sorted({c.group_id for c in cases if c.group_id is not None})
    root_first = when((Complaint.id == ProcurementGroup.root_id, 0), else_=1)
    members = (
        select(
            literal(_GROUP).label("side"),
            Complaint.group_id.label("key"),
            Complaint.id.label("other"),
            Complaint.reference.label("reference"),
            func.row_number()
            .over(partition_by=Complaint.group_id, order_by=(root_first, Complaint.id))
            .label("rank"),
            func.count().over(partition_by=Complaint.group_id).label("total"),
        )
        .join(ProcurementGroup, ProcurementGroup.id == Complaint.group_id)
        .where(Complaint.group_id.in_(group_ids))
        .subquery()
    )
    pairs = union_all(
        select(CaseLink.low_id.label("mine"), CaseLink.high_id.label("other")).where(
            CaseLink.low_id.in_(ids)
        ),
        select(CaseLink.high_id.label("mine"), CaseLink.low_id.label("other")).where(
            CaseLink.high_id.in_(ids)
        ),
    ).subquery()
    links = (
        select(
            literal(_LINK).label("side"),
            pairs.c.mine.label("key"),
            pairs.c.other,
            Complaint.reference,
            func.row_number().over(partition_by=pairs.c.mine, order_by=pairs.c.other).label("rank"),
            func.count().over(partition_by=pairs.c.mine).label("total"),
        )
        .join(Complaint, Complaint.id == pairs.c.other)
        .subquery()
    )
    rows = session.execute(
        union_all(
            # One more than shown: the case itself may be among its group's first members.
            select(members).where(members.c.rank <= SHOWN + 1),
            select(links).where(links.c.rank <= SHOWN),
        )
    ).all()
    found: dict[tuple[int, int], list[tuple[int, str]]] = {}
    totals: dict[tuple[int, int], int] = {}
    for side, key, other, reference, _rank, total in sorted(rows, key=lambda r: (r[0], r[1], r[4])):
        found.setdefault((side, key), []).append((other, reference))
        totals[(side, key)] = total
    out: dict[int, Related] = {}
    for c in cases:
        grouped = found.get((_GROUP, c.group_id), [])
        out[c.id] = Related(
            group_size=totals.get((_GROUP, c.group_id), 1),
            group_refs=tuple(ref for other, ref in grouped if other != c.id)[:SHOWN],
            linked_refs=tuple(ref for _, ref in found.get((_LINK, c.id), [])),
            linked_count=totals.get((_LINK, c.id), 0),
        )
    return out


def summary(session: Session, case: Complaint) -> Related:
    return summaries(session, [case])[case.id]
