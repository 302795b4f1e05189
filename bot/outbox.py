"""Outbox: every message to post is stored first, in the transaction that caused it, then
sent by a worker; a failure to post is retried, never lost.

Sending rules (see README "Outbox"):

- One message at a time per destination (a channel, or a user's DM), in id order: a worker may
  only claim the oldest pending row of a destination (its *head*). So messages arrive in the
  order they were queued, and a head waiting out a ``Retry-After`` holds its destination back.
- At most one post per ``pace`` seconds per destination (Slack allows about one
  chat.postMessage per second per channel): a head is not claimable until ``pace`` seconds
  after the destination's last send.
- Each claim covers one message; its sender keeps it alive (a heartbeat) while posting and
  records the result in its own short transaction as soon as the post returns. A crash can
  therefore leave at most the one message each sender has in flight unrecorded.
- Such a row is *in doubt* (it may have gone out): its claim names its sender, and the next
  sender to claim it asks the transport whether it is already on Slack before posting it again
  (bot.outbox_doubt). A claim lapses 10 s after its last heartbeat, or at once for a sender on
  the same host that sees the claimer's process is gone.

Claims are conditional UPDATEs (atomic on SQLite and PostgreSQL), so any number of workers and
replicas can drain one table. A claim's ``claimed_until`` value doubles as its token: each
claim writes a value of its own (random microseconds), and the heartbeat extends only rows
still carrying it.
"""

from __future__ import annotations

import functools
import random
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import structlog
from sqlalchemy import Integer, String, any_, bindparam, case, func, insert, or_, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.db import transaction
from bot.errors import StoreUnavailable
from bot.logs import unit_of_work
from bot.outbox_doubt import LookUpLater, claimer, dead_local_claimers, look_up
from models import Complaint, OutboxMessage
from models.base import utcnow

log = structlog.get_logger("msbot.outbox")

# A claim lapses this long after its last heartbeat (renewed every quarter of it): a worker
# on another host that died holds its destination back for at most this long.
CLAIM_SECONDS = 10
# A result that cannot be stored (database briefly down) is retried this long.
RECORD_RETRY_SECONDS = 30
# Slack's documented limit for chat.postMessage: about one message per second per channel.
PACE_SECONDS = 1.0
# Messages posted concurrently by one drain (each to a different destination).
SENDERS = 4
# A claim first looks among this many of the oldest heads (see _Drain.claim).
HEADS_PER_CLAIM = 32
RETRY_BASE_SECONDS = 5.0
MAX_BACKOFF_SECONDS = 3600


class PermanentDeliveryError(Exception):
    """Retrying cannot help (channel gone, bot not in channel, bad token)."""


class RateLimited(Exception):
    """Slack still said 429 after the client's own retries: wait ``retry_after`` seconds."""

    def __init__(self, retry_after: float, detail: str = "ratelimited"):
        super().__init__(f"{detail} (Retry-After {retry_after:g}s)")
        self.retry_after = retry_after


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

    # Optional: ``find_posted(msg, rendered, since) -> Sent | None`` says whether a row in
    # doubt is already out (posted since ``since``), or raises LookupFailed. A transport
    # without it gets rows in doubt posted again. Optional: ``after_sent``, see AfterSent.


# kind -> fn(session, row) run in the transaction that records a row as sent, so the core can
# remember where a message went (a case's triage card, a relay DM's thread) atomically with it.
# The composition root (bot.bootstrap.after_sent_hooks) gives a transport these as its
# ``after_sent`` mapping; a transport without one records rows as sent and nothing more.
AfterSent = Callable[[Session, OutboxMessage], None]


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


@dataclass(frozen=True)
class NewMessage:
    """A message to queue with :func:`enqueue_new` (the arguments of :func:`enqueue`)."""

    kind: str
    subject_id: int | None = None
    user_id: str | None = None
    channel_id: str | None = None
    data: dict | None = None


def enqueue_new(session: Session, messages: list[NewMessage]) -> tuple[int, ...]:
    """Queue several messages in one INSERT (Core, one round trip); returns their ids in
    order. For hot paths that need no ORM objects back."""
    rows = []
    for m in messages:
        if not (m.user_id or m.channel_id):
            raise ValueError("an outbox message needs a user or a channel")
        rows.append(
            {
                "kind": m.kind,
                "subject_id": m.subject_id,
                "recipient_user_id": m.user_id,
                "recipient_channel_id": m.channel_id,
                "data": m.data or {},
            }
        )
    return tuple(session.execute(_INSERT_MESSAGES, rows).scalars())


_INSERT_MESSAGES = insert(OutboxMessage.__table__).returning(
    OutboxMessage.__table__.c.id, sort_by_parameter_order=True
)


def _aware(at: datetime) -> datetime:
    """SQLite hands datetimes back without their zone (all are stored as UTC)."""
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def backoff(attempts: int, base: float = RETRY_BASE_SECONDS) -> timedelta:
    return timedelta(seconds=min(MAX_BACKOFF_SECONDS, base * 2 ** max(0, attempts - 1)))


def _destination(model):
    """Where a row goes: its channel, or its user's DM (user and channel ids never collide)."""
    return func.coalesce(model.recipient_channel_id, model.recipient_user_id)


# Kinds posted into a thread of their subject (a case's card thread): they are kept in order
# within that thread only, so one waiting for its thread to exist (NotReady) never holds back
# the rest of the channel, such as the very card that would start the thread. The composition
# root (bot.bootstrap.threaded_kinds) gives a transport these as its ``threaded_kinds``; without
# them every row keeps strict order within its destination, which is slower, never wrong.
def threaded_kinds_of(transport: Any) -> frozenset[str]:
    return frozenset(getattr(transport, "threaded_kinds", None) or ())


def _order_key(threaded_kinds: frozenset[str]):
    """Rows sharing this key are sent strictly in id order: a destination, or a destination's
    thread for threaded kinds."""
    if not threaded_kinds:
        return (_destination(OutboxMessage),)
    thread = case(
        (OutboxMessage.kind.in_(sorted(threaded_kinds)), OutboxMessage.subject_id), else_=None
    )
    return (_destination(OutboxMessage), thread)


def _head_ids(
    session: Session,
    threaded_kinds: frozenset[str],
    *,
    skip: list[str] | None = None,
    limit: int | None = None,
) -> list[int]:
    """The oldest pending row of each destination (or thread): the only ones that may be sent
    next. Leaving out destinations in ``skip``; the ``limit`` oldest, if given.

    Read as a list first, then used as one: combined into a single statement, planners were
    seen to re-run the grouping once per row on a freshly filled table (30 s for 10,000 rows).
    """
    heads = _heads_statement(threaded_kinds)
    if skip:
        heads = heads.where(~_among(session, _destination(OutboxMessage), skip, String))
    if limit is not None:
        heads = heads.order_by(func.min(OutboxMessage.id)).limit(limit)
    return list(session.execute(heads).scalars())


@functools.cache
def _heads_statement(threaded_kinds: frozenset[str]):
    # Built once per set of threaded kinds (all are declared at import): building a statement
    # costs more CPU than the database takes to run this one.
    return (
        select(func.min(OutboxMessage.id))
        .where(OutboxMessage.status == "pending")
        .group_by(*_order_key(threaded_kinds))
    )


def _among(session: Session, column, values: list, type_) -> Any:
    """``column IN values``. On PostgreSQL one array parameter (``= ANY(:values)``): an IN
    list is rendered afresh, one bind per value, on every execution, which with hundreds of
    head rows cost more CPU than the rest of sending a message."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(type_)))
    return column.in_(values)


def _recently_sent(session: Session, since: datetime) -> dict[str, datetime]:
    """Destinations posted to after ``since`` (not to be posted to again yet), with when."""
    return dict(session.execute(_RECENTLY_SENT, {"since": since}).all())


_RECENTLY_SENT = (
    select(_destination(OutboxMessage), func.max(OutboxMessage.sent_at))
    .where(OutboxMessage.status == "sent", OutboxMessage.sent_at > bindparam("since"))
    .group_by(_destination(OutboxMessage))
)


def _free(now: datetime, dead_claimers: Iterable[str] = ()):
    """Not under a live claim: never claimed, lapsed, or held by a dead process of this host."""
    free = [OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now]
    if dead_claimers:
        free.append(OutboxMessage.claimed_by.in_(list(dead_claimers)))
    return or_(*free)


@dataclass(frozen=True)
class _Outcome:
    """One attempt's result, as record() stores it."""

    status: str
    error: str | None
    result: Sent | None
    retry_after: float | None
    posted_at: datetime
    # The attempt may have posted (or its look-up failed): keep the row in doubt.
    in_doubt: bool = False
    lookup_failed: bool = False


@dataclass
class _Drain:
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
    # Kinds kept in order within their subject's thread only (see threaded_kinds_of).
    threaded_kinds: frozenset[str] = frozenset()
    # id -> True when the row was claimed in doubt (its last sender's outcome is unknown)
    in_doubt: dict[int, bool] = field(default_factory=dict)
    # ids whose outcome is being stored: a heartbeat that finds the claim gone meanwhile has
    # not lost it (the result cleared it)
    recording: set[int] = field(default_factory=set)

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
            last_sent = _recently_sent(s, now - timedelta(seconds=self.pace))
            # The oldest heads of destinations not held back by pacing: usually the first of
            # them is claimable, and a burst queues hundreds of heads (one per DM) that would
            # otherwise be read and sent back on every claim. All of them only if none is.
            for limit in (HEADS_PER_CLAIM, None):
                heads = _head_ids(s, self.threaded_kinds, skip=list(last_sent), limit=limit)
                found = self._claim_among(s, heads, now, token) if heads else None
                if found is not None or len(heads) != limit:
                    break
            if found is not None:
                claimed, doubt = found
            if claimed is None and or_wait:
                wait = self._wait(s, _head_ids(s, self.threaded_kinds), last_sent, now)
        if claimed is None:
            with self.lock:
                if self.claims_left is not None:
                    self.claims_left += 1
            return None, wait
        with self.lock:
            self.in_flight[claimed] = token
            self.in_doubt[claimed] = doubt
        return claimed, None

    def _claim_among(
        self, s: Session, heads: list[int], now: datetime, token
    ) -> tuple[int, bool] | None:
        """Claim the oldest due, free row among ``heads``: (its id, whether it is in doubt),
        or None. In doubt means its last claimer left no outcome (a crash, a post with no
        answer): it is looked up on Slack before it is posted again."""
        due = [
            _among(s, OutboxMessage.id, heads, Integer),
            OutboxMessage.status == "pending",
            OutboxMessage.next_attempt_at <= now,
            _free(now, self.dead_claimers),
        ]
        if self.ids is not None:
            due.append(_among(s, OutboxMessage.id, self.ids, Integer))
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
        query = select(OutboxMessage.next_attempt_at, _destination(OutboxMessage)).where(
            _among(s, OutboxMessage.id, heads, Integer),
            OutboxMessage.next_attempt_at <= now + timedelta(seconds=self.pace + 1),
            _free(now, self.dead_claimers),
        )
        if self.ids is not None:
            query = query.where(_among(s, OutboxMessage.id, self.ids, Integer))
        waiting = s.execute(query).all()
        if not waiting:
            return None
        pace = timedelta(seconds=self.pace)
        soonest = min(
            max(_aware(at), _aware(last_sent[dest]) + pace) if dest in last_sent else _aware(at)
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

    def send_one(self, msg_id: int) -> bool:
        """Render, post and record one claimed row; True if it was posted (or skipped, or
        found already posted)."""
        # Each delivery is a unit of work of its own for the logs (one to an anonymous case's
        # supplier names nobody; see bot/logs.py), however many a sender thread makes.
        with unit_of_work(outbox_id=msg_id):
            return self._send_one(msg_id)

    def _send_one(self, msg_id: int) -> bool:
        bound = log.bind(outbox_id=msg_id)
        # Whether the row may already be on Slack, as far as this attempt knows.
        doubt = bool(self.in_doubt.get(msg_id))
        try:
            with transaction(self.engine) as s:
                msg = s.get(OutboxMessage, msg_id)
                bound = bound.bind(kind=msg.kind, subject_id=msg.subject_id)
                try:
                    content: Any = self.transport.render(s, msg)
                except (PermanentDeliveryError, NotReady, Skip) as exc:
                    content = exc
            if isinstance(content, Exception):
                raise content
            if doubt:
                found = look_up(self.transport, msg, content, self.clock(), bound)
                if found is not None:
                    self.record(msg_id, "sent", result=found)
                    return True
            doubt = True  # from here on, the post may go out whatever happens next
            result = self.transport.deliver(msg, content)
        except LookUpLater as exc:
            self.record(
                msg_id,
                "pending",
                error=f"look-up failed: {exc}",
                retry_after=exc.retry_after,
                in_doubt=True,
                lookup_failed=True,
            )
            return False
        except Skip:
            bound.info("outbox.skipped")
            self.record(msg_id, "sent")
            return True
        except PermanentDeliveryError as exc:
            bound.error("outbox.dead", error=str(exc))
            self.record(msg_id, "dead", error=str(exc))
            return False
        except RateLimited as exc:
            bound.warning("outbox.rate_limited", retry_after=exc.retry_after)
            self.record(msg_id, "pending", error=str(exc), retry_after=exc.retry_after)
            return False
        except NotReady as exc:
            # Expected, not a fault: a thread line queued before its card was posted waits
            # for it. (A warning here printed a line per waiting post on every start.)
            bound.info("outbox.not_ready", reason=str(exc))
            # A row in doubt stays in doubt: nothing was posted this time.
            self.record(msg_id, "pending", error=f"NotReady: {exc}", in_doubt=doubt)
            return False
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            bound.warning("outbox.retry_later", error=error[:200])
            # A post that failed without a clear answer (a time-out, a 5xx, a dropped
            # connection) may still have gone out: the row stays in doubt.
            self.record(msg_id, "pending", error=error, in_doubt=doubt)
            return False
        # Privacy: a DM's channel is never logged next to what the message is about.
        where = {"dm": True} if msg.recipient_user_id else {"channel": result.channel_id}
        bound.info("outbox.sent", ts=result.ts, **where)
        self.record(msg_id, "sent", result=result)
        return True

    def record(
        self,
        msg_id: int,
        status: str,
        *,
        error: str | None = None,
        result: Sent | None = None,
        retry_after: float | None = None,
        in_doubt: bool = False,
        lookup_failed: bool = False,
    ) -> None:
        """Store one outcome at once, in its own transaction. A database that is briefly
        unavailable is retried for a while: giving up leaves the row in doubt, to be looked
        up by the next sender."""
        posted_at = utcnow()
        give_up = time.monotonic() + RECORD_RETRY_SECONDS
        outcome = _Outcome(status, error, result, retry_after, posted_at, in_doubt, lookup_failed)
        with self.lock:
            self.recording.add(msg_id)
        while True:
            try:
                self._store(msg_id, outcome)
                break
            except StoreUnavailable:
                if time.monotonic() > give_up:
                    log.error("outbox.record_failed", outbox_id=msg_id, status=status)
                    break
                time.sleep(0.5)
        with self.lock:
            self.in_flight.pop(msg_id, None)
            self.in_doubt.pop(msg_id, None)
            self.recording.discard(msg_id)

    def _store(self, msg_id: int, out: _Outcome) -> None:
        with transaction(self.engine) as s:
            if out.status == "sent":
                # The usual outcome in one round trip: UPDATE ... RETURNING the row, for the
                # kind's after-sent hook (where the card or relay went). Only a pending row:
                # another sender may have found it posted and recorded it already.
                sent = {"sent_at": out.posted_at}
                if out.result is not None:
                    sent.update(sent_ts=out.result.ts, sent_channel_id=out.result.channel_id)
                row = s.scalars(
                    update(OutboxMessage)
                    .where(OutboxMessage.id == msg_id, OutboxMessage.status == "pending")
                    .values(
                        attempts=OutboxMessage.attempts + 1,
                        status="sent",
                        claimed_until=None,
                        claimed_by=None,
                        lookup_failures=0,
                        **sent,
                    )
                    .returning(OutboxMessage)
                ).one_or_none()
                hooks = getattr(self.transport, "after_sent", None) or {}
                if row is not None and out.result and (hook := hooks.get(row.kind)):
                    hook(s, row)
                return
            row = s.get(OutboxMessage, msg_id)
            if row.status != "pending":  # another sender found it posted and recorded it
                return
            if out.status != "sent":
                # Only the claim's holder may put it back: if the claim lapsed and another
                # process holds it now, clearing it would let a third post it too. (By
                # claimer, not by token: the heartbeat may have just renewed the token.)
                held = select(OutboxMessage.id).where(
                    OutboxMessage.id == msg_id, OutboxMessage.claimed_by == claimer()
                )
                if s.execute(held).first() is None:
                    log.warning("outbox.claim_lost", outbox_id=msg_id, status=out.status)
                    return
            row.attempts += 1
            row.status, row.claimed_until = out.status, None
            if not out.in_doubt:
                row.claimed_by = None
            row.lookup_failures = row.lookup_failures + 1 if out.lookup_failed else 0
            row.last_error = (out.error or "")[:500]
            if out.retry_after is not None:
                wait = timedelta(seconds=out.retry_after)
            else:
                wait = backoff(row.attempts, self.retry_base)
            row.next_attempt_at = max(out.posted_at, self.clock()) + wait

    def sender(self) -> int:
        sent = 0
        while not self.stopping():
            # One sender waiting for the next row to come due is enough.
            msg_id, wait = self.claim(or_wait=not self.waiting)
            if msg_id is not None:
                sent += self.send_one(msg_id)
                continue
            with self.lock:
                if wait is None or self.waiting:
                    return sent
                self.waiting = True
            try:
                # At least a moment (a row due now but claimed by a racing drain), at most
                # about a pace (rows queued meanwhile by other processes).
                self.done.wait(min(max(wait, 0.01), self.pace + 1))
            finally:
                with self.lock:
                    self.waiting = False
        return sent


def drain(
    engine: Engine,
    transport: Transport,
    *,
    ids: Iterable[int] | None = None,
    limit: int | None = None,
    now: datetime | None = None,
    senders: int = 1,
    pace: float = PACE_SECONDS,
    claim_seconds: float = CLAIM_SECONDS,
    retry_base: float = RETRY_BASE_SECONDS,
    stop: threading.Event | None = None,
) -> int:
    """Send due messages (or just ``ids``, or at most ``limit``) until none is left that is
    due within about a pace; returns how many were sent (or skipped).

    Per message: one transaction to claim it, one to render it, the post (no transaction
    open), one to record it.
    """
    run = _Drain(
        engine,
        transport,
        list(ids) if ids is not None else None,
        now,
        pace,
        claim_seconds,
        retry_base,
        limit,
        claims_left=limit,
        stop=stop,
        dead_claimers=_dead_claimers(engine),
        threaded_kinds=threaded_kinds_of(transport),
    )
    beat = threading.Thread(target=_beat, args=(run,), name="outbox-heartbeat", daemon=True)
    beat.start()
    try:
        if senders <= 1:
            return run.sender()
        with ThreadPoolExecutor(senders, thread_name_prefix="outbox-sender") as pool:
            return sum(pool.map(lambda _: run.sender(), range(senders)))
    finally:
        run.done.set()
        beat.join()


def _dead_claimers(engine: Engine) -> list[str]:
    try:
        with transaction(engine) as s:
            dead = dead_local_claimers(s, utcnow())
    except StoreUnavailable:
        return []
    if dead:
        log.warning("outbox.dead_claimers", claimers=len(dead))
    return dead


def _beat(run: _Drain) -> None:
    interval = max(run.claim_seconds / 4, 0.05)
    while not run.done.wait(interval):
        run.heartbeat()


def next_due(engine: Engine, threaded_kinds: frozenset[str] = frozenset()) -> datetime | None:
    """When the earliest head row comes due (for the worker's sleep): a claimed one when its
    claim lapses, so a dead sender's row is taken up as soon as it may be."""
    lapses = OutboxMessage.claimed_until
    due = case(
        (lapses > OutboxMessage.next_attempt_at, lapses), else_=OutboxMessage.next_attempt_at
    )
    with transaction(engine) as s:
        heads = _head_ids(s, threaded_kinds)
        soonest = select(func.min(due)).where(_among(s, OutboxMessage.id, heads, Integer))
        return s.execute(soonest).scalar()


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
        rows = s.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        ).all()
    return {status: n for status, n in rows}


@dataclass(frozen=True)
class DeadMessage:
    id: int
    kind: str
    subject_id: int | None
    # The channel or user it was for; None when showing it would tie an anonymous filer to
    # their case.
    recipient: str | None
    error: str


def dead_messages(engine: Engine, limit: int = 200) -> list[DeadMessage]:
    """Messages that failed for good, newest first, for operators and leads.

    A complaint DM's recipient is its filer: it is withheld when the case is anonymous (or
    cannot be found), so the listing never ties an anonymous filer to their case.
    """
    with transaction(engine) as s:
        found = s.exec(
            select(OutboxMessage)
            .where(OutboxMessage.status == "dead")
            .order_by(OutboxMessage.id.desc())
            .limit(limit)
        ).all()
        out = []
        for row in found:
            recipient = row.recipient_channel_id or row.recipient_user_id
            if row.recipient_user_id and row.kind.startswith("complaint."):
                case = s.get(Complaint, row.subject_id) if row.subject_id else None
                if case is None or case.anonymous:
                    recipient = None
            out.append(DeadMessage(row.id, row.kind, row.subject_id, recipient, row.last_error))
    return out


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
            due = next_due(self.engine, threaded_kinds_of(self.transport))
        except Exception:
            log.exception("outbox.next_due_failed")
            return self.interval
        if due is None:
            return self.interval
        return min(self.interval, max(0.05, (_aware(due) - utcnow()).total_seconds()))

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
            except Exception:
                log.exception("outbox.worker_failed")
            wait = self._sleep_for()
