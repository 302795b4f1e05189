"""Claiming rows to send: each claim covers one head row, carries a token of its own (its
``claimed_until`` value), and is kept alive by a heartbeat while its post is under way."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import structlog
from sqlalchemy import Integer, func, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.db import transaction
from bot.errors import StoreUnavailable
from bot.outbox.delivery import Transport
from bot.outbox.kinds import claimable_of, threaded_kinds_of
from bot.outbox.pacing import (
    HEADS_PER_CLAIM,
    among,
    aware,
    destination,
    free,
    head_ids,
    recently_sent,
)
from bot.outbox_doubt import claimer
from models import OutboxMessage
from models.base import utcnow

log = structlog.get_logger("msbot.outbox")

# A claim lapses this long after its last heartbeat (renewed every quarter of it): a worker
# on another host that died holds its destination back for at most this long.
CLAIM_SECONDS = 10


@dataclass
class Claims:
    """One drain's claims: what it holds, and how it takes and keeps them (see sending.Drain,
    which sends and records what is claimed here)."""

    engine: Engine
    transport: Transport
    ids: list[int] | None
    now: datetime | None
    pace: float
    claim_seconds: float
    retry_base: float
    limit: int | None
    # id -> the claimed_until value this drain last wrote (its claim token)
    in_flight: dict[int, datetime] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    done: threading.Event = field(default_factory=threading.Event)
    claims_left: int | None = None
    # True while one of this drain's senders waits for the next row to come due.
    waiting: bool = False
    # Set by the worker to stop: each sender finishes the message in hand and returns.
    stop: threading.Event | None = None
    # Claimers of this host seen dead when the drain started: their claims are free.
    dead_claimers: list[str] = field(default_factory=list)
    # id -> True when the row was claimed in doubt (its last sender's outcome is unknown)
    in_doubt: dict[int, bool] = field(default_factory=dict)
    # ids whose outcome is being stored: a heartbeat that finds the claim gone meanwhile has
    # not lost it (the result cleared it)
    recording: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        # Kinds kept in order within their subject's thread (bot.outbox.kinds).
        self.threaded = threaded_kinds_of(self.transport)

    def stopping(self) -> bool:
        return self.done.is_set() or (self.stop is not None and self.stop.is_set())

    def clock(self) -> datetime:
        return self.now or utcnow()

    def claim(self, *, or_wait: bool = True) -> tuple[int | None, float | None]:
        """Claim the next sendable head row for this sender: (its id, None). When none is
        sendable now: (None, seconds until a free head row held back only by pacing or a
        short Retry-After comes due), or (None, None) if none will within about a pace (or
        ``or_wait`` is false).

        The wait is computed, not polled: a drain waiting on a paced channel wakes once per
        post, so a long queue for one channel costs a few statements per message rather than
        a poll every few milliseconds per sender.
        """
        with self.lock:
            if self.claims_left is not None:
                if self.claims_left <= 0:
                    return None, None
                self.claims_left -= 1
        now = self.clock()
        token = now + timedelta(
            seconds=self.claim_seconds, microseconds=random.randrange(1_000_000)
        )
        claimed = wait = found = None
        doubt = False
        with transaction(self.engine) as s:
            last_sent = recently_sent(s, now - timedelta(seconds=self.pace))
            # The oldest heads of destinations not held back by pacing: usually the first of
            # them is claimable, and a burst queues hundreds of heads (one per DM) that would
            # otherwise be read and sent back on every claim. All of them only if none is.
            for limit in (HEADS_PER_CLAIM, None):
                heads = head_ids(s, self.threaded, skip=list(last_sent), limit=limit)
                found = self._claimamong(s, heads, now, token) if heads else None
                if found is not None or len(heads) != limit:
                    break
            if found is not None:
                claimed, doubt = found
            if claimed is None and or_wait:
                wait = self._wait(s, head_ids(s, self.threaded), last_sent, now)
        if claimed is None:
            with self.lock:
                if self.claims_left is not None:
                    self.claims_left += 1
            return None, wait
        with self.lock:
            self.in_flight[claimed] = token
            self.in_doubt[claimed] = doubt
        return claimed, None

    def _claimamong(
        self, s: Session, heads: list[int], now: datetime, token
    ) -> tuple[int, bool] | None:
        """Claim the oldest due, free row among ``heads``: (its id, whether it is in doubt),
        or None. In doubt means its last claimer left no outcome (a crash, a post with no
        answer): it is looked up on Slack before it is posted again."""
        due = [
            among(s, OutboxMessage.id, heads, Integer),
            OutboxMessage.status == "pending",
            OutboxMessage.next_attempt_at <= now,
            free(now, self.dead_claimers),
        ]
        if self.ids is not None:
            due.append(among(s, OutboxMessage.id, self.ids, Integer))
        if (mine := claimable_of(self.transport, s)) is not None:
            due.append(mine)
        first = (
            select(OutboxMessage.id, OutboxMessage.claimed_by)
            .where(*due)
            .order_by(OutboxMessage.id)
            .limit(1)
        )
        candidate = s.execute(first).first()
        if candidate is None:
            return None
        # Unchanged claimer since it was read: whether the row is in doubt is exact.
        claimed = s.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == candidate.id,
                OutboxMessage.claimed_by.is_not_distinct_from(candidate.claimed_by),
                *due,
            )
            .values(
                claimed_until=token,
                claimed_by=claimer(),
                first_claimed_at=func.coalesce(OutboxMessage.first_claimed_at, now),
            )
            .returning(OutboxMessage.id)
        ).scalar()
        return None if claimed is None else (claimed, candidate.claimed_by is not None)

    def _wait(self, s: Session, heads: list[int], last_sent: dict, now: datetime) -> float | None:
        if self.now is not None:  # a fixed clock never brings anything due
            return None
        query = select(OutboxMessage.next_attempt_at, destination(OutboxMessage)).where(
            among(s, OutboxMessage.id, heads, Integer),
            OutboxMessage.next_attempt_at <= now + timedelta(seconds=self.pace + 1),
            free(now, self.dead_claimers),
        )
        if self.ids is not None:
            query = query.where(among(s, OutboxMessage.id, self.ids, Integer))
        if (mine := claimable_of(self.transport, s)) is not None:
            query = query.where(mine)
        waiting = s.execute(query).all()
        if not waiting:
            return None
        pace = timedelta(seconds=self.pace)
        soonest = min(
            max(aware(at), aware(last_sent[dest]) + pace) if dest in last_sent else aware(at)
            for at, dest in waiting
        )
        # From the clock now, not ``now``: that was read before waiting for the transaction.
        return max(0.0, (soonest - self.clock()).total_seconds())

    def heartbeat(self) -> None:
        """Keep this drain's claims alive while their posts are under way."""
        with self.lock:
            held = dict(self.in_flight)
        for msg_id, token in held.items():
            renewed = utcnow() + timedelta(
                seconds=self.claim_seconds, microseconds=random.randrange(1_000_000)
            )
            try:
                with transaction(self.engine) as s:
                    kept = s.execute(
                        update(OutboxMessage)
                        .where(OutboxMessage.id == msg_id, OutboxMessage.claimed_until == token)
                        .values(claimed_until=renewed)
                    ).rowcount
            except StoreUnavailable:
                log.warning("outbox.heartbeat_failed", outbox_id=msg_id)
                continue
            with self.lock:
                if kept and msg_id in self.in_flight:
                    self.in_flight[msg_id] = renewed
                elif not kept and msg_id in self.in_flight and msg_id not in self.recording:
                    log.warning("outbox.claim_lost", outbox_id=msg_id)
