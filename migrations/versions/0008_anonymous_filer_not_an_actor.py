"""the filer of an anonymous case is the actor of none of its audit events

The "received" event used to record the anonymous supplier as its actor. The filer of an
anonymous case is now known only from the access-controlled case row, so this clears them from
the existing events of anonymous cases. There is nothing to restore on the way down (the value
is the case row's reporter, which stays).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    event = sa.table(
        "complaint_event",
        sa.column("complaint_id", sa.Integer),
        sa.column("actor_user_id", sa.String),
    )
    case = sa.table(
        "complaint",
        sa.column("id", sa.Integer),
        sa.column("anonymous", sa.Boolean),
        sa.column("reporter_user_id", sa.String),
    )
    by_the_filer = (
        sa.select(case.c.id)
        .where(
            case.c.id == event.c.complaint_id,
            case.c.anonymous == sa.true(),
            case.c.reporter_user_id == event.c.actor_user_id,
        )
        .exists()
    )
    op.execute(event.update().where(by_the_filer).values(actor_user_id=None))


def downgrade() -> None:
    pass
