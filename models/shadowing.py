"""Work-shadowing tables: applicants (civil servants), hosts, conflicts, rounds, placements."""

from datetime import date, datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import JSONType, utcnow


class ShadowApplicant(SQLModel, table=True):
    """A civil servant's sign-up. Status: pending_approval, declined, queued, offered, placed,
    completed, withdrawn. ``queued_at`` is kept when an offer falls through, so the applicant
    returns to the queue in their original position."""

    __tablename__ = "shadow_applicant"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    # Equal to person_id while the sign-up is active, else NULL: the unique constraint allows
    # one active sign-up per person on both SQLite and PostgreSQL.
    active_person_id: int | None = Field(default=None, foreign_key="person.id", unique=True)
    submission_key: str | None = Field(default=None, max_length=100, unique=True)
    status: str = Field(max_length=20, index=True)
    department: str = Field(max_length=200)
    grade: str = Field(max_length=50)
    role: str = Field(max_length=200)
    region: str = Field(max_length=50)
    mode: str = Field(max_length=20)
    interests: list = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    learning_goals: str = Field(sa_column=Column(Text, nullable=False))
    available_from: date
    available_to: date
    length: str = Field(max_length=20)
    length_days: int
    manager_id: int = Field(foreign_key="person.id")
    queued_at: datetime | None = Field(default=None, index=True)
    withdrawn_reason: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ShadowHost(SQLModel, table=True):
    """A voluntary-sector host's offer of places. Status: open, closed."""

    __tablename__ = "shadow_host"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    submission_key: str | None = Field(default=None, max_length=100, unique=True)
    status: str = Field(default="open", max_length=20)
    organisation: str = Field(max_length=200, index=True)
    contact_name: str = Field(max_length=200)
    contact_email: str | None = Field(default=None, max_length=200)
    areas: list = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    region: str = Field(max_length=50)
    mode: str = Field(max_length=20)
    capacity: int
    available_from: date
    available_to: date
    activities: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ShadowConflict(SQLModel, table=True):
    """A conflict of interest between an applicant (or a whole department) and a host (or an
    organisation). Seen by coordinators only. Source: applicant, host, coordinator, automatic.
    Status: active, cleared (safeguards agreed)."""

    __tablename__ = "shadow_conflict"
    __table_args__ = (UniqueConstraint("submission_key", name="uq_shadow_conflict_submission_key"),)

    id: int | None = Field(default=None, primary_key=True)
    applicant_id: int | None = Field(default=None, foreign_key="shadow_applicant.id", index=True)
    host_id: int | None = Field(default=None, foreign_key="shadow_host.id", index=True)
    department: str | None = Field(default=None, max_length=200)
    organisation: str | None = Field(default=None, max_length=200)
    source: str = Field(max_length=20)
    reason: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default="active", max_length=20, index=True)
    safeguards: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    recorded_by_id: int | None = Field(default=None, foreign_key="person.id")
    cleared_by_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = Field(default_factory=utcnow)
    cleared_at: datetime | None = None
    # The coordinator's form (its view id): a second delivery records nothing more.
    submission_key: str | None = Field(default=None, max_length=100)


class ShadowRound(SQLModel, table=True):
    """One matching round: a dry run, then (maybe) committed as offers."""

    __tablename__ = "shadow_round"

    id: int | None = Field(default=None, primary_key=True)
    started_by_id: int | None = Field(default=None, foreign_key="person.id")
    status: str = Field(default="dry_run", max_length=20)
    summary: dict = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    committed_at: datetime | None = None


class ShadowPlacement(SQLModel, table=True):
    """An offer and, once both sides accept, the placement. Status: offered, accepted,
    scheduled, completed, declined, expired, withdrawn."""

    __tablename__ = "shadow_placement"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int | None = Field(default=None, foreign_key="shadow_round.id", index=True)
    applicant_id: int = Field(foreign_key="shadow_applicant.id", index=True)
    host_id: int = Field(foreign_key="shadow_host.id", index=True)
    status: str = Field(default="offered", max_length=20, index=True)
    applicant_response: str | None = Field(default=None, max_length=20)
    host_response: str | None = Field(default=None, max_length=20)
    score: int | None = None
    offered_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    start_date: date | None = None
    end_date: date | None = None
    ended_by_id: int | None = Field(default=None, foreign_key="person.id")
    end_reason: str | None = Field(default=None, max_length=500)
    updated_at: datetime = Field(default_factory=utcnow)


class ShadowFeedback(SQLModel, table=True):
    __tablename__ = "shadow_feedback"
    __table_args__ = (UniqueConstraint("placement_id", "side", name="uq_feedback_side"),)

    id: int | None = Field(default=None, primary_key=True)
    placement_id: int = Field(foreign_key="shadow_placement.id", index=True)
    side: str = Field(max_length=20)  # applicant | host
    person_id: int = Field(foreign_key="person.id")
    worthwhile: int
    learned: str = Field(sa_column=Column(Text, nullable=False))
    would_recommend: bool
    created_at: datetime = Field(default_factory=utcnow)


class ShadowEvent(SQLModel, table=True):
    """Append-only audit trail for every shadowing change."""

    __tablename__ = "shadow_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow)
    actor_id: int | None = Field(default=None, foreign_key="person.id")
    kind: str = Field(max_length=40)
    applicant_id: int | None = Field(default=None, index=True)
    host_id: int | None = Field(default=None, index=True)
    placement_id: int | None = Field(default=None, index=True)
    data: dict = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
