"""Commands acknowledged before they run, kept so that none is lost or run twice.

A mention command (Slack), a reply that becomes a case note or a supplier's reply (Teams) is
answered (acked) at once and run just after. Recorded before the ack, under the key of its
delivery (one namespace for every platform: each front end prefixes its own, "teams:…"), the
row is both the delivery's claim (a retry finds it and does nothing) and the promise to run it.
A runner claims it with a conditional UPDATE (lease + token), runs it, and the row is marked
done in the same transaction as the command's effect (``bot.db.on_each_write``): after a
crash at any point the command has either taken effect and is done, or has not and is
resumed, never both and never twice.

Several front ends may share one database: each claims and resumes only the kinds it knows
how to run (``kinds``), so a Slack process never takes, and closes, a Teams command.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import delete, event, or_, select, true, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.db import dialect_insert, on_each_write, transaction
from models import PendingCommand
from models.base import utcnow

# A runner that has not finished within this long is presumed dead; its command may be
# claimed again (its own effect would then find its claim gone and roll back).
LEASE = timedelta(seconds=30)
# Done commands are forgotten after this long, as delivery keys are (Slack's retries stop
# within minutes).
KEPT = timedelta(days=2)


class ClaimLost(Exception):
    """This runner's claim lapsed and another runner took the command: roll back."""


def record(engine: Engine, key: str, kind: str, payload: dict) -> int | None:
    """Store a command under its delivery key; its id, or None if the key was seen before.

    A transaction, not an autocommit statement: under a request deadline no COMMIT is sent
    once the time is up, so "nothing was changed" stays true when the user is told it.
    """
    table = PendingCommand.__table__
    with transaction(engine) as s:
        return s.execute(
            dialect_insert(engine, table)
            .values(
                key=key,
                kind=kind,
                payload=payload,
                status="pending",
                attempts=0,
                created_at=utcnow(),
            )
            .on_conflict_do_nothing(index_elements=[table.c.key])
            .returning(table.c.id)
        ).scalar()


def waiting(engine: Engine, key: str) -> int | None:
    """The command recorded under ``key`` if it has not run (yet): pending, or running."""
    with transaction(engine) as s:
        return s.execute(
            select(PendingCommand.id).where(
                PendingCommand.key == key, PendingCommand.status.in_(("pending", "running"))
            )
        ).scalar()


def claim(
    engine: Engine,
    command_id: int,
    now: datetime | None = None,
    kinds: Collection[str] | None = None,
) -> tuple[str, PendingCommand] | None:
    """Take a command to run: (token, row), or None if it is done, another runner holds it,
    or it is of none of ``kinds`` (when given)."""
    now = now or utcnow()
    token = uuid.uuid4().hex
    with transaction(engine) as s:
        claimed = s.execute(
            update(PendingCommand)
            .where(PendingCommand.id == command_id, _claimable(now), _of_kinds(kinds))
            .values(
                status="running",
                claim_token=token,
                claimed_until=now + LEASE,
                attempts=PendingCommand.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        if not claimed:
            return None
        return token, s.get(PendingCommand, command_id)


def _of_kinds(kinds: Collection[str] | None):
    return true() if kinds is None else PendingCommand.kind.in_(sorted(kinds))


def _claimable(now: datetime):
    return or_(
        PendingCommand.status == "pending",
        (PendingCommand.status == "running") & (PendingCommand.claimed_until < now),
    )


def _mark_done(session: Session, command_id: int, token: str) -> None:
    done = session.execute(
        update(PendingCommand)
        .where(
            PendingCommand.id == command_id,
            PendingCommand.claim_token == token,
            PendingCommand.status == "running",
        )
        .values(status="done", done_at=utcnow(), claimed_until=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not done:
        raise ClaimLost(f"pending command {command_id} was claimed by another runner")


@contextmanager
def completing(engine: Engine, command_id: int, token: str) -> Iterator[None]:
    """Run a claimed command in this block. The first transaction in it that writes marks the
    command done before its COMMIT; if none wrote (a refusal, a read, an answer only), the
    command is marked done when the block ends without error."""
    marked = False

    def committed(_session: Session) -> None:
        nonlocal marked
        marked = True

    def mark(session: Session) -> None:
        if not marked:
            _mark_done(session, command_id, token)
            # Later transactions of the command are ordinary once this one has committed.
            event.listen(session, "after_commit", committed)

    with on_each_write(mark):
        yield
    if not marked:
        with transaction(engine) as s:
            _mark_done(s, command_id, token)


@contextmanager
def before_effect() -> Iterator[None]:
    """Writes a command makes on its way to its effect that are harmless to repeat (who is
    asking, remembered on first contact): they must not mark it done, or a failure of the
    effect itself would leave it done and lost."""
    with on_each_write(None):
        yield


def give_up(engine: Engine, command_id: int, token: str) -> None:
    """A command that failed for a reason retrying cannot fix (a bug): stop resuming it."""
    with transaction(engine) as s:
        s.execute(
            update(PendingCommand)
            .where(PendingCommand.id == command_id, PendingCommand.claim_token == token)
            .values(status="failed", claimed_until=None)
            .execution_options(synchronize_session=False)
        )


def resumable(
    engine: Engine,
    now: datetime | None = None,
    grace: timedelta = timedelta(0),
    limit: int = 100,
    kinds: Collection[str] | None = None,
) -> list[int]:
    """Commands (of ``kinds``, when given) recorded at least ``grace`` ago but not done whose
    runner is gone or never started: oldest first."""
    now = now or utcnow()
    with transaction(engine) as s:
        return list(
            s.execute(
                select(PendingCommand.id)
                .where(_claimable(now), _of_kinds(kinds))
                .where(
                    (PendingCommand.status != "pending")
                    | (PendingCommand.created_at <= now - grace)
                )
                .order_by(PendingCommand.id)
                .limit(limit)
            ).scalars()
        )


def prune(engine: Engine, now: datetime | None = None) -> int:
    """Forget done commands older than any retry Slack would still send."""
    cutoff = (now or utcnow()) - KEPT
    with transaction(engine) as s:
        return s.execute(
            delete(PendingCommand).where(
                PendingCommand.status == "done", PendingCommand.created_at < cutoff
            )
        ).rowcount
