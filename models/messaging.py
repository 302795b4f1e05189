"""Outbox and delivery-deduplication tables."""

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from models.base import JSONType, utcnow


class OutboxMessage(SQLModel, table=True):
    """A message to deliver, stored in the same transaction as the change that caused it.

    The row says *what* to tell *whom* (``kind`` + ``subject_id`` + recipient); the adapter
    renders it at send time. A worker sends pending rows and retries failures with back-off.
    """

    __tablename__ = "outbox_message"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=50)
    # Indexed: a case's messages are looked up by it (where its card went, whether it is
    # posted yet) on every change, and a table of thousands must not be scanned each time.
    subject_id: int | None = Field(default=None, index=True)
    # To a person (their direct messages) or to a team role (bot.outbox.ROLES): exactly one.
    recipient_person_id: int | None = Field(default=None, foreign_key="person.id")
    recipient_role: str | None = Field(default=None, max_length=30)
    data: dict = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    status: str = Field(default="pending", max_length=10, index=True)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, index=True)
    claimed_until: datetime | None = None
    # Who holds the claim (host key/pid/boot id: bot.outbox_doubt.claimer()). Kept after an
    # attempt whose outcome is unknown (a crash, a time-out): the row is then "in doubt", and
    # the next sender looks on Slack for it before posting again.
    claimed_by: str | None = Field(default=None, max_length=120)
    # When a sender first claimed it: nothing of it can be on Slack from before (the oldest
    # bound of that look-up).
    first_claimed_at: datetime | None = None
    # Look-ups that failed in a way a retry may fix (ratelimited, Slack unreachable).
    lookup_failures: int = 0
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None


class ProcessedDelivery(SQLModel, table=True):
    """Keys of Slack deliveries already handled, so a retried delivery does nothing twice."""

    __tablename__ = "processed_delivery"

    key: str = Field(primary_key=True, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, index=True)


class PendingCommand(SQLModel, table=True):
    """Something acknowledged that runs after the ack (a Slack mention command; a Teams note,
    thread command or supplier reply), stored before the ack so a crash in between cannot
    lose it. ``key`` is the delivery's key (each platform's prefixed with its own):
    storing the row is also what claims the delivery, so a retry finds it and does nothing.
    The row is marked done in the transaction of the command's effect (bot/pending.py)."""

    __tablename__ = "pending_command"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, unique=True)
    kind: str = Field(max_length=50)
    payload: dict = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    # pending -> running (claimed, with a lease) -> done
    status: str = Field(default="pending", max_length=10, index=True)
    attempts: int = 0
    claim_token: str | None = Field(default=None, max_length=40)
    claimed_until: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow, index=True)
    done_at: datetime | None = None
