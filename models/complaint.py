"""Complaint (mystery-shopper case) tables."""

from datetime import date, datetime

from sqlalchemy import Column, Text, UniqueConstraint
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
