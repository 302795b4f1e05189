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
from bot.shadowing.placements import expire_offers
from models import ProcessedDelivery
from models.base import utcnow

log = structlog.get_logger("msbot.scheduler")

DELIVERY_KEYS_KEPT = timedelta(days=2)  # Slack retries for minutes, not days
# Offers last days, so lapsing them within a few minutes of their time is prompt enough.
SHADOW_EXPIRY_MINUTES = 5


def prune_deliveries(engine: Engine) -> int:
    with transaction(engine) as s:
        cutoff = utcnow() - DELIVERY_KEYS_KEPT
        return s.execute(
            delete(ProcessedDelivery).where(ProcessedDelivery.created_at < cutoff)
        ).rowcount


def expire_shadow_offers(engine: Engine) -> int:
    """Lapse work-shadowing offers whose time is up (safe in every replica at once)."""
    return expire_offers(engine, now=utcnow())


def start_scheduler(engine: Engine):
    """Housekeeping jobs. (Outbox retries are the OutboxWorker's, which sleeps between runs.)"""
    scheduler = BackgroundScheduler(
        timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1}
    )
    scheduler.add_job(prune_deliveries, "interval", hours=1, args=[engine], id="prune")
    scheduler.add_job(
        expire_shadow_offers,
        "interval",
        minutes=SHADOW_EXPIRY_MINUTES,
        args=[engine],
        id="shadow_offer_expiry",
    )
    scheduler.start()
    return scheduler
