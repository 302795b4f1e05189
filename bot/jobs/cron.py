"""Cron schedules read as cron reads them, in Europe/London.

Apart from the job list so settings can check a JOB_<NAME>_CRON value without importing the
jobs (which need the settings).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from apscheduler.triggers.cron import CronTrigger

from bot.clock import UK

_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
# How far ahead a schedule must fire at least once (29 February comes round within 8 years).
_FIRES_WITHIN = timedelta(days=8 * 366)


def _weekday_number(text: str) -> int:
    if not text.isdigit() or int(text) > 7:
        raise ValueError(f"{text!r} is not a weekday (cron numbers them 0-7, Sunday 0 or 7)")
    return int(text)


def _weekday_item(item: str) -> str:
    """One comma-separated weekday item in cron numbering, as APScheduler day names.

    Numbers, ranges and steps ("1", "1-5", "*/2", "1-5/2") are expanded to the days cron
    means; names ("mon-fri") are left for APScheduler, which reads them as cron does.
    """
    body, slash, step_text = item.partition("/")
    if item == "*" or body[:1].isalpha():
        return item  # every day, or names: APScheduler checks those itself
    step = 1
    if slash:
        if not step_text.isdigit() or int(step_text) < 1:
            raise ValueError(f"{item!r}: a step must be a whole number of at least 1")
        step = int(step_text)
    if body == "*":
        lo, hi = 0, 6
    else:
        first, dash, last = body.partition("-")
        if slash and not dash:
            raise ValueError(f"{item!r}: a step needs a range, like 1-5/2 or */2")
        lo, hi = _weekday_number(first), _weekday_number(last if dash else first)
        if lo > hi:
            raise ValueError(f"{item!r}: a range must go from the lower day to the higher")
    return ",".join(_DAYS[d] for d in sorted({d % 7 for d in range(lo, hi + 1, step)}))


def cron_trigger(expr: str) -> CronTrigger:
    """A trigger for a standard crontab line in Europe/London; ValueError saying what is wrong.

    APScheduler 3 numbers weekdays from Monday = 0, unlike cron (Sunday = 0 or 7): "0 8 * * 1"
    would fire on Tuesdays. Numeric weekdays are turned into names first. A schedule that
    never fires ("0 8 31 2 *") is refused too: it would silently never run.
    """
    fields = expr.split()
    if len(fields) == 5:
        fields[4] = ",".join(_weekday_item(t) for t in fields[4].split(","))
    trigger = CronTrigger.from_crontab(" ".join(fields), timezone=UK)
    start = datetime.now(UK)
    upcoming = trigger.get_next_fire_time(None, start)
    if upcoming is None or upcoming - start > _FIRES_WITHIN:
        raise ValueError("it never fires (no such date)")
    return trigger
