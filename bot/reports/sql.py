"""SQL building blocks shared by the digest and the reports.

The complaint columns are named here as a lightweight table (the contract's names), so
these queries depend on the schema, not on the ORM class. Date arithmetic differs between
SQLite (dates stored as text) and PostgreSQL, so two small compiled expressions hide it.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, Integer, String, and_, case, column, func, table
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from bot.complaints import lifecycle

complaint = table(
    "complaint",
    column("id", Integer),
    column("reference", String),
    column("kind", String),
    column("status", String),
    column("authority_name", String),
    column("authority_kind", String),
    column("category", String),
    column("organisation_type", String),
    column("received_on", Date),
    column("due_date", Date),
    column("supplier_wait_days", Integer),
    column("authority_reply_due", Date),
    column("authority_replied_on", Date),
    column("outcome", String),
    column("agreed_actions", String),
    column("money_released_pence", Integer),
    column("public_summary", String),
    column("publishable", Boolean),
    column("follow_up_due", Date),
    column("follow_up_result", String),
    column("resolved_on", Date),
    column("closed_on", Date),
    column("assignee_id", String),
)
c = complaint.c


class add_days(FunctionElement):
    """``date + n days`` where n is a column."""

    type = Date()
    inherit_cache = True


@compiles(add_days, "postgresql")
def _add_days_pg(element, compiler, **kw):
    day, n = list(element.clauses)
    return f"({compiler.process(day, **kw)} + {compiler.process(n, **kw)})"


@compiles(add_days, "sqlite")
def _add_days_sqlite(element, compiler, **kw):
    day, n = list(element.clauses)
    return f"date({compiler.process(day, **kw)}, ({compiler.process(n, **kw)}) || ' days')"


class month_of(FunctionElement):
    """'YYYY-MM' of a date column."""

    type = String()
    inherit_cache = True


@compiles(month_of, "postgresql")
def _month_pg(element, compiler, **kw):
    return f"to_char({compiler.process(next(iter(element.clauses)), **kw)}, 'YYYY-MM')"


@compiles(month_of, "sqlite")
def _month_sqlite(element, compiler, **kw):
    return f"strftime('%Y-%m', {compiler.process(next(iter(element.clauses)), **kw)})"


def effective_due() -> ColumnElement:
    """The service target date: due date plus days spent waiting on the supplier."""
    return add_days(c.due_date, func.coalesce(c.supplier_wait_days, 0))


def concluded_on() -> ColumnElement:
    """When a case concluded (bot.complaints.lifecycle: resolved, or ended without a
    resolution); NULL while it is in a working state, including after a reopen."""
    return case(
        (c.status.in_(lifecycle.CONCLUDED_STATUSES), func.coalesce(c.resolved_on, c.closed_on))
    )


def concluded_between(start: date, end: date) -> ColumnElement:
    """Concluded within [start, end]: the same meaning as ``concluded_on()`` between the two,
    written so the cheap date test comes first (most rows fail it)."""
    return and_(
        between(func.coalesce(c.resolved_on, c.closed_on), start, end),
        c.status.in_(lifecycle.CONCLUDED_STATUSES),
    )


def between(col: ColumnElement, start: date, end: date) -> ColumnElement:
    return and_(col >= start, col <= end)


def count_if(condition) -> ColumnElement:
    return func.sum(case((condition, 1), else_=0))


def ratio(part: int | None, whole: int | None) -> float | None:
    return round(float(part or 0) / float(whole), 3) if whole else None
