"""Every scheduled job, declared once: its name, default schedule and function.

Schedules are cron strings read in Europe/London (so "0 8 * * 1" is 8am UK time all year);
each can be overridden with JOB_<NAME>_CRON. APScheduler's CronTrigger computes the fire
times; bot.jobs.runner makes each fire time (a "slot") run exactly once across processes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

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


_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _weekday_token(token: str) -> str:
    """One comma-separated weekday item in cron numbering, in APScheduler's names."""
    body, _, step = token.partition("/")
    step = f"/{step}" if step else ""
    if not body.isdigit() and not re.fullmatch(r"\d-\d", body):
        return token  # "*", names, or something APScheduler will reject with its own message
    lo, _, hi = body.partition("-")
    if not hi:
        return _DAYS[int(lo) % 8] + step
    lo_n, hi_n = int(lo), int(hi)
    if lo_n == 0 and hi_n >= 1:  # APScheduler's weeks start on Monday: split Sunday off
        return f"sun,{_DAYS[1]}-{_DAYS[hi_n]}{step}" if hi_n < 7 else f"mon-sun{step}"
    return f"{_DAYS[lo_n]}-{_DAYS[hi_n]}{step}"


def cron_trigger(expr: str) -> CronTrigger:
    """A trigger for a standard crontab line in Europe/London.

    APScheduler 3 numbers weekdays from Monday = 0, unlike cron (Sunday = 0 or 7): "0 8 * * 1"
    would fire on Tuesdays. Numeric weekdays are turned into names first.
    """
    fields = expr.split()
    if len(fields) == 5:
        fields[4] = ",".join(_weekday_token(t) for t in fields[4].split(","))
    return CronTrigger.from_crontab(" ".join(fields), timezone=UK)


def trigger_for(j: Job, settings: Settings) -> CronTrigger:
    return cron_trigger(cron_for(j, settings))


def all_jobs() -> list[Job]:
    # The job modules register themselves on import.
    from bot.jobs import tasks  # noqa: F401

    return sorted(REGISTRY.values(), key=lambda j: j.name)


def get(name: str) -> Job | None:
    return {j.name: j for j in all_jobs()}.get(name)
