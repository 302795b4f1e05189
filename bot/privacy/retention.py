"""Retention: how long each kind of personal data is kept (docs/retention.md), what keeps a
record from being erased, and the daily job that redacts what is due (issue 17 item 4).

The periods are settings (PRIVACY_CASE_YEARS, PRIVACY_SHADOWING_DAYS, PRIVACY_OUTBOX_DAYS);
the rules that say when a record's clock starts are the register's retention rules
(bot/privacy/terms.py) written as queries here.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import and_, exists, func, not_, or_, select
from sqlmodel import Session

from bot import people_cache
from bot.clock import UK
from bot.complaints.lifecycle import CLOSED_STATUSES
from bot.jobs.registry import Job, JobContext
from bot.privacy import erase, records
from bot.privacy.records import Db, Held
from bot.shadowing.catalog import ACTIVE_STATUSES, OPEN_PLACEMENT_STATUSES

OUTBOX_DONE = ("sent", "dead")


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _due_cases(conn: Db, today: date, years: int) -> list[int]:
    t = records.table("complaint")
    cutoff = years_before(today, years)
    query = select(t.c.id).where(t.c.status.in_(CLOSED_STATUSES), t.c.closed_on <= cutoff)
    return list(conn.execute(query).scalars())


def _placements_done(owner_column, cutoff: date):
    """No placement of the sign-up or host offer is under way or ended after ``cutoff``."""
    p = records.table("shadow_placement")
    live = or_(p.c.status.in_(OPEN_PLACEMENT_STATUSES), p.c.end_date > cutoff)
    return not_(exists().where(p.c[owner_column.name] == owner_column.table.c.id, live))


def _due_shadowing(conn: Db, now: datetime, days: int) -> list[tuple[str, int]]:
    cutoff = now - timedelta(days=days)
    a, h = records.table("shadow_applicant"), records.table("shadow_host")
    applicants = select(a.c.id).where(
        a.c.status.not_in(ACTIVE_STATUSES),
        a.c.updated_at <= cutoff,
        _placements_done(records.table("shadow_placement").c.applicant_id, cutoff.date()),
    )
    hosts = select(h.c.id).where(
        h.c.status != "open",
        h.c.updated_at <= cutoff,
        _placements_done(records.table("shadow_placement").c.host_id, cutoff.date()),
    )
    return [("shadow_applicant", i) for i in conn.execute(applicants).scalars()] + [
        ("shadow_host", i) for i in conn.execute(hosts).scalars()
    ]


def _due_outbox(conn: Db, now: datetime, days: int) -> list[Held]:
    t = records.table("outbox_message")
    done_at = func.coalesce(t.c.sent_at, t.c.created_at)
    query = select(t).where(
        and_(t.c.status.in_(OUTBOX_DONE), done_at <= now - timedelta(days=days))
    )
    return [
        Held("outbox_message", dict(r), records.ADDRESSEE) for r in conn.execute(query).mappings()
    ]


def apply_retention(
    conn: Session, now: datetime, *, case_years: int, shadowing_days: int, outbox_days: int
) -> dict[str, int]:
    """Redact every record whose period is over; rows changed per table (none when repeated)."""
    items: list[Held] = []
    for case_id in _due_cases(conn, now.astimezone(UK).date(), case_years):
        items += records.record(conn, "complaint", case_id)
    for name, row_id in _due_shadowing(conn, now, shadowing_days):
        items += records.record(conn, name, row_id)
    items += _due_outbox(conn, now, outbox_days)
    return erase.apply(conn, items, None)


def privacy_retention(ctx: JobContext, session: Session | None) -> str:
    # Runs in the claim's transaction: the redaction commits with the slot's claim, once.
    counts = apply_retention(
        session,
        ctx.now,
        case_years=ctx.settings.privacy_case_years,
        shadowing_days=ctx.settings.privacy_shadowing_days,
        outbox_days=ctx.settings.privacy_outbox_days,
    )
    if counts.keys() & {"person", "platform_account"}:
        people_cache.forget()  # accounts redacted: not served from this process's memory
    done = ", ".join(f"{t} {n}" for t, n in sorted(counts.items()))
    return f"redacted: {done or 'nothing due'}"


# The retention job, collected by bot.bootstrap.
JOBS = (
    Job(
        "privacy_retention",
        "40 2 * * *",
        privacy_retention,
        "redact personal data whose retention period is over",
    ),
)
