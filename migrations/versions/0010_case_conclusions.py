"""case conclusions: closing dates repaired from the audit trail; publication made a choice

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06

Before this revision, moving a case out of scope or referring it recorded no closing date, so
reports counted it as "carried over" in every later year. Each case in a closed state
(closed, out_of_scope, referred, withdrawn) without ``closed_on``, and each resolved case
(resolved, follow_up, closed) without ``resolved_on``, gets the date of its move there from its
audit events (``complaint_event`` "transition" rows, in UK time as the code records dates);
a case with no such event gets the day it was received, so it is at least counted once.

Every resolved case used to be marked publishable without anyone choosing it (the resolve
form had no such control). Nobody chose those, so none of them stays marked: an investigator
now ticks "Publish this anonymised summary" in the resolve form.

The downgrade leaves the data as it is: the repaired dates are true, and which summaries were
"publishable" by the old default cannot (and should not) be restored.
"""

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UK = ZoneInfo("Europe/London")
# The lifecycle's groups as they stand at this revision (a migration must not change when the
# code does later): bot.complaints.lifecycle.CLOSED_STATUSES and RESOLVED_STATUSES.
CLOSED = ("closed", "out_of_scope", "referred", "withdrawn")
RESOLVED = ("resolved", "follow_up", "closed")
BATCH = 500

complaint = sa.table(
    "complaint",
    sa.column("id", sa.Integer),
    sa.column("status", sa.String),
    sa.column("received_on", sa.Date),
    sa.column("resolved_on", sa.Date),
    sa.column("closed_on", sa.Date),
    sa.column("publishable", sa.Boolean),
)
event = sa.table(
    "complaint_event",
    sa.column("id", sa.Integer),
    sa.column("complaint_id", sa.Integer),
    sa.column("at", sqlmodel.sql.sqltypes.UTCDateTime()),
    sa.column("kind", sa.String),
    sa.column("data", sa.JSON),
)
c = complaint.c


def _moves(conn, ids: list[int]) -> dict[int, list[tuple[str, datetime]]]:
    """Each case's transitions, oldest first, as (status moved to, when)."""
    out: dict[int, list[tuple[str, datetime]]] = {}
    for i in range(0, len(ids), BATCH):
        rows = conn.execute(
            sa.select(event.c.complaint_id, event.c.at, event.c.data)
            .where(event.c.complaint_id.in_(ids[i : i + BATCH]), event.c.kind == "transition")
            .order_by(event.c.at, event.c.id)
        ).all()
        for case_id, at, data in rows:
            out.setdefault(case_id, []).append(((data or {}).get("to"), at))
    return out


def _last_move_to(moves: list[tuple[str, datetime]], status: str) -> date | None:
    """The UK day of the latest move into ``status`` (a reopened case may have several)."""
    days = [at.astimezone(UK).date() for to, at in moves if to == status and at is not None]
    return days[-1] if days else None


def upgrade() -> None:
    conn = op.get_bind()
    cases = conn.execute(
        sa.select(c.id, c.status, c.received_on, c.resolved_on, c.closed_on).where(
            sa.or_(
                sa.and_(c.status.in_(CLOSED), c.closed_on.is_(None)),
                sa.and_(c.status.in_(RESOLVED), c.resolved_on.is_(None)),
            )
        )
    ).all()
    moves = _moves(conn, [row.id for row in cases])
    for row in cases:
        history = moves.get(row.id, [])
        values = {}
        if row.status in CLOSED and row.closed_on is None:
            values["closed_on"] = _last_move_to(history, row.status) or row.received_on
        if row.status in RESOLVED and row.resolved_on is None:
            resolved = _last_move_to(history, "resolved")
            values["resolved_on"] = resolved or values.get("closed_on") or row.received_on
        conn.execute(sa.update(complaint).where(c.id == row.id).values(**values))
    conn.execute(sa.update(complaint).where(c.publishable.is_(True)).values(publishable=False))


def downgrade() -> None:
    pass  # see the module docstring: nothing to undo
