"""A database that is busy or away is an expected condition for the outbox worker: it says so
in one warning and tries again, with no traceback (which `msbot local` would print as a crash)."""

from __future__ import annotations

import sqlite3
import time

from structlog.testing import capture_logs

from bot.outbox import OutboxWorker
from tests.databases import migrated_engine


class _NeverCalled:
    def send(self, *args, **kwargs):  # pragma: no cover - nothing is queued
        raise AssertionError("nothing was queued, so nothing may be sent")


def _wait_for(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def test_a_locked_sqlite_database_is_a_warning_and_the_worker_carries_on(tmp_path):
    path = tmp_path / "busy.db"
    engine = migrated_engine(f"sqlite:///{path}")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process holding the write lock
    worker = OutboxWorker(engine, _NeverCalled(), interval=0.2)
    try:
        with capture_logs() as logs:
            worker.start()
            worker.kick()
            assert _wait_for(
                lambda: any(e["event"] == "outbox.store_unavailable" for e in logs), 15
            ), logs
            holder.execute("ROLLBACK")
            holder.close()
            worker.kick()
            assert worker._thread.is_alive()  # it carries on rather than dying with the error
        busy = [e for e in logs if e["event"] == "outbox.store_unavailable"]
        assert busy and all(e["log_level"] == "warning" for e in busy)
        assert not [e for e in logs if e["log_level"] in ("error", "critical")], logs
        assert not [e for e in logs if e.get("exc_info")], logs
    finally:
        worker.stop()
        engine.dispose()
