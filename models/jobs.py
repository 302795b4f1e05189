"""Scheduled-job tables: one row per run slot claimed, and one per nudge sent."""

from datetime import date, datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import utcnow
from models.complaint import Complaint


class JobRun(SQLModel, table=True):
    """A job's scheduled slot, claimed by the one process that runs it.

    The unique (job, slot) pair is what makes a slot run exactly once across workers and
    replicas: the claim is an INSERT in the same transaction as the job's effect.
    Status: running, done, failed, skipped (missed while the bot was down, beyond the grace).
    """

    __tablename__ = "job_run"
    __table_args__ = (UniqueConstraint("job", "slot", name="uq_job_run_slot"),)

    id: int | None = Field(default=None, primary_key=True)
    job: str = Field(max_length=60, index=True)
    slot: datetime
    status: str = Field(max_length=20)
    manual: bool = False
    attempts: int = 0
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    result: str | None = Field(default=None, max_length=500)


class Nudge(SQLModel, table=True):
    """A reminder already given: nobody is nudged twice about the same thing on one day."""

    __tablename__ = "nudge"
    __table_args__ = (UniqueConstraint("person_id", "subject", "day", name="uq_nudge_once"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id")
    subject: str = Field(max_length=120)
    day: date
    created_at: datetime = Field(default_factory=utcnow)


# The digest and reports select cases by when they were received and resolved: a week's
# worth of 100,000 cases is read through these rather than by scanning the table.
Index("ix_complaint_received_on", Complaint.__table__.c.received_on)
Index("ix_complaint_resolved_on", Complaint.__table__.c.resolved_on)
