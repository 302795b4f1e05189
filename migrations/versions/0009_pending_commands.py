"""pending commands: acknowledged mention commands, stored before the ack

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pending_command",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claim_token", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("claimed_until", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("done_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    with op.batch_alter_table("pending_command", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pending_command_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_pending_command_created_at"), ["created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("pending_command", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pending_command_created_at"))
        batch_op.drop_index(batch_op.f("ix_pending_command_status"))
    op.drop_table("pending_command")
