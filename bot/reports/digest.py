"""The weekly team digest: a handful of aggregate queries, whatever the number of cases.

Returns plain JSON-ready figures (stored on the outbox row, so the post shows the figures of
its own slot). Counts and labels only: no names, user ids or free text.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, func, or_, select
from sqlmodel import Session

from bot.complaints import policy
from bot.permissions import Actor
from bot.reports import terms
from bot.reports.sql import between, c, complaint, count_if, effective_due, month_of
from bot.reports.sql import ratio as share
from bot.reports.suppression import WITHHELD, share_shown, suppress, total_shown
from bot.shadowing.report import build_report
from models import OutboxMessage

TOP_CATEGORIES = 5
CHART_MONTHS = 12


def service_year_start(day: date) -> date:
    """The service's year runs 6 April to 5 April."""
    start = date(day.year, 4, 6)
    return start if day >= start else date(day.year - 1, 4, 6)


def _grouped(s: Session, col, *where) -> dict[str, int]:
    rows = s.execute(select(col, func.count()).where(*where).group_by(col)).all()
    return {str(k): n for k, n in sorted(rows, key=lambda r: (-r[1], str(r[0])))}


def _targets(s: Session, start: date, end: date, threshold: int) -> dict:
    """Share of cases resolved in the period by their target date, central and wider apart."""
    resolved = between(c.resolved_on, start, end)
    rows = s.execute(
        select(c.authority_kind, func.count(), count_if(c.resolved_on <= effective_due()))
        .where(resolved)
        .group_by(c.authority_kind)
    ).all()
    out = {}
    for kind, n, on_time in rows:
        on_time = int(on_time or 0)
        cells = suppress({"on_time": on_time, "late": n - on_time}, threshold)
        if share_shown(cells, {"on_time"}, n, threshold):
            out[kind] = {"resolved": n, "on_time": on_time, "share": share(on_time, n)}
        else:
            out[kind] = {"resolved": total_shown(cells, n, threshold), "on_time": WITHHELD}
            out[kind]["share"] = WITHHELD
    return out


def complaint_figures(s: Session, today: date, days: int = 7, threshold: int = 3) -> dict:
    """The complaint figures. Breakdowns and shares describing suppliers or outcomes
    (outcomes, categories, supplier types, targets) go through complementary suppression
    (bot.reports.suppression); the team's own workload (new, open, overdue) is shown as it is:
    the digest goes to the leads, who see every case."""
    start = today - timedelta(days=days - 1)
    year_start = service_year_start(today)
    is_open = c.status.in_(sorted(terms.OPEN_STATUSES))
    from_supplier = or_(c.kind.is_(None), c.kind != "spot_check")

    in_year = and_(between(c.received_on, year_start, today), from_supplier)
    resolved_week = between(c.resolved_on, start, today)
    # One pass over the table for every ungrouped figure.
    totals = s.execute(
        select(
            count_if(between(c.received_on, start, today)),
            count_if(
                and_(
                    # resolved cases met or missed it already; the clock stops while the
                    # supplier answers
                    c.status.in_(sorted(terms.CLOCK_RUNNING)),
                    effective_due() < today,
                )
            ),
            count_if(
                and_(
                    c.status == "awaiting_authority",
                    c.authority_replied_on.is_(None),
                    c.authority_reply_due < today,
                )
            ),
            func.sum(case_money(resolved_week)),
            func.sum(case_money(between(c.resolved_on, year_start, today))),
        )
    ).one()
    week = totals[:3]
    money_week, money_year = totals[3:5]
    outcomes_raw = _grouped(s, c.outcome, resolved_week, c.outcome.is_not(None))
    outcomes = suppress(outcomes_raw, threshold)
    resolved = sum(outcomes_raw.values())
    categories = suppress(
        _grouped(s, c.category, between(c.received_on, year_start, today)), threshold
    )
    # A range of received_on (indexed): not a scan of the whole table.
    types_raw = _grouped(s, c.organisation_type, in_year)
    types = suppress(types_raw, threshold)
    from_suppliers = sum(types_raw.values())

    def share_of(table, raw: dict[str, int], part) -> float | str | None:
        whole = sum(raw.values())
        if whole == 0:
            return None
        if not share_shown(table, part, whole, threshold):
            return WITHHELD
        return share(sum(n for k, n in raw.items() if k in part), whole)

    return {
        "period": {"from": start.isoformat(), "to": today.isoformat()},
        "year_from": year_start.isoformat(),
        "new_cases": int(week[0] or 0),
        "open_by_status": _grouped(s, c.status, is_open),
        "overdue": int(week[1] or 0),
        "authority_replies_overdue": int(week[2] or 0),
        "resolved": total_shown(outcomes, resolved, threshold),
        "outcomes": outcomes.counts,
        "share_positive": share_of(outcomes, outcomes_raw, terms.POSITIVE_OUTCOMES),
        "money_released_pence": {"week": int(money_week or 0), "year": int(money_year or 0)},
        "year_cases_from_suppliers": total_shown(types, from_suppliers, threshold),
        "share_voluntary": share_of(types, types_raw, terms.VOLUNTARY),
        "share_sme": share_of(types, types_raw, terms.SME),
        "top_categories": dict(list(categories.counts.items())[:TOP_CATEGORIES]),
        "target": _targets(s, year_start, today, threshold),
    }


def case_money(condition):
    return case((condition, func.coalesce(c.money_released_pence, 0)), else_=0)


def chart_figures(s: Session, today: date) -> dict:
    """Cases received per month (last 12 months) by how they stand: their outcome once
    resolved, how they ended when concluded without one (out_of_scope, referred, withdrawn),
    and "open" while they are being worked (bot.complaints.lifecycle's groups)."""
    first = date(today.year, today.month, 1)
    for _ in range(CHART_MONTHS - 1):
        first = date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)
    month = month_of(c.received_on)
    outcome = case(
        (c.status.in_(terms.WORKING_STATUSES), "open"),
        (c.status.in_(terms.ENDED_UNRESOLVED), c.status),
        else_=func.coalesce(c.outcome, "open"),
    )
    rows = s.execute(
        select(month, outcome, func.count())
        .where(between(c.received_on, first, today))
        .group_by(month, outcome)
        .order_by(month)
    ).all()
    by_month: dict[str, dict[str, int]] = {}
    for m, o, n in rows:
        by_month.setdefault(m, {})[o] = n
    return {"by_month": by_month}


def undeliverable(s: Session) -> int:
    return s.execute(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "dead")
    ).scalar_one()


def shadow_figures(s: Session, now: datetime) -> dict:
    r = build_report(s, now=now)
    return {
        "queue": r.queue_size,
        "pending_approval": r.pending_approval,
        "offers_open": r.offered,
        "matched": r.matched,
        "completed": r.completed,
        "median_wait_days": r.median_wait_days,
        "feedback": r.feedback,
    }


def build_digest(
    s: Session, *, actor: Actor, today: date, now: datetime, threshold: int = 3
) -> dict:
    """The week's figures, for a lead or the scheduled job; NotPermitted (policy
    "see_reports") for anyone else."""
    policy.require(actor, "see_reports")
    figures = complaint_figures(s, today, threshold=threshold)
    figures["undeliverable_messages"] = undeliverable(s)
    figures["shadowing"] = shadow_figures(s, now)
    figures["chart"] = chart_figures(s, today)
    figures["threshold"] = threshold
    return figures


__all__ = ["build_digest", "complaint", "complaint_figures", "service_year_start"]
