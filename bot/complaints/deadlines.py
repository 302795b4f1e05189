"""Case deadlines: the service target, the authority's reply, "due soon" and "overdue".

Dates are UK calendar dates; datetimes are stored in UTC and shown in Europe/London
(:func:`uk_time`, :func:`format_uk`).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot.clock import UK
from bot.complaints import states
from bot.sla import next_working_day
from models import Complaint

# The authority is expected to answer an information request within 30 calendar days.
AUTHORITY_REPLY_DAYS = 30
# "Due soon" once this share of the time between start and due date is used.
DUE_SOON_SHARE = 0.75


def authority_reply_due(contacted_on: date) -> date:
    return contacted_on + timedelta(days=AUTHORITY_REPLY_DAYS)


def supplier_wait_days(case: Complaint, today: date | None = None) -> int:
    """Days spent waiting for the supplier, including a wait still running on ``today``."""
    days = case.supplier_wait_days or 0
    if case.status == "awaiting_supplier" and case.awaiting_supplier_since and today:
        days += max(0, (today - case.awaiting_supplier_since).days)
    return days


def effective_due(case: Complaint, today: date | None = None) -> date:
    """The service target pushed back by the days spent waiting for the supplier, moved onto
    a working day. Without a wait this is ``case.due_date`` itself."""
    wait = supplier_wait_days(case, today)
    if not wait:
        return case.due_date
    return next_working_day(case.due_date + timedelta(days=wait))


def is_overdue(due: date | None, today: date) -> bool:
    return due is not None and today > due


def is_due_soon(start: date | None, due: date | None, today: date) -> bool:
    """True once 75% of the time from ``start`` to ``due`` is used, until the due date."""
    if start is None or due is None or today > due:
        return False
    total = (due - start).days
    if total <= 0:
        return True
    return (today - start).days >= DUE_SOON_SHARE * total


def service_overdue(case: Complaint, today: date) -> bool:
    return case.status in states.SERVICE_CLOCK_STATUSES and is_overdue(
        effective_due(case, today), today
    )


def service_due_soon(case: Complaint, today: date) -> bool:
    if case.status not in states.CLOCK_RUNNING:
        return False  # the clock is stopped while we wait for the supplier
    return is_due_soon(case.received_on, effective_due(case, today), today)


def authority_overdue(case: Complaint, today: date) -> bool:
    return case.status == "awaiting_authority" and is_overdue(case.authority_reply_due, today)


def authority_due_soon(case: Complaint, today: date) -> bool:
    return case.status == "awaiting_authority" and is_due_soon(
        case.authority_contacted_on, case.authority_reply_due, today
    )


def uk_time(moment: datetime) -> datetime:
    """A stored UTC datetime in UK local time (GMT or BST)."""
    return moment.astimezone(UK)


def format_uk(moment: datetime) -> str:
    """'23 Nov 2026, 21:30' in UK local time."""
    return uk_time(moment).strftime("%-d %b %Y, %H:%M")


def format_day(day: date | None) -> str:
    return day.strftime("%-d %b %Y") if day else "none"
