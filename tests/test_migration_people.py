"""Migration 0013 (people): every user id found in a person column gets one person with a Slack
account; nothing else changes, and the downgrade gives back the schema of 0012 with the data.
On a populated database, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic.script import ScriptDirectory

from bot.db import make_engine, table_names
from bot.migrate import alembic_config, current_revision, downgrade, upgrade
from tests import databases

REVISION = "0013"
AT = datetime(2026, 11, 2, tzinfo=UTC)
CASE = {
    "status": "assigned",
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
    "created_at": AT,
    "anonymous": False,
    "kind": "complaint",
    "supplier_wait_days": 0,
    "summary_uses_supplier_words": False,
    "publishable": False,
}
SIGNUP = {
    "status": "queued",
    "department": "HM Treasury",
    "grade": "HEO",
    "role": "Analyst",
    "region": "London",
    "mode": "in_person",
    "interests": [],
    "learning_goals": "learn",
    "available_from": date(2026, 12, 1),
    "available_to": date(2027, 3, 1),
    "length": "week",
    "length_days": 5,
    "created_at": AT,
    "updated_at": AT,
}


def _populate(engine) -> None:
    """A little of everything, as the code before 0013 wrote it."""
    meta = sa.MetaData()
    meta.reflect(engine)
    t = meta.tables
    with engine.begin() as conn:
        conn.execute(
            t["complaint"].insert(),
            [
                {**CASE, "id": 1, "seq": 1, "reference": "MS-2026-0001",
                 "reporter_user_id": "USUPPLIER", "assignee_user_id": "UINV1"},
                {**CASE, "id": 2, "seq": 2, "reference": "MS-2026-0002", "anonymous": True,
                 "reporter_user_id": "UANON", "assignee_user_id": "UINV1"},
                {**CASE, "id": 3, "seq": 3, "reference": "MS-2026-0003",
                 "reporter_user_id": None, "assignee_user_id": None, "kind": "spot_check"},
            ],
        )  # fmt: skip
        conn.execute(
            t["complaint_event"].insert(),
            [
                {"complaint_id": 1, "actor_user_id": "USUPPLIER", "kind": "received", "data": {},
                 "at": AT},
                {"complaint_id": 2, "actor_user_id": None, "kind": "received", "data": {},
                 "at": AT},
                {"complaint_id": 2, "actor_user_id": "ULEAD", "kind": "assigned",
                 "data": {"from": None, "to": "UINV1"}, "at": AT},
                {"complaint_id": 2, "actor_user_id": "UINV1", "kind": "transition",
                 "data": {"from": "triaged", "to": "investigating"}, "at": AT},
            ],
        )  # fmt: skip
        conn.execute(
            t["case_note"]
            .insert()
            .values(
                complaint_id=1,
                source_key="C1/1.1",
                author_user_id="UINV1",
                from_supplier=False,
                text="n",
                created_at=AT,
                history=[],
            )
        )
        conn.execute(
            t["outbox_message"]
            .insert()
            .values(
                kind="receipt",
                subject_id=1,
                recipient_user_id="USUPPLIER",
                data={},
                status="sent",
                attempts=1,
                next_attempt_at=AT,
                lookup_failures=0,
                created_at=AT,
            )
        )
        conn.execute(
            t["shadow_applicant"]
            .insert()
            .values(
                id=1,
                user_id="UCIVIL",
                active_user_id="UCIVIL",
                manager_user_id="UMANAGER",
                **SIGNUP,
            )
        )
        conn.execute(
            t["shadow_event"]
            .insert()
            .values(at=AT, actor_user_id="UMANAGER", kind="approved", applicant_id=1, data={})
        )
        conn.execute(
            t["nudge"]
            .insert()
            .values(user_id="UINV1", subject="case:1", day=date(2026, 11, 3), created_at=AT)
        )


def _person(ids: dict[int, str], slack_id: str) -> int:
    return next(person for person, uid in ids.items() if uid == slack_id)


BEFORE = {
    "cases": "SELECT id, reference, reporter_user_id, assignee_user_id, anonymous"
    " FROM complaint ORDER BY id",
    "events": "SELECT complaint_id, actor_user_id, kind, data FROM complaint_event ORDER BY id",
    "notes": "SELECT complaint_id, author_user_id FROM case_note",
    "applicants": "SELECT id, user_id, active_user_id, manager_user_id FROM shadow_applicant",
    "shadow_events": "SELECT applicant_id, actor_user_id FROM shadow_event",
    "nudges": "SELECT user_id, subject FROM nudge",
    "outbox": "SELECT kind, recipient_user_id, data FROM outbox_message ORDER BY id",
}
# The same facts read through the people the columns now refer to.
AFTER = {
    "cases": "SELECT c.id, c.reference, r.user_id, a.user_id, c.anonymous FROM complaint c"
    " LEFT JOIN platform_account r ON r.person_id = c.reporter_id"
    " LEFT JOIN platform_account a ON a.person_id = c.assignee_id ORDER BY c.id",
    "events": "SELECT e.complaint_id, a.user_id, e.kind, e.data FROM complaint_event e"
    " LEFT JOIN platform_account a ON a.person_id = e.actor_id ORDER BY e.id",
    "notes": "SELECT n.complaint_id, a.user_id FROM case_note n"
    " LEFT JOIN platform_account a ON a.person_id = n.author_id",
    "applicants": "SELECT s.id, p.user_id, act.user_id, m.user_id FROM shadow_applicant s"
    " JOIN platform_account p ON p.person_id = s.person_id"
    " LEFT JOIN platform_account act ON act.person_id = s.active_person_id"
    " JOIN platform_account m ON m.person_id = s.manager_id",
    "shadow_events": "SELECT e.applicant_id, a.user_id FROM shadow_event e"
    " LEFT JOIN platform_account a ON a.person_id = e.actor_id",
    "nudges": "SELECT a.user_id, n.subject FROM nudge n"
    " JOIN platform_account a ON a.person_id = n.person_id",
    "outbox": "SELECT o.kind, a.user_id, o.data FROM outbox_message o"
    " LEFT JOIN platform_account a ON a.person_id = o.recipient_person_id ORDER BY o.id",
}


def _read(engine, queries: dict[str, str]) -> dict[str, list[tuple]]:
    with engine.connect() as conn:
        found = {}
        for name, query in queries.items():
            found[name] = [
                tuple(json.loads(v) if isinstance(v, str) and v.startswith("{") else v for v in r)
                for r in conn.execute(sa.text(query)).all()
            ]
        return found


def _slack_ids_in_json(found: dict, ids: dict[int, str]) -> dict:
    """The JSON of the upgraded rows with person ids written back as Slack ids."""

    def back(value):
        if isinstance(value, dict):
            return {k: ids.get(v, v) if isinstance(v, int) else v for k, v in value.items()}
        return value

    return {name: [tuple(back(v) for v in r) for r in rows] for name, rows in found.items()}


def test_0013_makes_one_person_per_user_and_keeps_the_data(backend, tmp_path):
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
        data_before = _read(engine, BEFORE)

        upgrade(engine, REVISION)
        assert current_revision(engine) == REVISION
        with engine.connect() as conn:
            accounts = conn.execute(
                sa.text(
                    "SELECT a.platform, a.workspace, a.user_id, a.person_id FROM platform_account a"
                    " JOIN person p ON p.id = a.person_id ORDER BY a.user_id"
                )
            ).all()
        assert [(p, w, u) for p, w, u, _ in accounts] == [
            ("slack", "", uid)
            for uid in ("UANON", "UCIVIL", "UINV1", "ULEAD", "UMANAGER", "USUPPLIER")
        ]
        assert len({person for *_, person in accounts}) == 6  # one person each
        # Same cases, reporters, assignees, authors, applicants, managers, recipients; the
        # people in audit data (an assignment's from/to, a thread line's actor) are ids too.
        ids = {person: uid for *_, uid, person in accounts}
        after = _read(engine, AFTER)
        assert _slack_ids_in_json(after, ids) == data_before
        assert after["events"][2][3] == {"from": None, "to": _person(ids, "UINV1")}
        assert after["events"][3][3] == {"from": "triaged", "to": "investigating"}

        downgrade(engine, before.down_revision)
        assert not {"person", "platform_account"} & table_names(engine)
        assert _read(engine, BEFORE) == data_before
        upgrade(engine)  # and on to the head from there
    finally:
        engine.dispose()
        if pg_name:
            databases.drop_pg_database(pg_name)
