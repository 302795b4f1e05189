"""Migration 0006 on a populated database (both backends): automatic pairwise links become
procurement groups, links made by hand stay, and new cases join the converted groups."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from bot.complaints import intake, related, related_view
from bot.db import make_engine
from bot.migrate import current_revision, head_revision, upgrade
from bot.permissions import Actor
from models import CaseLink, Complaint, ProcurementGroup
from tests import databases
from tests.conftest import TODAY, _require_postgres, rows
from tests.test_investigation_core import form


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    _require_postgres()
    name, url = databases.create_pg_database()
    yield url
    databases.drop_pg_database(name)


def _case(n: int, authority: str, reference: str | None, title: str) -> dict:
    return {
        "id": n,
        "reference": f"MS-2026-{n:04d}",
        "year": 2026,
        "seq": n,
        "status": "received",
        "anonymous": False,
        "reporter_user_id": f"U{n}",
        "authority_name": authority,
        "authority_kind": "wider",
        "procurement_title": title,
        "procurement_reference": reference,
        "stage": "tender",
        "category": "timescales",
        "procurement_date": date(2026, 10, 1),
        "what_happened": "Five days to respond.",
        "outcome_wanted": "Thirty days.",
        "organisation_name": "Org",
        "organisation_type": "sme",
        "received_on": date(2026, 11, n),
        "due_date": date(2027, 2, 1),
        "created_at": datetime(2026, 11, n, 9, tzinfo=UTC),
    }


def test_0006_turns_automatic_links_into_groups_on_a_populated_database(empty_url):
    engine = make_engine(empty_url)
    try:
        upgrade(engine, "0005")
        meta = sa.MetaData()
        complaint = sa.Table("complaint", meta, autoload_with=engine)
        link = sa.Table("case_link", meta, autoload_with=engine)
        counter = sa.Table("reference_counter", meta, autoload_with=engine)
        with engine.begin() as conn:
            conn.execute(
                complaint.insert(),
                [
                    _case(1, "Borsetshire Council", "BC-1", "Youth services"),
                    _case(2, "borsetshire  council", "bc-1", "Youth services"),
                    _case(3, "Borsetshire Council", None, "Youth Services"),
                    # Same procurement, but an investigator unlinked it by hand.
                    _case(4, "Borsetshire Council", "BC-1", "Youth services"),
                    _case(5, "Felpersham Council", "FC-9", "Roads"),
                ],
            )
            conn.execute(counter.insert(), {"prefix": "MS", "year": 2026, "last_value": 5})
            at = datetime(2026, 11, 5, tzinfo=UTC)
            conn.execute(
                link.insert(),
                [
                    {"low_id": 1, "high_id": 2, "automatic": True, "created_at": at},
                    {"low_id": 2, "high_id": 3, "automatic": True, "created_at": at},
                    {
                        "low_id": 3,
                        "high_id": 5,
                        "automatic": False,
                        "created_at": at,
                        "created_by": "UINV1",
                    },
                ],
            )
            if engine.dialect.name == "postgresql":  # ids given explicitly above
                conn.execute(sa.text("SELECT setval('complaint_id_seq', 5)"))

        upgrade(engine)
        assert current_revision(engine) == head_revision()
        with Session(engine) as s:
            cases = {c.id: c for c in rows(s, Complaint)}
            groups = {g.root_id: g for g in rows(s, ProcurementGroup)}
            links = [(x.low_id, x.high_id, x.automatic) for x in rows(s, CaseLink)]
        assert all(c.grouped_at is not None for c in cases.values())
        assert {cases[i].group_id for i in (1, 2, 3)} == {groups[1].id}
        assert sorted(groups) == [1, 4, 5]
        assert (groups[1].authority_key, groups[1].reference_key) == ("borsetshire council", "bc-1")
        assert groups[4].reference_key is None  # the key is the older group's
        assert links == [(3, 5, False)]  # only the link made by hand is left

        # New cases find the converted groups (and new groups get fresh ids on PostgreSQL).
        joining = intake.submit(
            engine,
            form(authority_name="Borsetshire Council", procurement_reference="BC-1"),
            actor=Actor("UNEW"),
            submission_key="VNEW1",
            today=TODAY,
            policy=intake.IntakePolicy(),
        ).complaint
        starting = intake.submit(
            engine,
            form(authority_name="Ambridge Council", procurement_reference="AC-2"),
            actor=Actor("UNEW"),
            submission_key="VNEW2",
            today=TODAY,
            policy=intake.IntakePolicy(),
        ).complaint
        assert related.group_pending(engine) == 2
        with Session(engine) as s:
            assert s.get(Complaint, joining.id).group_id == groups[1].id
            assert s.get(Complaint, starting.id).group_id not in {g.id for g in groups.values()}
            first = related_view.summary(s, s.get(Complaint, 1))
        assert first.group_size == 4 and first.group_refs == (
            "MS-2026-0002",
            "MS-2026-0003",
            joining.reference,
        )

        # Down and up again on the populated database.
        upgrade_down(engine)
        with engine.connect() as conn:
            kept = conn.execute(sa.select(link.c.low_id, link.c.high_id, link.c.automatic)).all()
        assert sorted(kept) == [(1, 2, True), (1, 3, True), (1, joining.id, True), (3, 5, False)]
        upgrade(engine)
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def upgrade_down(engine) -> None:
    from alembic import command

    from bot.migrate import alembic_config

    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0005")
