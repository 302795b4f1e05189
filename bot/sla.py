"""Service-level targets: due dates in calendar months, moved onto a working day.

Working days exclude weekends and England-and-Wales bank holidays (the ``holidays`` package
keeps the list current, including one-off holidays).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays
from dateutil.relativedelta import relativedelta


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("GB", subdiv="ENG", years=year)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def next_working_day(day: date) -> date:
    """``day`` itself if it is a working day, else the first working day after it."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def add_working_days(start: date, days: int) -> date:
    day = start
    while days > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            days -= 1
    return day


def due_date(received_on: date, months: int) -> date:
    """Target date ``months`` calendar months after receipt (31 Jan + 1 month = 28/29 Feb),
    moved forward to a working day so the team is never due on a bank holiday."""
    return next_working_day(received_on + relativedelta(months=months))
