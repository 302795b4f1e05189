"""Migration 0012 on a populated database (both backends): cards and relayed DMs move off the
case into posted_message, the outbox's channels become roles, notes keep their keys; the app
then finds cases from their threads; the downgrade puts everything back."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy import text

from bot import conversations
from bot.complaints import investigation
from bot.db import make_engine
from bot.migrate import current_revision, downgrade, head_revision, upgrade
from bot.permissions import INVESTIGATOR, Actor
from tests import databases
from tests.people_ids import in_database
from tests.reports_fixture import add_case

NOW = datetime(2026, 11, 20, 9, tzinfo=UTC)
CARD_A, CARD_B = "1700000000.000100", "1700000000.000200"
RELAY_1, RELAY_2 = "1700000001.000100", "1700000001.000200"


@pytest.fixture(params=["sqlite", "postgresql"])
def old_engine(request, tmp_path):
    """A fresh database at 0011, the revision before this one."""
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
    upgrade(engine, "0011")
    yield engine
    engine.dispose()
    if name:
        databases.drop_pg_database(name)


def run(engine, sql: str, **params) -> None:
    with engine.begin() as conn:
        conn.execute(text(sql), params)


def fetch(engine, sql: str, **params) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), params)]


def outbox_row(
    engine, kind, *, subject=None, user=None, channel=None, data="{}", status="pending", **sent
):
    columns = "kind, subject_id, recipient_user_id, recipient_channel_id, data, status, "
    columns += "attempts, lookup_failures, next_attempt_at, created_at, sent_channel_id, sent_ts"
    run(
        engine,
        f"INSERT INTO outbox_message ({columns}) VALUES (:kind, :subject, :user, :channel, "
        ":data, :status, 0, 0, :now, :now, :sent_channel, :sent_ts)",
        kind=kind,
        subject=subject,
        user=user,
        channel=channel,
        data=data,
        status=status,
        now=NOW,
        sent_channel=sent.get("sent_channel"),
        sent_ts=sent.get("sent_ts"),
    )


def populate(engine) -> tuple[int, int, int]:
    """As the old code left a database: two cases with cards (one with two relays, a note, an
    event and a link to the other), a case whose card is not posted yet, and outbox rows of
    every shape."""
    a, b, c = (add_case(engine, status="investigating") for _ in range(3))
    for case, ts in ((a, CARD_A), (b, CARD_B)):
        run(
            engine,
            "UPDATE complaint SET card_channel_id = 'CTRIAGE1', card_ts = :ts WHERE id = :id",
            ts=ts,
            id=case,
        )
    for n, ts in enumerate((RELAY_1, RELAY_2)):
        run(
            engine,
            "INSERT INTO supplier_relay (complaint_id, outbox_message_id, dm_channel_id, ts, "
            "created_at) VALUES (:a, :n, 'DUREPORTER', :ts, :now)",
            a=a,
            n=100 + n,
            ts=ts,
            now=NOW,
        )
    run(
        engine,
        "INSERT INTO case_note (complaint_id, source_ts, author_user_id, from_supplier, text, "
        "created_at, history) VALUES (:a, :key, 'UINV1', false, 'Rang them', :now, '[]')",
        a=a,
        key=f"CTRIAGE1/{CARD_A}9",
        now=NOW,
    )
    run(
        engine,
        "INSERT INTO complaint_event (complaint_id, at, kind, data) VALUES (:a, :now, 'x', '{}')",
        a=a,
        now=NOW,
    )
    run(
        engine,
        "INSERT INTO case_link (low_id, high_id, created_at, automatic) "
        "VALUES (:a, :b, :now, false)",
        a=a,
        b=b,
        now=NOW,
    )
    outbox_row(
        engine,
        "complaint.triage_card",
        subject=a,
        channel="CTRIAGE1",
        status="sent",
        sent_channel="CTRIAGE1",
        sent_ts=CARD_A,
    )
    outbox_row(
        engine, "complaint.thread.post", subject=b, channel="CTRIAGE1", data='{"event": "linked"}'
    )
    outbox_row(engine, "complaint.triage_card", subject=c, channel="CTRIAGE1")
    outbox_row(engine, "jobs.digest", channel="CLEADS1")
    outbox_row(engine, "complaint.supplier.update", user="UREPORTER")
    outbox_row(
        engine,
        "shadow.offer",
        user="UHOST1",
        channel="DUHOST1",
        data='{"side": "host", "update_ts": "1700000003.000100"}',
    )
    return a, b, c


def outbox_rows(engine, to: str) -> list[tuple]:
    """(kind, person, ``to`` column, data) of every outbox row, in order."""
    found = fetch(
        engine, f"SELECT kind, recipient_user_id, {to}, data FROM outbox_message ORDER BY id"
    )
    return [(kind, user, where, as_dict(data)) for kind, user, where, data in found]


def as_dict(value) -> dict:
    return json.loads(value) if isinstance(value, str) else dict(value)


def test_0012_moves_anchors_and_addresses_then_back(old_engine, monkeypatch):
    engine = old_engine
    a, b, c = populate(engine)
    upgrade(engine, "0012")
    assert current_revision(engine) == "0012"

    posted = fetch(
        engine,
        "SELECT platform, conversation_id, message_id, about, subject_id, outbox_message_id "
        "FROM posted_message ORDER BY id",
    )
    assert posted == [
        ("slack", "CTRIAGE1", CARD_A, conversations.CASE_CARD, a, None),
        ("slack", "CTRIAGE1", CARD_B, conversations.CASE_CARD, b, None),
        ("slack", "DUREPORTER", RELAY_1, conversations.SUPPLIER_RELAY, a, 100),
        ("slack", "DUREPORTER", RELAY_2, conversations.SUPPLIER_RELAY, a, 101),
    ]
    columns = {
        table: {col["name"] for col in sa.inspect(engine).get_columns(table)}
        for table in ("complaint", "outbox_message", "case_note")
    }
    assert not {"card_channel_id", "card_ts"} & columns["complaint"]
    assert not {"recipient_channel_id", "sent_channel_id", "sent_ts"} & columns["outbox_message"]
    assert "source_key" in columns["case_note"] and "source_ts" not in columns["case_note"]
    assert "supplier_relay" not in sa.inspect(engine).get_table_names()
    moved = outbox_rows(engine, "recipient_role")
    assert moved == [
        ("complaint.triage_card", None, "triage", {}),
        ("complaint.thread.post", None, "triage", {"event": "linked"}),
        ("complaint.triage_card", None, "triage", {}),
        ("jobs.digest", None, "leads", {}),
        ("complaint.supplier.update", "UREPORTER", None, {}),
        (
            "shadow.offer",
            "UHOST1",
            None,
            {
                "side": "host",
                "update_message": "1700000003.000100",
                "update_conversation": "DUHOST1",
            },
        ),
    ]
    # Every reference survived the rebuild, and (on SQLite) is enforced again.
    assert fetch(engine, "SELECT count(*) FROM complaint_event WHERE complaint_id = :a", a=a) == [
        (1,)
    ]
    assert fetch(engine, "SELECT low_id, high_id FROM case_link") == [(a, b)]
    if engine.dialect.name == "sqlite":
        assert fetch(engine, "PRAGMA foreign_key_check") == []
        assert fetch(engine, "PRAGMA foreign_keys") == [(1,)]

    # The app (at the head: the people migration, 0013, comes next) finds the cases from
    # their threads: a retried old note is the same note, a new reply lands in its case, a
    # supplier's answer in a relay thread reaches theirs.
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    investigator = Actor(in_database(engine, "UINV1"), frozenset({INVESTIGATOR}))
    reporter = Actor(in_database(engine, "UREPORTER"))
    thread_a = conversations.subject_of("slack", "CTRIAGE1", CARD_A, conversations.CASE_CARD)
    again = investigation.record_note(
        engine, thread_a, f"CTRIAGE1/{CARD_A}9", "x", NOW, actor=investigator
    )
    assert (again.complaint_id, again.text) == (a, "Rang them")
    new = investigation.record_note(
        engine, thread_a, "CTRIAGE1/1.5", "Later", NOW, actor=investigator
    )
    assert new.complaint_id == a
    relay = conversations.subject_of("slack", "DUREPORTER", RELAY_2, conversations.SUPPLIER_RELAY)
    reply = investigation.supplier_reply(engine, relay, "DUREPORTER/1.6", "Hi", NOW, actor=reporter)
    assert reply.complaint_id == a and reply.from_supplier

    monkeypatch.setenv("LEADS_CHANNEL_ID", "CLEADS1")
    downgrade(engine, "0011")
    assert current_revision(engine) == "0011"
    cards = fetch(engine, "SELECT id, card_channel_id, card_ts FROM complaint ORDER BY id")
    assert cards == [(a, "CTRIAGE1", CARD_A), (b, "CTRIAGE1", CARD_B), (c, None, None)]
    relays = fetch(
        engine,
        "SELECT complaint_id, outbox_message_id, dm_channel_id, ts FROM supplier_relay ORDER BY id",
    )
    assert relays == [(a, 100, "DUREPORTER", RELAY_1), (a, 101, "DUREPORTER", RELAY_2)]
    back = outbox_rows(engine, "recipient_channel_id")
    assert back[:5] == [
        ("complaint.triage_card", None, "CTRIAGE1", {}),  # its card's channel
        ("complaint.thread.post", None, "CTRIAGE1", {"event": "linked"}),
        ("complaint.triage_card", None, None, {}),  # no card, no channel configured: ...
        ("jobs.digest", None, "CLEADS1", {}),  # the channel configured for the role
        ("complaint.supplier.update", "UREPORTER", None, {}),
    ]
    dead = fetch(engine, "SELECT status, last_error FROM outbox_message WHERE subject_id = :c", c=c)
    assert dead == [("dead", "downgrade: no channel for role triage")]  # ... kept, to revive
    assert back[5] == (
        "shadow.offer",
        "UHOST1",
        "DUHOST1",
        {"side": "host", "update_ts": "1700000003.000100"},
    )
    notes = fetch(engine, "SELECT source_ts FROM case_note ORDER BY id")
    assert notes == [(f"CTRIAGE1/{CARD_A}9",), ("CTRIAGE1/1.5",), ("DUREPORTER/1.6",)]
    if engine.dialect.name == "sqlite":
        assert fetch(engine, "PRAGMA foreign_key_check") == []
    upgrade(engine)  # and forward again
    assert len(fetch(engine, "SELECT id FROM posted_message")) == 4
