"""Nobody is nudged twice about the same thing on the same day.

The nudge is claimed with INSERT ... ON CONFLICT DO NOTHING in the transaction that queues
the message, so the claim and the message commit together or not at all.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import literal_column
from sqlmodel import Session

from bot.db import dialect_insert
from models import Nudge
from models.base import utcnow


def nudge_once(s: Session, user_id: str, subject: str, day: date) -> bool:
    """True the first time (user, subject, day) is claimed; False on every repeat."""
    table = Nudge.__table__
    stmt = (
        dialect_insert(s.get_bind(), table)
        .values(person_id=user_id, subject=subject[:120], day=day, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=[table.c.person_id, table.c.subject, table.c.day])
        .returning(literal_column("1"))
    )
    return s.execute(stmt).first() is not None
