"""Deadlines of a case, computed in one place. Dates are UK dates; time waiting for the
supplier does not count against the service target."""

from __future__ import annotations

from datetime import date, timedelta

AUTHORITY_REPLY_DAYS = 30
DUE_SOON_SHARE = 0.75


def effective_due(case) -> date:
    return case.due_date + timedelta(days=case.supplier_wait_days or 0)


def authority_reply_due(contacted_on: date) -> date:
    return contacted_on + timedelta(days=AUTHORITY_REPLY_DAYS)


def is_due_soon(start: date, due: date, today: date) -> bool:
    """75% or more of the time from ``start`` to ``due`` used, and not yet overdue."""
    total = (due - start).days
    if total <= 0 or today > due:
        return False
    return (today - start).days >= DUE_SOON_SHARE * total


def is_overdue(due: date | None, today: date) -> bool:
    return due is not None and today > due
