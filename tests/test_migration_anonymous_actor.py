"""Migration 0008: existing events of anonymous cases lose their filer as actor; named cases'
events, and other people's, are kept. On a populated database, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic.script import ScriptDirectory

from bot.db import make_engine
from bot.migrate import alembic_config, current_revision, upgrade
from tests import databases

REVISION = "0008"


def _populate(engine) -> None:
    """Cases and events as the code before 0008 wrote them, in the schema just before it."""
    meta = sa.MetaData()
    complaint = sa.Table("complaint", meta, autoload_with=engine)
    event = sa.Table("complaint_event", meta, autoload_with=engine)
    base = {
        "status": "received",
        "authority_name": "A council",
        "authority_kind": "wider",
        "procurement_title": "Something",
        "stage": "tender",
        "category": "timescales",
        "procurement_date": date(2026, 10, 1),
        "what_happened": "x",
        "outcome_wanted": "y",
        "organisation_name": "An org",
        "organisation_type": "vcse",
        "received_on": date(2026, 11, 1),
        "due_date": date(2027, 2, 1),
        "year": 2026,
        "created_at": datetime(2026, 11, 1, tzinfo=UTC),
    }
    cases = [
        (1, "USECRET1", True),  # anonymous: the filer goes from its events
        (2, "UNAMED1", False),  # named: kept
        (3, "USECRET2", True),
    ]
    with engine.begin() as conn:
        for n, reporter, anonymous in cases:
            conn.execute(
                complaint.insert().values(
                    id=n,
                    seq=n,
                    reference=f"MS-2026-{n:04d}",
                    reporter_user_id=reporter,
                    anonymous=anonymous,
                    **base,
                )
            )
        rows = [
            (1, "USECRET1", "received"),
            (1, "UINV1", "assigned"),
            (1, None, "transition"),
            (1, "USECRET1", "transition"),  # however it got there
            (2, "UNAMED1", "received"),
            (2, "UINV1", "transition"),
            (3, "USECRET2", "received"),
            (3, "USECRET1", "transition"),  # someone else's filer: not this case's
        ]
        for complaint_id, actor, kind in rows:
            conn.execute(
                event.insert().values(
                    complaint_id=complaint_id,
                    actor_user_id=actor,
                    kind=kind,
                    data={},
                    at=datetime(2026, 11, 2, tzinfo=UTC),
                )
            )


def test_0010_clears_anonymous_filers_from_existing_events(backend, tmp_path):
    name, _ = backend
    if name == "sqlite":
        url, pg_name = f"sqlite:///{tmp_path / 'm.db'}", None
    else:
        pg_name, url = databases.create_pg_database()
    engine = make_engine(url)
    try:
        before = ScriptDirectory.from_config(alembic_config()).get_revision(REVISION)
        upgrade(engine, before.down_revision)
        _populate(engine)
        upgrade(engine, REVISION)
        assert current_revision(engine) == REVISION
        with engine.connect() as conn:
            actors = conn.execute(
                sa.text("SELECT complaint_id, actor_user_id, kind FROM complaint_event ORDER BY id")
            ).all()
        assert [tuple(r) for r in actors] == [
            (1, None, "received"),
            (1, "UINV1", "assigned"),
            (1, None, "transition"),
            (1, None, "transition"),
            (2, "UNAMED1", "received"),
            (2, "UINV1", "transition"),
            (3, None, "received"),
            (3, "USECRET1", "transition"),
        ]
        upgrade(engine)  # and on to the head from there
    finally:
        engine.dispose()
        if pg_name:
            databases.drop_pg_database(pg_name)
