"""investigation workflow (issue 8)

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    with op.batch_alter_table("complaint") as batch:
        batch.add_column(sa.Column("kind", S(length=20), nullable=False, server_default="complaint"))
        batch.add_column(sa.Column("assignee_user_id", S(length=30), nullable=True))
        batch.add_column(sa.Column("card_channel_id", S(length=30), nullable=True))
        batch.add_column(sa.Column("card_ts", S(length=30), nullable=True))
        batch.add_column(sa.Column("authority_contacted_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("authority_reply_due", sa.Date(), nullable=True))
        batch.add_column(sa.Column("authority_replied_on", sa.Date(), nullable=True))
        batch.add_column(
            sa.Column("supplier_wait_days", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("awaiting_supplier_since", sa.Date(), nullable=True))
        batch.add_column(sa.Column("outcome", S(length=40), nullable=True))
        batch.add_column(sa.Column("agreed_actions", sa.Text(), nullable=True))
        batch.add_column(sa.Column("money_released_pence", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("public_summary", sa.Text(), nullable=True))
        batch.add_column(
            sa.Column(
                "summary_uses_supplier_words", sa.Boolean(), nullable=False, server_default="0"
            )
        )
        batch.add_column(
            sa.Column("publishable", sa.Boolean(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("follow_up_due", sa.Date(), nullable=True))
        batch.add_column(sa.Column("follow_up_result", S(length=10), nullable=True))
        batch.add_column(sa.Column("follow_up_note", sa.Text(), nullable=True))
        batch.add_column(sa.Column("resolved_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("closed_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("status_reason", sa.Text(), nullable=True))
        batch.create_index("ix_complaint_assignee_user_id", ["assignee_user_id"])
        batch.create_unique_constraint("uq_complaint_card", ["card_channel_id", "card_ts"])
    op.create_table(
        "case_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("source_ts", S(length=60), nullable=False),
        sa.Column("author_user_id", S(length=30), nullable=True),
        sa.Column("from_supplier", sa.Boolean(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("edited_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("deleted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("history", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["complaint_id"], ["complaint.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_ts"),
    )
    op.create_index("ix_case_note_complaint_id", "case_note", ["complaint_id"])
    op.create_table(
        "case_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("low_id", sa.Integer(), nullable=False),
        sa.Column("high_id", sa.Integer(), nullable=False),
        sa.Column("created_by", S(length=30), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("automatic", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["low_id"], ["complaint.id"]),
        sa.ForeignKeyConstraint(["high_id"], ["complaint.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("low_id", "high_id", name="uq_case_link_pair"),
    )
    op.create_index("ix_case_link_low_id", "case_link", ["low_id"])
    op.create_index("ix_case_link_high_id", "case_link", ["high_id"])
    op.create_table(
        "supplier_relay",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("outbox_message_id", sa.Integer(), nullable=True),
        sa.Column("dm_channel_id", S(length=30), nullable=False),
        sa.Column("ts", S(length=30), nullable=False),
        sa.ForeignKeyConstraint(["complaint_id"], ["complaint.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dm_channel_id", "ts", name="uq_supplier_relay_ts"),
    )
    op.create_index("ix_supplier_relay_complaint_id", "supplier_relay", ["complaint_id"])


def downgrade() -> None:
    op.drop_table("supplier_relay")
    op.drop_table("case_link")
    op.drop_table("case_note")
    with op.batch_alter_table("complaint") as batch:
        batch.drop_constraint("uq_complaint_card", type_="unique")
        batch.drop_index("ix_complaint_assignee_user_id")
        for column in (
            "kind assignee_user_id card_channel_id card_ts authority_contacted_on "
            "authority_reply_due authority_replied_on supplier_wait_days awaiting_supplier_since "
            "outcome agreed_actions money_released_pence public_summary "
            "summary_uses_supplier_words publishable follow_up_due follow_up_result "
            "follow_up_note resolved_on closed_on status_reason"
        ).split():
            batch.drop_column(column)
