"""Delivery keys (a repeat does nothing twice) and pooled connections that died while idle."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import psycopg
import pytest
from sqlalchemy import text

from bot import deliveries
from bot.db import make_engine, transaction
from bot.errors import StoreUnavailable
from models import ProcessedDelivery
from models.base import utcnow
from tests import databases
from tests.conftest import rows


def test_first_delivery_wins_and_repeats_lose(engine, session):
    assert deliveries.claim(engine, "event:E1") is True
    assert deliveries.claim(engine, "event:E1") is False
    assert deliveries.claim(engine, "event:E2") is True
    assert sorted(r.key for r in rows(session, ProcessedDelivery)) == ["event:E1", "event:E2"]


def test_concurrent_deliveries_of_one_request_have_one_winner(engine):
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: deliveries.claim(engine, "command:T1"), range(16)))
    assert results.count(True) == 1


def test_old_keys_are_pruned_and_recent_ones_kept(engine, session):
    with transaction(engine) as s:
        s.add(ProcessedDelivery(key="old", created_at=utcnow() - timedelta(days=3)))
        s.add(ProcessedDelivery(key="recent", created_at=utcnow() - timedelta(hours=1)))
    assert deliveries.prune(engine) == 1
    assert [r.key for r in rows(session, ProcessedDelivery)] == ["recent"]


def test_claim_during_an_outage_is_reported_as_unavailable(tmp_path):
    broken = make_engine(f"sqlite:///{tmp_path}/missing-dir/msbot.db")
    with pytest.raises(StoreUnavailable):
        deliveries.claim(broken, "event:E1")


def _kill_pooled_connection(engine) -> None:
    """Use one pooled connection, return it, then have the server close it behind our back."""
    with engine.connect() as conn:
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
    with psycopg.connect(databases.PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute("SELECT pg_terminate_backend(%s)", (pid,))


def _count(engine) -> int:
    with transaction(engine) as s:
        return s.execute(text("SELECT count(*) FROM processed_delivery")).scalar_one()


# SQLite has no server to drop a connection: these two run on PostgreSQL only.
def test_idle_connection_killed_by_the_server_is_replaced_unnoticed(pg_url):
    engine = make_engine(pg_url, ping_after_idle=0, pool_size=1, max_overflow=0)
    try:
        _kill_pooled_connection(engine)
        assert _count(engine) >= 0  # the ping found the dead connection and reconnected
    finally:
        engine.dispose()


def test_busy_connection_killed_by_the_server_fails_once_then_recovers(pg_url):
    engine = make_engine(pg_url, ping_after_idle=3600, pool_size=1, max_overflow=0)
    try:
        _kill_pooled_connection(engine)
        # Not pinged (it was used moments ago): this one transaction fails, cleanly...
        with pytest.raises(StoreUnavailable):
            _count(engine)
        # ...and the pool has been discarded, so the next one reconnects.
        assert _count(engine) >= 0
    finally:
        engine.dispose()
