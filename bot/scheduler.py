"""APScheduler computes when each job fires; bot.jobs claims each slot so that,
however many workers and replicas run this scheduler, every slot runs exactly once.

(Outbox retries are the OutboxWorker's, which wakes every OUTBOX_INTERVAL_SECONDS in every
process; its row claims make that safe.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

import structlog
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.engine import Engine

from bot.clock import UK
from bot.config import Settings
from bot.jobs import runner
from bot.jobs.registry import Job, trigger_for
from models.base import utcnow

log = structlog.get_logger("msbot.scheduler")


def start_scheduler(
    engine: Engine,
    settings: Settings,
    kick: Callable[[], None] | None = None,
    clock: Callable[[], datetime] = utcnow,
    *,
    jobs: Iterable[Job],
) -> BackgroundScheduler:
    """Schedule ``jobs`` (the composition root's list, bot.bootstrap), plus a catch-up of
    runs missed while the bot was down.

    ``kick`` wakes this process's outbox worker after a job queued messages.
    """
    grace = max(60, settings.job_grace_minutes * 60)
    scheduler = BackgroundScheduler(
        timezone=UK,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": grace},
    )

    def fire(job: Job) -> None:
        if runner.fire(engine, settings, job, clock()) == "done" and kick:
            kick()

    def catch_up() -> None:
        outcomes = runner.catch_up(engine, settings, clock(), jobs=jobs)
        log.info("jobs.catch_up_done", **outcomes)
        if kick and "done" in outcomes.values():
            kick()

    jobs = list(jobs)
    for job in jobs:
        scheduler.add_job(fire, trigger_for(job, settings), args=[job], id=job.name)
    # Off the start-up path: a worker answers requests while it catches up.
    scheduler.add_job(catch_up, id="catch_up")
    scheduler.start()
    return scheduler
