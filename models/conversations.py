"""Where the front ends posted the messages the core cares about: a case's card (its thread is
the case's room) and a relayed supplier DM (a reply in its thread goes back to the case).

These are the front end's data, not the case's: each platform records its own messages in its
own ids (any length: Teams conversation ids run to well over a hundred characters), and maps
a message it receives back to what it is about through this table.
"""

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import utcnow

# Platform ids are opaque strings; Teams' are the longest seen.
ID_LENGTH = 400


class PostedMessage(SQLModel, table=True):
    __tablename__ = "posted_message"
    __table_args__ = (
        # A message is one thing: one row, whatever posted it (a card update posts no new one).
        UniqueConstraint(
            "platform", "conversation_id", "message_id", name="uq_posted_message_where"
        ),
        # "Where is this case's card?" on every card update and thread line.
        Index("ix_posted_message_about", "about", "subject_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=20)  # "slack", "teams", ...
    conversation_id: str = Field(max_length=ID_LENGTH)
    message_id: str = Field(max_length=ID_LENGTH)
    # The thread it was posted in (the id of the thread's first message), if any.
    thread_id: str | None = Field(default=None, max_length=ID_LENGTH)
    # What it is about: a kind (bot.conversations.CASE_CARD, ...) and that thing's id.
    about: str = Field(max_length=30)
    subject_id: int
    # The outbox row that posted it (None for rows moved from before the outbox kept them).
    outbox_message_id: int | None = None
    created_at: datetime = Field(default_factory=utcnow)
