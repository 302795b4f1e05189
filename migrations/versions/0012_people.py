"""people: a person of our own for every user, with the platform accounts they use (issue 15)

Revision ID: 0012_people
Revises: 0011
Create Date: 2026-12-06

Creates ``person`` and ``platform_account`` and makes one person with a Slack account for every
distinct user id found in the tables' person columns (reporters, assignees, actors, authors,
applicants, managers, hosts, recipients...), so that existing data has its people before any
column refers to them. The Slack team id of old data is unknown: those accounts have workspace
'' and learn theirs the first time the person writes (bot.people.person_for).

The anonymous-filer rule is untouched: an anonymous case's filer is found from the case row's
reporter column alone (0008), and making a person for that id adds no other way to reach them.

Downgrade drops both tables: the person columns still hold the Slack ids, so nothing is lost.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0012_people"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every column that names a person, as the schema stands at 0011.
PERSON_COLUMNS = {
    "complaint": ("reporter_user_id", "assignee_user_id"),
    "complaint_event": ("actor_user_id",),
    "case_note": ("author_user_id",),
    "case_link": ("created_by",),
    "nudge": ("user_id",),
    "outbox_message": ("recipient_user_id",),
    "shadow_applicant": ("user_id", "manager_user_id"),
    "shadow_host": ("user_id",),
    "shadow_conflict": ("recorded_by", "cleared_by"),
    "shadow_round": ("started_by",),
    "shadow_placement": ("ended_by",),
    "shadow_feedback": ("user_id",),
    "shadow_event": ("actor_user_id",),
}
# Not people: the actor the scheduler's own moves would carry if one were ever stored.
NOT_PEOPLE = frozenset({"", "system"})
BATCH = 500


def upgrade() -> None:
    op.create_table(
        "person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("display_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_email"), ["email"], unique=False)
    op.create_table(
        "platform_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("workspace", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("display_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform", "workspace", "user_id", name="uq_platform_account"),
    )
    with op.batch_alter_table("platform_account", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_platform_account_person_id"), ["person_id"], unique=False
        )
    _people_for_existing_ids()


def _existing_ids(conn) -> list[str]:
    parts = [
        sa.select(sa.column(name).label("uid")).select_from(sa.table(table))
        for table, names in PERSON_COLUMNS.items()
        for name in names
    ]
    found = conn.execute(sa.union(*parts)).scalars().all()
    return sorted(u for u in found if u is not None and u.strip() not in NOT_PEOPLE)


def _people_for_existing_ids() -> None:
    conn = op.get_bind()
    person = sa.Table(
        "person",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime()),
    )
    account = sa.table(
        "platform_account",
        sa.column("person_id", sa.Integer),
        sa.column("platform", sa.String),
        sa.column("workspace", sa.String),
        sa.column("user_id", sa.String),
        sa.column("created_at", sqlmodel.sql.sqltypes.UTCDateTime()),
    )
    now = datetime.now(UTC)
    pending: list[dict] = []
    for user_id in _existing_ids(conn):
        person_id = conn.execute(person.insert().values(created_at=now)).inserted_primary_key[0]
        pending.append(
            {
                "person_id": person_id,
                "platform": "slack",
                "workspace": "",
                "user_id": user_id,
                "created_at": now,
            }
        )
        if len(pending) >= BATCH:
            conn.execute(account.insert(), pending)
            pending = []
    if pending:
        conn.execute(account.insert(), pending)


def downgrade() -> None:
    with op.batch_alter_table("platform_account", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_platform_account_person_id"))
    op.drop_table("platform_account")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_email"))
    op.drop_table("person")
