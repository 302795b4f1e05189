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


class PersonalChat(SQLModel, table=True):
    """Where a front end can message a person one to one, learnt when they install msbot or
    first write to it (Teams: a bot may only start a 1:1 chat once the app is installed for
    the person, so the conversation reference is kept). ``member_id`` is how the platform
    addresses them in a new conversation (a Teams "29:…" id, which differs from the account's
    AAD object id); ``conversation_id`` is the 1:1 chat once known; ``last_seen_at`` says when
    they last wrote from this account, which picks the platform their messages go to."""

    __tablename__ = "personal_chat"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="platform_account.id", unique=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    member_id: str = Field(max_length=255)
    conversation_id: str | None = Field(default=None, max_length=512)
    service_url: str = Field(max_length=500)
    last_seen_at: datetime = Field(default_factory=utcnow)
    created_at: datetime = Field(default_factory=utcnow)
