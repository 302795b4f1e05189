"""Sending claimed rows: render (short read transaction), post (no transaction open), record
the outcome at once (its own short transaction). A crash can therefore leave at most the one
message each sender has in flight unrecorded: that row is *in doubt*, and its next sender asks
the transport whether it went out before posting it again (bot.outbox_doubt)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import select

from bot.db import transaction
from bot.errors import StoreUnavailable
from bot.logs import unit_of_work
from bot.outbox import delivery as outcome
from bot.outbox.claims import CLAIM_SECONDS, Claims
from bot.outbox.delivery import NotReady, PermanentDeliveryError, RateLimited, Sent, Skip, Transport
from bot.outbox.kinds import after_dead_for, after_sent_for
from bot.outbox.pacing import PACE_SECONDS, RETRY_BASE_SECONDS, backoff
from bot.outbox_doubt import LookUpLater, claimer, dead_local_claimers, look_up
from models import OutboxMessage
from models.base import utcnow

log = structlog.get_logger("msbot.outbox")

# A result that cannot be stored (database briefly down) is retried this long.
RECORD_RETRY_SECONDS = 30


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
    # A dead row's recipient cannot be reached (PermanentDeliveryError.unreachable).
    unreachable: str | None = None


@dataclass
class Drain(Claims):
    """A run of senders over the outbox: claims (see Claims), sends and records."""

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
                except (PermanentDeliveryError, NotReady, Skip, outcome.ServedElsewhere) as exc:
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
            self.record(msg_id, "dead", error=str(exc), unreachable=exc.unreachable)
            return False
        except outcome.ServedElsewhere as exc:
            # Not this process's platform: the process serving it sends it. No fault, no
            # back-off (that would delay the other process too), and nothing to log per row.
            self.record(msg_id, "pending", error=str(exc), retry_after=exc.retry_after)
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
        where = {"dm": True} if msg.recipient_person_id else {"channel": result.conversation_id}
        bound.info("outbox.sent", ts=result.message_id, **where)
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
        unreachable: str | None = None,
    ) -> None:
        """Store one outcome at once, in its own transaction. A database that is briefly
        unavailable is retried for a while: giving up leaves the row in doubt, to be looked
        up by the next sender."""
        posted_at = utcnow()
        give_up = time.monotonic() + RECORD_RETRY_SECONDS
        outcome = _Outcome(
            status, error, result, retry_after, posted_at, in_doubt, lookup_failed, unreachable
        )
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
                row = s.scalars(
                    update(OutboxMessage)
                    .where(OutboxMessage.id == msg_id, OutboxMessage.status == "pending")
                    .values(
                        attempts=OutboxMessage.attempts + 1,
                        status="sent",
                        claimed_until=None,
                        claimed_by=None,
                        lookup_failures=0,
                        sent_at=out.posted_at,
                    )
                    .returning(OutboxMessage)
                ).one_or_none()
                if row is not None and out.result:
                    for hook in after_sent_for(self.transport, row.kind):
                        hook(s, row, out.result)
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
            if out.status == "dead" and (hook := after_dead_for(self.transport, row.kind)):
                # In this transaction: the row is dead exactly when its hook has run (a
                # retried record finds it no longer pending and runs nothing twice).
                hook(s, row, out.unreachable)

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
    run = Drain(
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


def _beat(run: Drain) -> None:
    interval = max(run.claim_seconds / 4, 0.05)
    while not run.done.wait(interval):
        run.heartbeat()
