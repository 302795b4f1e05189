"""Human-readable case references, sequential per year: MS-2026-0007.

The counter row is incremented with a single INSERT ... ON CONFLICT DO UPDATE ... RETURNING, so
concurrent submissions on PostgreSQL serialise on that row and never share a number. The
increment commits with whatever transaction the caller runs it in.
"""

from __future__ import annotations

import functools

from sqlalchemy import bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from models import ReferenceCounter


def next_sequence(session: Session, prefix: str, year: int) -> int:
    stmt = _increment(session.get_bind().dialect.name)
    return int(session.execute(stmt, {"prefix": prefix, "year": year}).scalar_one())


@functools.cache
def _increment(dialect: str):
    """The statement, built once per backend (building it costs more CPU than running it)."""
    table = ReferenceCounter.__table__
    module = postgresql if dialect == "postgresql" else sqlite
    return (
        module.insert(table)
        .values(prefix=bindparam("prefix"), year=bindparam("year"), last_value=1)
        .on_conflict_do_update(
            index_elements=[table.c.prefix, table.c.year],
            set_={"last_value": table.c.last_value + 1},
        )
        .returning(table.c.last_value)
    )


def format_reference(prefix: str, year: int, seq: int) -> str:
    return f"{prefix}-{year}-{seq:04d}"
