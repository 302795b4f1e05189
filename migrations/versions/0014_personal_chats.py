"""personal chats: where a person can be messaged one to one (Teams conversation references)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06

Teams lets a bot message someone only in a conversation it knows (or one it may create because
msbot is installed for them), so the 1:1 chat's id and the service URL to reach it are stored
when a person installs msbot or first writes to it. One row per platform account; nothing to
fill in for existing data (Slack opens its DMs by user id).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "personal_chat",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("conversation_id", sqlmodel.sql.sqltypes.AutoString(length=512), nullable=True),
        sa.Column("service_url", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("last_seen_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["platform_account.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id"),
    )
    with op.batch_alter_table("personal_chat", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_personal_chat_person_id"), ["person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("personal_chat", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_personal_chat_person_id"))
    op.drop_table("personal_chat")
