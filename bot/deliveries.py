"""Remembering which Slack deliveries were handled, so a repeated one does nothing twice."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.engine import Engine

from bot.db import dialect_insert, outage_as_unavailable, transaction
from models import ProcessedDelivery
from models.base import utcnow

# Slack retries an event for minutes, not days.
KEYS_KEPT = timedelta(days=2)


def claim(engine: Engine, key: str) -> bool:
    """True for the first delivery carrying ``key``, False for every repeat.

    One INSERT ... ON CONFLICT DO NOTHING RETURNING in autocommit mode: a single round trip on
    the path to Slack's 3-second ack, and atomic, so two concurrent deliveries of one request
    can't both win. Raises StoreUnavailable when the database can't be reached.
    """
    table = ProcessedDelivery.__table__
    stmt = (
        dialect_insert(engine, table)
        .values(key=key, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=[table.c.key])
        .returning(table.c.key)
    )
    autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
    with outage_as_unavailable(), autocommit.connect() as conn:
        return conn.execute(stmt).first() is not None


def prune(engine: Engine) -> int:
    """Forget keys older than any retry Slack would still send."""
    with transaction(engine) as s:
        cutoff = utcnow() - KEYS_KEPT
        return s.execute(
            delete(ProcessedDelivery).where(ProcessedDelivery.created_at < cutoff)
        ).rowcount
