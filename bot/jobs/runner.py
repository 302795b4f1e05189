"""Running job slots exactly once, catching up after downtime, and listing job status.

Time is always passed in (``now``), so tests drive it with a controllable clock.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.config import Settings
from bot.db import transaction
from bot.jobs import claims
from bot.jobs.registry import Job, JobContext, cron_for, trigger_for
from bot.logs import unit_of_work

log = structlog.get_logger("msbot.jobs")

# How far back to look for missed slots (a monthly job's previous slot is within 32 days).
LOOKBACK = timedelta(days=32)
# At most this many missed slots of one job are recorded as skipped (a minutely job down for
# a week would otherwise write thousands of rows that tell nobody anything more).
MAX_SKIPPED = 100


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def slots_between(trigger: CronTrigger, start: datetime, end: datetime) -> list[datetime]:
    """Fire times in (start, end], in UTC, newest MAX_SKIPPED + 1 only."""
    out: deque[datetime] = deque(maxlen=MAX_SKIPPED + 1)
    fire = trigger.get_next_fire_time(None, start + timedelta(seconds=1))
    while fire is not None and fire <= end:
        out.append(_utc(fire))
        fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    return list(out)


# How far back latest_slot looks, in widening steps (a minutely job finds its slot in the
# first step; a monthly one within a month).
_STEPS = (
    *(timedelta(minutes=m) for m in (1, 5, 15, 60)),
    *(timedelta(hours=h) for h in (3, 6, 12, 24)),
    *(timedelta(days=d) for d in range(2, LOOKBACK.days + 1)),
)


def latest_slot(trigger: CronTrigger, now: datetime) -> datetime | None:
    """The newest fire time at or before ``now``.

    Searched back in small steps rather than from a month ago: besides being quick for
    frequent jobs, APScheduler 3.11 skips a monthly fire time when asked from a start more
    than a few days before a clock change (from 20 March, "0 0 1 * *" answers 1 May).
    """
    for back in _STEPS:
        slot = trigger.get_next_fire_time(None, now - back)
        if slot is None or slot > now:
            continue
        while (later := trigger.get_next_fire_time(slot, slot + timedelta(seconds=1))) and (
            later <= now
        ):
            slot = later
        return _utc(slot)
    return None


def run_slot(
    engine: Engine, settings: Settings, job: Job, slot: datetime, now: datetime, *, manual=False
) -> str:
    """Run ``job`` for ``slot`` unless another process has it. Returns done, taken or failed."""
    # A run is a unit of work of its own for the logs, whichever thread the scheduler uses.
    with unit_of_work(job=job.name):
        return _run_slot(engine, settings, job, slot, now, manual=manual)


def _run_slot(engine, settings, job: Job, slot: datetime, now: datetime, *, manual) -> str:
    slot, now = _utc(slot), _utc(now)
    ctx = JobContext(engine=engine, settings=settings, now=now, slot=slot)
    bound = log.bind(job=job.name, slot=slot.isoformat(), manual=manual)
    try:
        if job.transactional:
            with transaction(engine) as s:
                if not claims.claim(s, job.name, slot, now, manual=manual):
                    return "taken"
                result = job.fn(ctx, s)
                claims.finish(s, job.name, slot, "done", result, now)
        else:
            with transaction(engine) as s:
                if not claims.claim(s, job.name, slot, now, manual=manual):
                    return "taken"
            result = job.fn(ctx, None)
            with transaction(engine) as s:
                claims.finish(s, job.name, slot, "done", result, now)
    except Exception as exc:
        bound.exception("job.failed")
        try:
            claims.record_failure(engine, job.name, slot, f"{type(exc).__name__}: {exc}", now)
        except Exception:
            bound.exception("job.failure_not_recorded")
        return "failed"
    bound.info("job.done", result=result)
    return "done"


def catch_up(
    engine: Engine, settings: Settings, now: datetime, *, jobs: Iterable[Job]
) -> dict[str, str]:
    """At start-up (and safe at any time): for each job, run its newest missed slot if it is
    within the grace period; record every older missed slot as skipped, within grace or not.

    Catching up once is deliberate: a job reports the state of things when it runs (a digest,
    reminders, follow-ups due), so running the older slots too would post the same message
    several times in a row, each with staler figures than the last."""
    grace = timedelta(minutes=settings.job_grace_minutes)
    outcomes: dict[str, str] = {}
    for job in jobs:
        trigger = trigger_for(job, settings)
        with Session(engine) as s:
            last = claims.last_slot(s, job.name)
        if last is None:
            newest = latest_slot(trigger, now)
            missed = [newest] if newest else []
        else:
            missed = slots_between(trigger, max(last, now - LOOKBACK), now)
        if not missed:
            continue
        newest = missed[-1]
        older = missed[:-1]
        if now - newest <= grace:
            outcomes[job.name] = run_slot(engine, settings, job, newest, now)
        else:
            older = missed
            outcomes[job.name] = "skipped"
        if older:
            n = claims.record_skipped(engine, job.name, older, now)
            if n:
                log.warning("job.skipped_missed", job=job.name, slots=n)
    return outcomes


def fire(engine: Engine, settings: Settings, job: Job, now: datetime) -> str:
    """Called by the scheduler at a fire time: run the newest slot at or before ``now``."""
    slot = latest_slot(trigger_for(job, settings), now)
    if slot is None:
        return "nothing due"
    return run_slot(engine, settings, job, slot, now)


def run_now(engine: Engine, settings: Settings, job: Job, now: datetime) -> str:
    """`msbot run-job`: a slot of its own (this very second), so it never takes or blocks a
    scheduled one."""
    slot = _utc(now).replace(microsecond=0)
    return run_slot(engine, settings, job, slot, now, manual=True)


@dataclass(frozen=True)
class JobStatus:
    name: str
    cron: str
    description: str
    next_run: datetime | None
    last_slot: datetime | None
    last_status: str | None
    last_result: str | None
    last_manual: bool = False


def status(
    engine: Engine, settings: Settings, now: datetime, *, jobs: Iterable[Job]
) -> list[JobStatus]:
    out = []
    with Session(engine) as s:
        for job in jobs:
            last = claims.last_run(s, job.name)
            out.append(
                JobStatus(
                    name=job.name,
                    cron=cron_for(job, settings),
                    description=job.description,
                    next_run=trigger_for(job, settings).get_next_fire_time(None, now),
                    last_slot=last.slot if last else None,
                    last_status=last.status if last else None,
                    last_result=last.result if last else None,
                    last_manual=bool(last and last.manual),
                )
            )
    return out
