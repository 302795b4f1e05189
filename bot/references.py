"""Human-readable case references, sequential per year: MS-2026-0007.

The counter row is incremented with a single INSERT ... ON CONFLICT DO UPDATE ... RETURNING, so
concurrent submissions on PostgreSQL serialise on that row and never share a number. The
increment commits with whatever transaction the caller runs it in.
"""

from __future__ import annotations

from sqlmodel import Session

from bot.db import dialect_insert
from models import ReferenceCounter


def next_sequence(session: Session, prefix: str, year: int) -> int:
    table = ReferenceCounter.__table__
    stmt = (
        dialect_insert(session.get_bind(), table)
        .values(prefix=prefix, year=year, last_value=1)
        .on_conflict_do_update(
            index_elements=[table.c.prefix, table.c.year],
            set_={"last_value": table.c.last_value + 1},
        )
        .returning(table.c.last_value)
    )
    return int(session.execute(stmt).scalar_one())


def format_reference(prefix: str, year: int, seq: int) -> str:
    return f"{prefix}-{year}-{seq:04d}"
