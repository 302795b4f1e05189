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


def cron_trigger(expr: str) -> CronTrigger:
    """A trigger for a standard crontab line in Europe/London.

    APScheduler 3 numbers weekdays from Monday = 0, unlike cron (Sunday = 0): "0 8 * * 1"
    would fire on Tuesdays. Numeric weekdays are turned into names first (steps kept).
    """
    fields = expr.split()
    if len(fields) == 5:
        fields[4] = re.sub(r"(?<![/\d])(\d)(?!\d)", lambda m: _DAYS[int(m.group(1)) % 8], fields[4])
    return CronTrigger.from_crontab(" ".join(fields), timezone=UK)


def trigger_for(j: Job, settings: Settings) -> CronTrigger:
    return cron_trigger(cron_for(j, settings))


def all_jobs() -> list[Job]:
    # The job modules register themselves on import.
    from bot.jobs import tasks  # noqa: F401

    return sorted(REGISTRY.values(), key=lambda j: j.name)


def get(name: str) -> Job | None:
    return {j.name: j for j in all_jobs()}.get(name)
