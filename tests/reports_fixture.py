"""Cases for digest and report tests, written straight to the complaint table (any state,
any dates, without walking each one through the workflow)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from itertools import count

from sqlalchemy import MetaData, Table, inspect
from sqlalchemy.engine import Engine

from bot.permissions import LEAD, Actor
from models import Complaint
from tests.people_ids import ensure_in, in_database

_seq = count(1)
# Who asks for the figures: the policy shows the digest and the report to leads only.
A_LEAD = Actor(None, frozenset({LEAD}))


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
        "reporter_id": None,  # filled below: the reporter in the database at hand
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
    table = Complaint.__table__
    if "reporter_id" not in {c["name"] for c in inspect(engine).get_columns("complaint")}:
        # A migration test's database, before people (0012): the reporter is a Slack id.
        table = Table("complaint", MetaData(), autoload_with=engine)
        row["reporter_user_id"] = "UREPORTER" if values.get("reporter_id", 1) else None
        row.pop("reporter_id")
    elif "reporter_id" not in values:
        row["reporter_id"] = in_database(engine, "UREPORTER")
    else:
        ensure_in(engine, values["reporter_id"])
    with engine.begin() as conn:
        return conn.execute(table.insert().values(**row).returning(table.c.id)).scalar_one()
