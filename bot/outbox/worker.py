"""The outbox worker: one thread per process that drains the outbox when woken."""

from __future__ import annotations

import threading
from datetime import datetime

import structlog
from sqlalchemy import Integer, case, func
from sqlalchemy.engine import Engine
from sqlmodel import select

from bot.db import transaction
from bot.errors import StoreUnavailable
from bot.outbox.delivery import Transport
from bot.outbox.kinds import claimable_of, threaded_kinds_of
from bot.outbox.pacing import among, aware, head_ids
from bot.outbox.sending import drain
from models import OutboxMessage
from models.base import utcnow

log = structlog.get_logger("msbot.outbox")

# Messages posted concurrently by one drain (each to a different destination).
SENDERS = 4


def next_due(
    engine: Engine, threaded_kinds: frozenset[str] = frozenset(), transport=None
) -> datetime | None:
    """When the earliest head row comes due (for the worker's sleep): a claimed one when its
    claim lapses, so a dead sender's row is taken up as soon as it may be. With a
    ``transport``, only among the rows it sends (bot.outbox.kinds.claimable_of)."""
    lapses = OutboxMessage.claimed_until
    due = case(
        (lapses > OutboxMessage.next_attempt_at, lapses), else_=OutboxMessage.next_attempt_at
    )
    with transaction(engine) as s:
        heads = head_ids(s, threaded_kinds)
        soonest = select(func.min(due)).where(among(s, OutboxMessage.id, heads, Integer))
        if transport is not None and (mine := claimable_of(transport, s)) is not None:
            soonest = soonest.where(mine)
        return s.execute(soonest).scalar()


class OutboxWorker:
    """One thread per process that sends the outbox: woken at once when a request queues a
    message (``kick``), when the next retry comes due, and at least every ``interval``
    seconds (for rows another process queued).
    """

    def __init__(
        self,
        engine: Engine,
        transport: Transport,
        interval: float = 10.0,
        *,
        senders: int = SENDERS,
        **drain_options,
    ):
        self.engine, self.transport, self.interval = engine, transport, interval
        self.senders, self.drain_options = senders, drain_options
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="outbox-worker", daemon=True)

    def start(self) -> OutboxWorker:
        self._thread.start()
        return self

    def kick(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)

    def _sleep_for(self) -> float:
        try:
            due = next_due(self.engine, threaded_kinds_of(self.transport), self.transport)
        except StoreUnavailable as exc:
            log.warning("outbox.store_unavailable", step="next_due", error=str(exc))
            return self.interval
        except Exception:
            log.exception("outbox.next_due_failed")
            return self.interval
        if due is None:
            return self.interval
        return min(self.interval, max(0.05, (aware(due) - utcnow()).total_seconds()))

    def _run(self) -> None:
        wait = 0.0
        while not self._stop.is_set():
            self._wake.wait(wait)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                drain(
                    self.engine,
                    self.transport,
                    senders=self.senders,
                    stop=self._stop,
                    **self.drain_options,
                )
            except StoreUnavailable as exc:
                # A database outage, or SQLite busy past its timeout under load: expected, and
                # the next pass retries; a traceback here would read as a bug.
                log.warning("outbox.store_unavailable", step="drain", error=str(exc))
            except Exception:
                log.exception("outbox.worker_failed")
            wait = self._sleep_for()
