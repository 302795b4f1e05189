"""Cases for digest and report tests, written straight to the complaint table."""

from __future__ import annotations

import atexit
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import MetaData, Table, inspect, text
from sqlalchemy.engine import Engine

from tests import databases

# Contract columns the investigation workflow adds (migration 0004); added here only if the
# schema under test lacks them, i.e. before that branch is merged.
CONTRACT_COLUMNS = {
    "kind": "VARCHAR(20) DEFAULT 'complaint' NOT NULL",
    "assignee_user_id": "VARCHAR(30)",
    "authority_contacted_on": "DATE",
    "authority_reply_due": "DATE",
    "authority_replied_on": "DATE",
    "supplier_wait_days": "INTEGER DEFAULT 0 NOT NULL",
    "awaiting_supplier_since": "DATE",
    "outcome": "VARCHAR(40)",
    "agreed_actions": "TEXT",
    "money_released_pence": "BIGINT",
    "public_summary": "TEXT",
    "summary_uses_supplier_words": "BOOLEAN DEFAULT FALSE NOT NULL",
    "publishable": "BOOLEAN DEFAULT FALSE NOT NULL",
    "follow_up_due": "DATE",
    "follow_up_result": "VARCHAR(20)",
    "follow_up_note": "TEXT",
    "resolved_on": "DATE",
    "closed_on": "DATE",
    "status_reason": "TEXT",
}

_tables: dict[str, Table] = {}


def _key(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def complaint_table(engine: Engine) -> Table:
    key = _key(engine)
    if key not in _tables:
        have = {col["name"] for col in inspect(engine).get_columns("complaint")}
        with engine.begin() as conn:
            for name, ddl in CONTRACT_COLUMNS.items():
                if name not in have:
                    conn.execute(text(f"ALTER TABLE complaint ADD COLUMN {name} {ddl}"))
        _tables[key] = Table("complaint", MetaData(), autoload_with=engine)
    return _tables[key]


_report_databases: dict[str, tuple[Engine, str | None]] = {}


@atexit.register
def _drop_report_databases() -> None:
    for eng, pg_name in _report_databases.values():
        eng.dispose()
        if pg_name:
            databases.drop_pg_database(pg_name)


@pytest.fixture
def report_engine(backend, tmp_path_factory):
    """Like conftest's ``engine``, on a database of its own whose complaint table also has
    the investigation workflow's columns (added here while its migration is not merged), so
    the shared test database keeps exactly the migrated schema."""
    name, _ = backend
    if name not in _report_databases:
        pg_name = None
        if name == "sqlite":
            url = f"sqlite:///{tmp_path_factory.mktemp('reports')}/msbot.db"
        else:
            pg_name, url = databases.create_pg_database()
        eng = databases.migrated_engine(url)
        complaint_table(eng)
        _report_databases[name] = (eng, pg_name)
    eng = _report_databases[name][0]
    databases.wipe(eng)
    return eng


_seq = iter(range(1, 10**9))


def add_case(engine: Engine, **values) -> int:
    """Insert one case; anything not given gets a plain default."""
    n = next(_seq)
    received = values.get("received_on", date(2025, 6, 1))
    row = {
        "reference": f"MS-T-{n:05d}",
        "year": received.year,
        "seq": n,
        "status": "received",
        "kind": "complaint",
        "anonymous": False,
        "reporter_user_id": "UREPORTER",
        "authority_name": "Anytown Council",
        "authority_kind": "central",
        "procurement_title": "Cleaning services",
        "stage": "tender",
        "category": "late_payment",
        "procurement_date": received,
        "what_happened": "It was late.",
        "outcome_wanted": "Payment.",
        "organisation_name": "Supplier Ltd",
        "organisation_type": "sme",
        "received_on": received,
        "due_date": date(2025, 8, 1),
        "supplier_wait_days": 0,
        "publishable": False,
        "created_at": datetime.now(UTC),
        "summary_uses_supplier_words": False,
        **values,
    }
    table = complaint_table(engine)
    row = {k: v for k, v in row.items() if k in table.c}
    with engine.begin() as conn:
        return conn.execute(table.insert().values(**row).returning(table.c.id)).scalar_one()
