"""Migration 0010 on a populated database (SQLite and PostgreSQL): the closing dates the old
code never wrote are set from the audit trail, and no summary stays published by default."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from bot.db import make_engine
from bot.migrate import current_revision, head_revision, upgrade
from models import Complaint
from tests import databases
from tests.reports_fixture import add_case


@pytest.fixture(params=["sqlite", "postgresql"])
def old_engine(request, tmp_path):
    """A fresh database migrated only to 0005, the revision before this one."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path}/old.db")
        name = None
    else:
        reason = databases.pg_available()
        if reason:
            if databases.IN_CI:
                pytest.fail(f"PostgreSQL is required in CI but unreachable: {reason}")
            pytest.skip(f"PostgreSQL unreachable (outside CI): {reason}")
        name, url = databases.create_pg_database()
        engine = make_engine(url)
    upgrade(engine, "0009")  # the schema just before the repair
    yield engine
    engine.dispose()
    if name:
        databases.drop_pg_database(name)


def moved(engine, case_id: int, to: str, at: datetime) -> None:
    # The table as it stands at this revision (the model's is the head's).
    event = sa.Table("complaint_event", sa.MetaData(), autoload_with=engine)
    with engine.begin() as conn:
        conn.execute(
            event.insert().values(
                complaint_id=case_id,
                at=at,
                kind="transition",
                data={"action": "x", "from": "triaged", "to": to},
            )
        )


def test_0010_repairs_closing_dates_from_the_audit_trail(old_engine):
    engine = old_engine
    received = date(2025, 5, 1)
    # Written as the old code left them: out of scope and referred without a closing date.
    oos = add_case(engine, status="out_of_scope", received_on=received)
    moved(engine, oos, "triaged", datetime(2025, 5, 2, 9, tzinfo=UTC))
    moved(engine, oos, "out_of_scope", datetime(2025, 6, 30, 23, 15, tzinfo=UTC))  # 1 Jul UK
    referred = add_case(engine, status="referred", received_on=received)
    moved(engine, referred, "referred", datetime(2025, 8, 4, 10, tzinfo=UTC))
    # Reopened and referred again: the latest move counts.
    again = add_case(engine, status="referred", received_on=received)
    moved(engine, again, "referred", datetime(2025, 8, 4, 10, tzinfo=UTC))
    moved(engine, again, "investigating", datetime(2025, 9, 1, 10, tzinfo=UTC))
    moved(engine, again, "referred", datetime(2025, 12, 1, 10, tzinfo=UTC))
    # No audit event at all: the day it was received, so it is counted once.
    bare = add_case(engine, status="out_of_scope", received_on=received)
    # Resolved without a resolution date (and published by the old default).
    resolved = add_case(engine, status="resolved", received_on=received, publishable=True)
    moved(engine, resolved, "resolved", datetime(2025, 7, 10, 12, tzinfo=UTC))
    # Rows already right are left alone.
    fine = add_case(
        engine,
        status="withdrawn",
        received_on=received,
        closed_on=date(2025, 6, 6),
        publishable=True,
    )
    working = add_case(engine, status="investigating", received_on=received)

    upgrade(engine)
    assert current_revision(engine) == head_revision()
    with Session(engine) as s:
        got = {
            i: s.get(Complaint, i) for i in (oos, referred, again, bare, resolved, fine, working)
        }
    assert got[oos].closed_on == date(2025, 7, 1)
    assert got[referred].closed_on == date(2025, 8, 4)
    assert got[again].closed_on == date(2025, 12, 1)
    assert got[bare].closed_on == received
    assert got[resolved].resolved_on == date(2025, 7, 10) and got[resolved].closed_on is None
    assert got[fine].closed_on == date(2025, 6, 6)
    assert got[working].closed_on is None and got[working].resolved_on is None
    # Nobody chose to publish these: none stays marked.
    assert not any(c.publishable for c in got.values())
