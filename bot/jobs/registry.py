"""Every scheduled job, declared once: its name, default schedule and function.

Schedules are cron strings read in Europe/London (so "0 8 * * 1" is 8am UK time all year);
each can be overridden with JOB_<NAME>_CRON. APScheduler's CronTrigger computes the fire
times; bot.jobs.runner makes each fire time (a "slot") run exactly once across processes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.clock import UK
from bot.config import Settings


@dataclass(frozen=True)
class JobContext:
    """What a job may use: no Slack client (bot/ stays platform-neutral); posts go through
    the outbox in the job's own transaction."""

    engine: Engine
    settings: Settings
    now: datetime  # aware UTC: the moment the run started (the slot may be earlier)
    slot: datetime

    @property
    def today(self) -> date:
        return self.now.astimezone(UK).date()


# fn(ctx, session) -> short result text. ``session`` is the claim's own transaction for a
# transactional job (its effects commit with the claim, or neither does); None otherwise.
JobFn = Callable[[JobContext, Session | None], str | None]


@dataclass(frozen=True)
class Job:
    name: str
    cron: str
    fn: JobFn
    description: str
    # False for work that manages its own transactions (a committed matching round, the
    # outbox); it is claimed first and then run, so a crash mid-run loses that slot rather
    # than repeating it.
    transactional: bool = True


REGISTRY: dict[str, Job] = {}


def job(name: str, cron: str, description: str, *, transactional: bool = True):
    """Register ``fn`` as job ``name`` running on ``cron`` (Europe/London) by default."""

    def register(fn: JobFn) -> JobFn:
        REGISTRY[name] = Job(name, cron, fn, description, transactional)
        return fn

    return register


def cron_for(j: Job, settings: Settings) -> str:
    return settings.job_schedules.get(j.name, j.cron)


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


def check_overrides(overrides: dict[str, str]) -> list[str]:
    """Problems with JOB_<NAME>_CRON settings ({variable: value}): an unknown job name (a
    misspelling would otherwise be ignored and the job keep its default) or a bad schedule."""
    if not overrides:
        return []
    known = {j.name for j in all_jobs()}
    problems = []
    for variable, value in sorted(overrides.items()):
        name = variable[len("JOB_") : -len("_CRON")].lower()
        if name not in known:
            names = ", ".join(f"JOB_{n.upper()}_CRON" for n in sorted(known))
            problems.append(f"{variable} names no job. The jobs' schedule settings are: {names}.")
            continue
        try:
            cron_trigger(value)
        except ValueError as exc:
            problems.append(f"{variable}={value!r} is not a cron schedule like '0 8 * * 1': {exc}")
    return problems


def trigger_for(j: Job, settings: Settings) -> CronTrigger:
    return cron_trigger(cron_for(j, settings))


def all_jobs() -> list[Job]:
    # The job modules register themselves on import.
    from bot.jobs import tasks  # noqa: F401

    return sorted(REGISTRY.values(), key=lambda j: j.name)


def get(name: str) -> Job | None:
    return {j.name: j for j in all_jobs()}.get(name)
