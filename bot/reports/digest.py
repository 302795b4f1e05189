"""The weekly team digest: a handful of aggregate queries, whatever the number of cases.

Returns plain JSON-ready figures (stored on the outbox row, so the post shows the figures of
its own slot). Counts and labels only: no names, user ids or free text.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, func, or_, select
from sqlmodel import Session

from bot.reports import terms
from bot.reports.sql import between, c, complaint, count_if, effective_due, month_of
from bot.reports.sql import ratio as share
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


def _targets(s: Session, start: date, end: date) -> dict:
    """Share of cases resolved in the period by their target date, central and wider apart."""
    resolved = between(c.resolved_on, start, end)
    rows = s.execute(
        select(c.authority_kind, func.count(), count_if(c.resolved_on <= effective_due()))
        .where(resolved)
        .group_by(c.authority_kind)
    ).all()
    return {
        kind: {"resolved": n, "on_time": int(on_time or 0), "share": share(int(on_time or 0), n)}
        for kind, n, on_time in rows
    }


def complaint_figures(s: Session, today: date, days: int = 7) -> dict:
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
                    c.status.in_(sorted(terms.SERVICE_CLOCK_STATUSES - {"awaiting_supplier"})),
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
            count_if(in_year),
            count_if(and_(in_year, c.organisation_type.in_(terms.VOLUNTARY))),
            count_if(and_(in_year, c.organisation_type.in_(terms.SME))),
        )
    ).one()
    week = totals[:3]
    money_week, money_year = totals[3:5]
    year = totals[5:]
    outcomes = _grouped(s, c.outcome, resolved_week, c.outcome.is_not(None))
    positive = sum(n for k, n in outcomes.items() if k in terms.POSITIVE_OUTCOMES)
    categories = _grouped(s, c.category, between(c.received_on, year_start, today))
    return {
        "period": {"from": start.isoformat(), "to": today.isoformat()},
        "year_from": year_start.isoformat(),
        "new_cases": int(week[0] or 0),
        "open_by_status": _grouped(s, c.status, is_open),
        "overdue": int(week[1] or 0),
        "authority_replies_overdue": int(week[2] or 0),
        "resolved": sum(outcomes.values()),
        "outcomes": outcomes,
        "share_positive": share(positive, sum(outcomes.values())),
        "money_released_pence": {"week": int(money_week or 0), "year": int(money_year or 0)},
        "year_cases_from_suppliers": int(year[0] or 0),
        "share_voluntary": share(int(year[1] or 0), int(year[0] or 0)),
        "share_sme": share(int(year[2] or 0), int(year[0] or 0)),
        "top_categories": dict(list(categories.items())[:TOP_CATEGORIES]),
        "target": _targets(s, year_start, today),
    }


def case_money(condition):
    return case((condition, func.coalesce(c.money_released_pence, 0)), else_=0)


def chart_figures(s: Session, today: date) -> dict:
    """Cases received per month (last 12 months) by outcome so far ("open" if none yet)."""
    first = date(today.year, today.month, 1)
    for _ in range(CHART_MONTHS - 1):
        first = date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)
    month = month_of(c.received_on)
    outcome = func.coalesce(c.outcome, "open")
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


def build_digest(s: Session, *, today: date, now: datetime) -> dict:
    figures = complaint_figures(s, today)
    figures["undeliverable_messages"] = undeliverable(s)
    figures["shadowing"] = shadow_figures(s, now)
    figures["chart"] = chart_figures(s, today)
    return figures


__all__ = ["build_digest", "complaint", "complaint_figures", "service_year_start"]
