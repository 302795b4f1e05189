"""a conflict of interest recorded from a form is stored once per submission

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("shadow_conflict", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "submission_key", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True
            )
        )
        batch_op.create_unique_constraint(
            "uq_shadow_conflict_submission_key", ["submission_key"]
        )


def downgrade() -> None:
    with op.batch_alter_table("shadow_conflict", schema=None) as batch_op:
        batch_op.drop_constraint("uq_shadow_conflict_submission_key", type_="unique")
        batch_op.drop_column("submission_key")
