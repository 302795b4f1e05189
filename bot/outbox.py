"""Outbox: every message to post is stored first, in the transaction that caused it, then
sent by a worker; a failure to post is retried with back-off, never lost.

Rows are claimed with a conditional UPDATE (claimed_until in the past), which is atomic on both
SQLite and PostgreSQL, so several workers or replicas can drain the same table safely.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

import structlog
from sqlalchemy import or_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.db import transaction
from models import OutboxMessage
from models.base import utcnow

log = structlog.get_logger("msbot.outbox")

CLAIM_SECONDS = 120
MAX_BACKOFF_SECONDS = 3600


class PermanentDeliveryError(Exception):
    """Retrying cannot help (channel gone, bot not in channel, bad token)."""


class NotReady(Exception):
    """The message cannot be sent yet (e.g. the thread it belongs in is not posted yet): keep it
    and retry later with back-off."""


class Skip(Exception):
    """Nothing needs posting any more (e.g. a card refresh for a card not yet posted, which
    will be drawn from current data anyway): mark the row done without posting."""


@dataclass(frozen=True)
class Sent:
    channel_id: str
    ts: str


class Transport(Protocol):
    """How a front end turns an outbox row into a posted message."""

    def render(self, session: Session, msg: OutboxMessage) -> Any:
        """Build the message from current data (runs inside a short read transaction)."""

    def deliver(self, msg: OutboxMessage, rendered: Any) -> Sent:
        """Post it (runs outside any transaction, so a slow network holds no lock)."""


# kind -> fn(session, row) run in the transaction that records a row as sent, so the core can
# remember where a message went (a case's triage card, a relay DM's thread) atomically with it.
AfterSent = Callable[[Session, OutboxMessage], None]
_after_sent: dict[str, AfterSent] = {}


def on_sent(kind: str) -> Callable[[AfterSent], AfterSent]:
    """Register ``fn(session, row)`` to run when a row of ``kind`` is recorded as sent."""

    def register(fn: AfterSent) -> AfterSent:
        _after_sent[kind] = fn
        return fn

    return register


def enqueue(
    session: Session,
    kind: str,
    *,
    subject_id: int | None = None,
    user_id: str | None = None,
    channel_id: str | None = None,
    data: dict | None = None,
) -> OutboxMessage:
    if not (user_id or channel_id):
        raise ValueError("an outbox message needs a user or a channel")
    msg = OutboxMessage(
        kind=kind,
        subject_id=subject_id,
        recipient_user_id=user_id,
        recipient_channel_id=channel_id,
        data=data or {},
    )
    session.add(msg)
    return msg


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(MAX_BACKOFF_SECONDS, 5 * 2 ** max(0, attempts - 1)))


def _claim(engine: Engine, ids: Iterable[int] | None, limit: int, now: datetime) -> list[int]:
    """Mark due rows as taken for CLAIM_SECONDS and return their ids, in one statement.

    UPDATE ... WHERE <still free> RETURNING is atomic on SQLite and PostgreSQL, so two workers
    never claim the same row; a worker that dies leaves its claim to expire.
    """
    due = [
        OutboxMessage.status == "pending",
        OutboxMessage.next_attempt_at <= now,
        or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
    ]
    if ids is not None:
        due.append(OutboxMessage.id.in_(list(ids)))
    with transaction(engine) as s:
        batch = select(OutboxMessage.id).where(*due).order_by(OutboxMessage.id).limit(limit)
        stmt = (
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(batch.scalar_subquery()), *due)
            .values(claimed_until=now + timedelta(seconds=CLAIM_SECONDS))
            .returning(OutboxMessage.id)
        )
        return sorted(s.execute(stmt).scalars())


def drain(
    engine: Engine,
    transport: Transport,
    *,
    ids: Iterable[int] | None = None,
    limit: int = 100,
    now: datetime | None = None,
) -> int:
    """Send due messages (or just ``ids``); returns how many were sent.

    Three short transactions whatever the batch size (claim, render, record), and no
    transaction is open while talking to Slack.
    """
    now = now or utcnow()
    claimed = _claim(engine, ids, limit, now)
    if not claimed:
        return 0
    with transaction(engine) as s:
        messages = list(s.exec(select(OutboxMessage).where(OutboxMessage.id.in_(claimed))))
        rendered = {}
        for msg in messages:
            try:
                rendered[msg.id] = transport.render(s, msg)
            except (PermanentDeliveryError, NotReady, Skip) as exc:
                rendered[msg.id] = exc
    outcomes: dict[int, tuple[str, str | None, Sent | None]] = {}
    for msg in sorted(messages, key=lambda m: m.id):
        bound = log.bind(outbox_id=msg.id, kind=msg.kind, subject_id=msg.subject_id)
        try:
            content = rendered[msg.id]
            if isinstance(content, PermanentDeliveryError | NotReady | Skip):
                raise content
            result = transport.deliver(msg, content)
        except Skip:
            outcomes[msg.id] = ("sent", None, None)
            bound.info("outbox.skipped")
        except PermanentDeliveryError as exc:
            outcomes[msg.id] = ("dead", str(exc), None)
            bound.error("outbox.dead", error=str(exc))
        except Exception as exc:
            outcomes[msg.id] = ("pending", f"{type(exc).__name__}: {exc}", None)
            bound.warning("outbox.retry_later", error=str(exc)[:200], attempts=msg.attempts + 1)
        else:
            outcomes[msg.id] = ("sent", None, result)
            bound.info("outbox.sent", channel=result.channel_id, ts=result.ts)
    with transaction(engine) as s:
        for row in s.exec(select(OutboxMessage).where(OutboxMessage.id.in_(claimed))):
            status, error, result = outcomes[row.id]
            row.attempts += 1
            row.status, row.claimed_until = status, None
            if status == "sent":
                row.sent_at = utcnow()
                if result is not None:
                    row.sent_ts, row.sent_channel_id = result.ts, result.channel_id
                    if hook := _after_sent.get(row.kind):
                        hook(s, row)
            else:
                row.last_error = (error or "")[:500]
                row.next_attempt_at = utcnow() + backoff(row.attempts)
    return sum(1 for status, _, _ in outcomes.values() if status == "sent")


def revive_dead(engine: Engine) -> int:
    """Put messages that failed permanently back in the queue (after fixing the cause)."""
    with transaction(engine) as s:
        result = s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == "dead")
            .values(status="pending", next_attempt_at=utcnow(), claimed_until=None)
        )
        return result.rowcount


def counts(engine: Engine) -> dict[str, int]:
    with transaction(engine) as s:
        rows = s.exec(select(OutboxMessage.status)).all()
    out: dict[str, int] = {}
    for status in rows:
        out[status] = out.get(status, 0) + 1
    return out


class OutboxWorker:
    """One thread per process that sends the outbox: woken at once when a request queues a
    message (``kick``), and every ``interval`` seconds for retries that have come due.

    Waking one thread instead of sending from each request batches deliveries under load
    (three transactions per batch, not per message) and keeps slow Slack calls off the
    request threads.
    """

    def __init__(self, engine: Engine, transport: Transport, interval: float = 10.0):
        self.engine, self.transport, self.interval = engine, transport, interval
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

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            try:
                while drain(self.engine, self.transport) and not self._stop.is_set():
                    pass  # a full batch may leave more behind
            except Exception:
                log.exception("outbox.worker_failed")
