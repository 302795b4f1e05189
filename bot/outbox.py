"""Outbox: every message to post is stored first, in the transaction that caused it, then
sent by a worker; a failure to post is retried with back-off, never lost.

Rows are claimed with a conditional UPDATE (claimed_until in the past), which is atomic on both
SQLite and PostgreSQL, so several workers or replicas can drain the same table safely.
"""

from __future__ import annotations

from collections.abc import Iterable
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
    with transaction(engine) as s:
        query = select(OutboxMessage.id).where(
            OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now
        )
        if ids is not None:
            query = query.where(OutboxMessage.id.in_(list(ids)))
        candidates = list(s.exec(query.order_by(OutboxMessage.id).limit(limit)))
    claimed = []
    for msg_id in candidates:
        with transaction(engine) as s:
            result = s.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id == msg_id,
                    OutboxMessage.status == "pending",
                    or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
                )
                .values(claimed_until=now + timedelta(seconds=CLAIM_SECONDS))
            )
            if result.rowcount == 1:
                claimed.append(msg_id)
    return claimed


def drain(
    engine: Engine,
    transport: Transport,
    *,
    ids: Iterable[int] | None = None,
    limit: int = 100,
    now: datetime | None = None,
) -> int:
    """Send due messages (or just ``ids``); returns how many were sent."""
    now = now or utcnow()
    sent = 0
    for msg_id in _claim(engine, ids, limit, now):
        with transaction(engine) as s:
            msg = s.get(OutboxMessage, msg_id)
            rendered = transport.render(s, msg)
        bound = log.bind(outbox_id=msg.id, kind=msg.kind, subject_id=msg.subject_id)
        status, error, result = "sent", None, None
        try:
            result = transport.deliver(msg, rendered)
        except PermanentDeliveryError as exc:
            status, error = "dead", str(exc)
            bound.error("outbox.dead", error=error)
        except Exception as exc:
            status, error = "pending", f"{type(exc).__name__}: {exc}"
            bound.warning("outbox.retry_later", error=error, attempts=msg.attempts + 1)
        with transaction(engine) as s:
            row = s.get(OutboxMessage, msg_id)
            row.attempts += 1
            row.status, row.claimed_until = status, None
            if result is not None:
                row.sent_at, row.sent_channel_id, row.sent_ts = (
                    utcnow(),
                    result.channel_id,
                    result.ts,
                )
                sent += 1
                bound.info("outbox.sent", channel=result.channel_id, ts=result.ts)
            else:
                row.last_error = (error or "")[:500]
                row.next_attempt_at = utcnow() + backoff(row.attempts)
    return sent


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
