"""Claiming a job's slot: one INSERT ... ON CONFLICT on (job, slot).

Made in the job's own transaction, so on PostgreSQL a second process inserting the same slot
waits for the first to commit (then finds the row and backs off) or roll back (then takes
the slot itself); SQLite's BEGIN IMMEDIATE serialises writers the same way.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, literal_column, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.db import dialect_insert, transaction
from models import JobRun

# A failed slot is tried again (by the next catch-up in any process) at most this many times.
MAX_ATTEMPTS = 3


def claim(s: Session, job: str, slot: datetime, now: datetime, *, manual: bool = False) -> bool:
    """True if this transaction now owns the slot (new, or failed earlier and retryable)."""
    table = JobRun.__table__
    insert = dialect_insert(s.get_bind(), table).values(
        job=job, slot=slot, status="running", manual=manual, attempts=1, started_at=now
    )
    stmt = insert.on_conflict_do_update(
        index_elements=[table.c.job, table.c.slot],
        set_={
            "status": "running",
            "attempts": table.c.attempts + 1,
            "started_at": insert.excluded.started_at,
            "finished_at": None,
        },
        where=and_(table.c.status == "failed", table.c.attempts < MAX_ATTEMPTS),
    ).returning(literal_column("1"))
    return s.execute(stmt).first() is not None


def finish(s: Session, job: str, slot: datetime, status: str, result: str | None, now) -> None:
    row = s.execute(select(JobRun).where(JobRun.job == job, JobRun.slot == slot)).scalars().one()
    row.status, row.result, row.finished_at = status, (result or "")[:500] or None, now


def record_failure(engine: Engine, job: str, slot: datetime, error: str, now: datetime) -> None:
    """After the run's transaction rolled back: keep the failure (and its attempt) visible."""
    table = JobRun.__table__
    with transaction(engine) as s:
        insert = dialect_insert(engine, table).values(
            job=job,
            slot=slot,
            status="failed",
            attempts=1,
            manual=False,
            started_at=now,
            finished_at=now,
            result=error[:500],
        )
        s.execute(
            insert.on_conflict_do_update(
                index_elements=[table.c.job, table.c.slot],
                set_={"status": "failed", "finished_at": now, "result": error[:500]},
                where=table.c.status != "done",
            )
        )


def record_skipped(engine: Engine, job: str, slots: list[datetime], now: datetime) -> int:
    """Slots missed while the bot was down and too old to run now: recorded, not run."""
    if not slots:
        return 0
    table = JobRun.__table__
    rows = [
        {
            "job": job,
            "slot": slot,
            "status": "skipped",
            "attempts": 0,
            "manual": False,
            "started_at": now,
            "finished_at": now,
            "result": "missed: beyond the grace period",
        }
        for slot in slots
    ]
    with transaction(engine) as s:
        stmt = (
            dialect_insert(engine, table)
            .values(rows)
            .on_conflict_do_nothing(index_elements=[table.c.job, table.c.slot])
        )
        return s.execute(stmt).rowcount or 0


def last_slot(s: Session, job: str) -> datetime | None:
    return (
        s.execute(select(JobRun.slot).where(JobRun.job == job).order_by(JobRun.slot.desc()))
        .scalars()
        .first()
    )


def last_run(s: Session, job: str) -> JobRun | None:
    stmt = select(JobRun).where(JobRun.job == job).order_by(JobRun.slot.desc()).limit(1)
    return s.execute(stmt).scalars().first()


def claimed(s: Session, job: str, slot: datetime) -> bool:
    stmt = select(JobRun.id).where(JobRun.job == job, JobRun.slot == slot)
    return s.execute(stmt).first() is not None
