"""What a scheduled job is, and the list of them the composition root (bot.bootstrap) builds.

Each feature declares its jobs beside its code as a tuple ``JOBS`` of Job values
(bot/complaints/jobs.py, bot/shadowing/jobs.py, bot/reports/jobs.py, bot/jobs/housekeeping.py);
nothing is registered by importing a module. Schedules are cron strings read in Europe/London
(so "0 8 * * 1" is 8am UK time all year); each can be overridden with JOB_<NAME>_CRON.
APScheduler's CronTrigger computes the fire times; bot.jobs.runner makes each fire time (a
"slot") run exactly once across processes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.clock import UK
from bot.config import Settings
from bot.jobs.cron import cron_trigger


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


def counted(label: str, work: Callable[..., int]) -> JobFn:
    """The run of a non-transactional job whose ``work(engine, now=)`` claims each item with a
    conditional UPDATE in a transaction of its own (so an item is done once, whatever else is
    doing the same) and returns how many it did; the run reports "<label> <count>"."""

    def run(ctx: JobContext, _: Session | None) -> str:
        return f"{label} {work(ctx.engine, now=ctx.now)}"

    return run


class JobRegistry:
    """The jobs one process schedules and `msbot jobs` lists, in name order."""

    def __init__(self, jobs: Iterable[Job]):
        self._by_name: dict[str, Job] = {}
        for job in jobs:
            if job.name in self._by_name:
                raise ValueError(f"two jobs are called {job.name!r}")
            self._by_name[job.name] = job

    def all(self) -> list[Job]:
        return sorted(self._by_name.values(), key=lambda j: j.name)

    def __iter__(self) -> Iterator[Job]:
        return iter(self.all())

    def get(self, name: str) -> Job | None:
        return self._by_name.get(name)

    def names(self) -> frozenset[str]:
        return frozenset(self._by_name)


def cron_for(j: Job, settings: Settings) -> str:
    return settings.job_schedules.get(j.name, j.cron)


def trigger_for(j: Job, settings: Settings) -> CronTrigger:
    return cron_trigger(cron_for(j, settings))
