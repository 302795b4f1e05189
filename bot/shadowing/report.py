"""Figures for coordinators: the queue, offers, placements, waiting times and feedback."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case, func
from sqlmodel import Session, select

from bot.shadowing import catalog
from models import ShadowApplicant, ShadowFeedback, ShadowHost, ShadowPlacement

SIDES = ("applicant", "host")


@dataclass
class Report:
    queue_size: int  # sign-ups approved and waiting for an offer
    pending_approval: int  # sign-ups waiting for their line manager
    offered: int  # offers open, awaiting answers
    matched: int  # placements both sides accepted (accepted + scheduled + completed)
    completed: int
    # Days from joining the queue to the first offer, over applicants who have had one.
    median_wait_days: float | None
    by_department: dict[str, int]  # sign-ups (any status) per department
    by_region: dict[str, int]  # sign-ups (any status) per region value
    by_host: dict[str, int]  # matched placements per host organisation
    # Per side ("applicant", "host"): {"count", "worthwhile" (mean of 1-5, or None),
    # "would_recommend" (share 0-1, or None)}
    feedback: dict[str, dict]
    as_of: datetime | None = field(default=None)


def _grouped(session: Session, column) -> dict:
    """{value: count}, largest first."""
    rows = session.execute(select(column, func.count()).group_by(column)).all()
    return {key: n for key, n in sorted(rows, key=lambda r: (-r[1], str(r[0])))}


def build_report(session: Session, *, now: datetime) -> Report:
    A, P, H, F = ShadowApplicant, ShadowPlacement, ShadowHost, ShadowFeedback
    applicants = _grouped(session, A.status)
    placements = _grouped(session, P.status)

    # A returning applicant keeps queued_at, so the first offer is what measures the wait.
    firsts = session.execute(
        select(A.queued_at, func.min(P.offered_at))
        .join(P, P.applicant_id == A.id)
        .where(A.queued_at.is_not(None))
        .group_by(A.id, A.queued_at)
    ).all()
    waits = [(offered - queued).total_seconds() / 86400 for queued, offered in firsts]
    median = round(statistics.median(waits), 1) if waits else None

    host_rows = session.execute(
        select(H.organisation, func.count())
        .join(P, P.host_id == H.id)
        .where(P.status.in_(catalog.ACCEPTED_STATUSES))
        .group_by(H.organisation)
    ).all()
    by_host = {org: n for org, n in sorted(host_rows, key=lambda r: (-r[1], r[0]))}

    feedback = {side: {"count": 0, "worthwhile": None, "would_recommend": None} for side in SIDES}
    rows = session.execute(
        select(
            F.side,
            func.count(),
            func.avg(F.worthwhile),
            func.sum(case((F.would_recommend, 1), else_=0)),
        ).group_by(F.side)
    ).all()
    for side, count, worthwhile, recommend in rows:
        feedback[side] = {
            "count": count,
            "worthwhile": round(float(worthwhile), 2),
            "would_recommend": round(recommend / count, 3),
        }

    return Report(
        queue_size=applicants.get("queued", 0),
        pending_approval=applicants.get("pending_approval", 0),
        offered=placements.get("offered", 0),
        matched=sum(placements.get(s, 0) for s in catalog.ACCEPTED_STATUSES),
        completed=placements.get("completed", 0),
        median_wait_days=median,
        by_department=_grouped(session, A.department),
        by_region=_grouped(session, A.region),
        by_host=by_host,
        feedback=feedback,
        as_of=now,
    )


def format_report(report: Report) -> str:
    """Plain text for a terminal (no Slack markup)."""
    lines = ["Work-shadowing report"]
    if report.as_of is not None:
        lines[0] += f" (as at {report.as_of:%Y-%m-%d %H:%M} UTC)"
    wait = "none yet" if report.median_wait_days is None else f"{report.median_wait_days} days"
    lines += [
        f"Queue: {report.queue_size} waiting for an offer",
        f"Awaiting line-manager approval: {report.pending_approval}",
        f"Offers open: {report.offered}",
        f"Matched: {report.matched} (completed: {report.completed})",
        f"Median wait to first offer: {wait}",
    ]

    def section(title: str, counts: dict[str, int], names: dict[str, str] | None = None):
        lines.append(f"{title}:")
        if not counts:
            lines.append("  none")
        for key, n in counts.items():
            lines.append(f"  {(names or {}).get(key, key)}: {n}")

    section("Sign-ups by department", report.by_department)
    section("Sign-ups by region", report.by_region, dict(catalog.REGIONS))
    section("Placements by host", report.by_host)
    lines.append("Feedback:")
    for side, title in (("applicant", "Civil servants"), ("host", "Hosts")):
        f = report.feedback.get(side) or {"count": 0}
        if not f["count"]:
            lines.append(f"  {title}: no responses yet")
            continue
        lines.append(
            f"  {title}: {f['count']} response{'s' if f['count'] != 1 else ''}, "
            f"worthwhile {f['worthwhile']:.1f}/5 on average, "
            f"{f['would_recommend']:.0%} would recommend"
        )
    return "\n".join(lines)
