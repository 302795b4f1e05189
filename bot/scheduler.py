"""Background jobs (APScheduler): outbox retries and housekeeping.

Jobs are safe to run in every worker and replica at once: each is idempotent.
"""

from __future__ import annotations

from datetime import timedelta

import structlog
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import delete
from sqlalchemy.engine import Engine

from bot.db import transaction
from models import ProcessedDelivery
from models.base import utcnow

log = structlog.get_logger("msbot.scheduler")

DELIVERY_KEYS_KEPT = timedelta(days=2)  # Slack retries for minutes, not days


def prune_deliveries(engine: Engine) -> int:
    with transaction(engine) as s:
        cutoff = utcnow() - DELIVERY_KEYS_KEPT
        return s.execute(
            delete(ProcessedDelivery).where(ProcessedDelivery.created_at < cutoff)
        ).rowcount


def start_scheduler(engine: Engine):
    """Housekeeping jobs. (Outbox retries are the OutboxWorker's, which sleeps between runs.)"""
    scheduler = BackgroundScheduler(
        timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1}
    )
    scheduler.add_job(prune_deliveries, "interval", hours=1, args=[engine], id="prune")
    scheduler.start()
    return scheduler
