"""Complaint (mystery-shopper case) tables."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import JSONType, utcnow


class Complaint(SQLModel, table=True):
    __tablename__ = "complaint"
    __table_args__ = (UniqueConstraint("year", "seq", name="uq_complaint_year_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=20, unique=True)
    year: int
    seq: int
    status: str = Field(max_length=30, index=True)
    # The Slack view id of the submitted modal: a repeated delivery finds the same case.
    submission_key: str | None = Field(default=None, max_length=100, unique=True)
    reporter_user_id: str | None = Field(default=None, max_length=30, index=True)
    anonymous: bool = False
    authority_name: str = Field(max_length=200)
    authority_kind: str = Field(max_length=30)
    procurement_title: str = Field(max_length=200)
    procurement_reference: str | None = Field(default=None, max_length=100)
    stage: str = Field(max_length=40)
    category: str = Field(max_length=40, index=True)
    procurement_date: date
    what_happened: str = Field(sa_column=Column(Text, nullable=False))
    outcome_wanted: str = Field(sa_column=Column(Text, nullable=False))
    organisation_name: str = Field(max_length=200)
    organisation_type: str = Field(max_length=30)
    invoice_amount_pence: int | None = None
    invoice_date: date | None = None
    received_on: date
    due_date: date
    created_at: datetime = Field(default_factory=utcnow)
    # --- Investigation (issue 8) ---
    kind: str = Field(default="complaint", max_length=20)  # "complaint" | "spot_check"
    assignee_user_id: str | None = Field(default=None, max_length=30, index=True)
    authority_contacted_on: date | None = None
    authority_reply_due: date | None = None
    authority_replied_on: date | None = None
    # Days spent waiting for the supplier; they push the service target back.
    supplier_wait_days: int = 0
    awaiting_supplier_since: date | None = None
    outcome: str | None = Field(default=None, max_length=40)
    agreed_actions: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    money_released_pence: int | None = None
    public_summary: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    summary_uses_supplier_words: bool = False
    publishable: bool = False
    follow_up_due: date | None = Field(default=None, index=True)
    follow_up_result: str | None = Field(default=None, max_length=10)
    follow_up_note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    resolved_on: date | None = None
    closed_on: date | None = None
    status_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # --- Related cases (issue 13) ---
    # The procurement group this case belongs to (None: not grouped yet, or taken out of its
    # group by hand). Grouping runs after the submission commits; grouped_at None means it is
    # still to be done, and the conditional UPDATE that sets it claims the work exactly once.
    # No foreign key: on SQLite adding one means rebuilding this table, which a populated
    # database refuses while other tables refer to it; groups are never deleted.
    group_id: int | None = Field(default=None, index=True)
    grouped_at: datetime | None = Field(default=None, index=True)


class ComplaintEvent(SQLModel, table=True):
    """Append-only audit trail of a case; the timeline shown to users is read from here."""

    __tablename__ = "complaint_event"

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: int = Field(foreign_key="complaint.id", index=True)
    at: datetime = Field(default_factory=utcnow)
    actor_user_id: str | None = Field(default=None, max_length=30)
    kind: str = Field(max_length=40)
    data: dict = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))


class ReferenceCounter(SQLModel, table=True):
    """Last sequence number handed out per (prefix, year); incremented under a row lock."""

    __tablename__ = "reference_counter"

    prefix: str = Field(primary_key=True, max_length=10)
    year: int = Field(primary_key=True)
    last_value: int = 0


class CaseNote(SQLModel, table=True):
    """An internal note: a human reply in the case thread, or a supplier's relayed reply."""

    __tablename__ = "case_note"

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: int = Field(foreign_key="complaint.id", index=True)
    # The front end's key for the message the note came from (opaque to the core, unique
    # across platforms): a retried delivery finds the same note.
    source_key: str = Field(max_length=400, unique=True)
    author_user_id: str | None = Field(default=None, max_length=30)  # None: the supplier
    from_supplier: bool = False
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    edited_at: datetime | None = None
    deleted_at: datetime | None = None
    # Earlier texts, oldest first: [{"text": ..., "until": iso time}]
    history: list = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))


class CaseLink(SQLModel, table=True):
    """Two cases about the same procurement; stored once per pair, lower id first."""

    __tablename__ = "case_link"
    __table_args__ = (
        UniqueConstraint("low_id", "high_id", name="uq_case_link_pair"),
        CheckConstraint("low_id < high_id", name="ck_case_link_order"),
    )

    id: int | None = Field(default=None, primary_key=True)
    low_id: int = Field(foreign_key="complaint.id", index=True)
    high_id: int = Field(foreign_key="complaint.id", index=True)
    created_by: str | None = Field(default=None, max_length=30)
    created_at: datetime = Field(default_factory=utcnow)
    automatic: bool = False


class ProcurementGroup(SQLModel, table=True):
    """Complaints about one procurement: new cases are compared with each group's first case
    (its authority, reference and title are copied here), never with every earlier case.

    One group per authority and procurement reference (the unique key); groups without a
    reference are told apart by title. ``root_id`` is the group's first case.
    """

    __tablename__ = "procurement_group"
    __table_args__ = (
        UniqueConstraint("authority_key", "reference_key", name="uq_procurement_group_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    authority_key: str = Field(max_length=200, index=True)  # lower case, spaces collapsed
    reference_key: str | None = Field(default=None, max_length=100)
    title: str = Field(max_length=200)
    root_id: int = Field(index=True)
    created_at: datetime = Field(default_factory=utcnow)
