"""Background jobs (APScheduler): outbox retries and housekeeping.

Jobs are safe to run in every worker and replica at once: each is idempotent.
"""

from __future__ import annotations

import structlog
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.engine import Engine

from bot import deliveries
from bot.shadowing.placements import expire_offers
from bot.shadowing.rounds import DRY_RUN_KEEP_DAYS, prune_dry_runs
from models.base import utcnow

log = structlog.get_logger("msbot.scheduler")

# Offers last days, so lapsing them within a few minutes of their time is prompt enough.
SHADOW_EXPIRY_MINUTES = 5


def expire_shadow_offers(engine: Engine) -> int:
    """Lapse work-shadowing offers whose time is up (safe in every replica at once)."""
    return expire_offers(engine, now=utcnow())


def prune(engine: Engine, dry_run_keep_days: int = DRY_RUN_KEEP_DAYS) -> None:
    """The hourly housekeeping: old delivery keys, old matching dry runs."""
    deliveries.prune(engine)
    prune_dry_runs(engine, now=utcnow(), keep_days=dry_run_keep_days)


def start_scheduler(engine: Engine, *, dry_run_keep_days: int = DRY_RUN_KEEP_DAYS):
    """Housekeeping jobs. (Outbox retries are the OutboxWorker's, which sleeps between runs.)"""
    scheduler = BackgroundScheduler(
        timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1}
    )
    scheduler.add_job(prune, "interval", hours=1, args=[engine, dry_run_keep_days], id="prune")
    scheduler.add_job(
        expire_shadow_offers,
        "interval",
        minutes=SHADOW_EXPIRY_MINUTES,
        args=[engine],
        id="shadow_offer_expiry",
    )
    scheduler.start()
    return scheduler
