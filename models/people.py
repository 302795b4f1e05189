"""People and the accounts they use on each chat platform.

A person is ours (an integer id); a platform account is how one chat platform knows them.
One person may have a Slack account and a Teams account, so every table that means "a person"
refers to ``person.id`` and never to a platform's user id.
"""

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import utcnow


class Person(SQLModel, table=True):
    __tablename__ = "person"

    id: int | None = Field(default=None, primary_key=True)
    display_name: str | None = Field(default=None, max_length=200)
    # Optional: role settings may name a person by email, and Teams gives one.
    email: str | None = Field(default=None, max_length=320, index=True)
    created_at: datetime = Field(default_factory=utcnow)


class PlatformAccount(SQLModel, table=True):
    """One platform's user id for a person. ``workspace`` is the Slack team id or the Teams
    tenant id ('' when the platform did not say); user ids are of any length (a Teams id is a
    36-character GUID or a longer ``29:…`` id)."""

    __tablename__ = "platform_account"
    __table_args__ = (
        UniqueConstraint("platform", "workspace", "user_id", name="uq_platform_account"),
    )

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    platform: str = Field(max_length=20)  # "slack", "teams", ...
    workspace: str = Field(default="", max_length=100)
    user_id: str = Field(max_length=255)
    display_name: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
