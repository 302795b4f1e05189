"""What a submission and a queued message cost the database, bounded so the gain made for
bursts (issue 13 item 2) cannot silently rot: a complaint is stored in a handful of statements
whatever the backend, and an outbox drain waiting on a paced channel does not poll it."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import date, timedelta

from sqlalchemy import event, update

from bot import outbox
from bot.complaints import intake
from bot.db import deadline, transaction
from bot.permissions import Actor
from handlers.slack.complaints.form import read_form
from models import Complaint, ComplaintEvent, OutboxMessage
from models.base import utcnow
from tests import forms
from tests.conftest import rows

TODAY = date(2026, 11, 20)
POLICY = intake.IntakePolicy()
# A first delivery: (SET LOCAL statement_timeout | BEGIN IMMEDIATE), the repeat check, the
# reference counter, the case, its audit event, both notifications (one INSERT on PostgreSQL,
# two on SQLite), and the related-case lookup: 7 on PostgreSQL, 8 on SQLite. One spare each,
# for the related-case work being reshaped (issue 13 item 1).
MAX_STATEMENTS_PER_SUBMISSION = {"postgresql": 8, "sqlite": 9}
# A repeated delivery: the repeat check and loading the case stored the first time.
MAX_STATEMENTS_PER_REPEAT = 3
# Per message posted by a drain: claim (heads, paced, candidate, update), render, record,
# and working out when the next one is due.
MAX_STATEMENTS_PER_MESSAGE = 16
# A sender that finds nothing to claim (and another sender already waiting) just returns.
MAX_STATEMENTS_PER_IDLE_SENDER = 5
SENDERS = 4


@contextmanager
def counted(engine, only_this_thread: bool = True):
    """Count the statements sent on ``engine`` (by this thread only, unless told)."""
    me = threading.get_ident()
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if not only_this_thread or threading.get_ident() == me:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


# Unrelated procurements: the related-case lookup finds nothing to link.
TITLES = ("School meals", "Highways", "Legal panel", "Fleet leasing", "Cleaning", "Translation")


def _form(i: int, **overrides):
    values = forms.complaint(
        procurement_title=forms.text(TITLES[i]),
        procurement_reference=forms.text(f"REF-{i}"),
        **overrides,
    )
    return read_form({"state": {"values": values}})


def _submit(engine, i: int, key: str, **overrides):
    # Under a deadline as the listener runs it (PostgreSQL then adds its SET LOCAL), a
    # generous one: this counts statements, it does not time them.
    with deadline(60):
        return intake.submit(
            engine,
            _form(i, **overrides),
            actor=Actor(f"U{i:04d}"),
            submission_key=key,
            today=TODAY,
            policy=POLICY,
        )


def test_a_submission_is_stored_in_a_bounded_number_of_statements(engine, session):
    _submit(engine, 0, "V-warm")  # the counter row exists from here on, as in production
    for i in range(1, 6):
        with counted(engine) as statements:
            result = _submit(engine, i, f"V-{i}", anonymous=forms.checked(i % 2 == 0))
        assert result.created
        assert len(statements) <= MAX_STATEMENTS_PER_SUBMISSION[engine.dialect.name], statements

    # Everything a submission promises is still there, in full: case, audit event, DM, card.
    cases = rows(session, Complaint)
    assert [c.reference for c in cases] == [f"MS-2026-{n:04d}" for n in range(1, 7)]
    assert [c.anonymous for c in cases[1:]] == [False, True, False, True, False]
    assert all(c.due_date == date(2027, 2, 22) and c.created_at for c in cases)
    events = rows(session, ComplaintEvent)
    assert [(e.complaint_id, e.kind) for e in events] == [(c.id, "received") for c in cases]
    assert events[2].data == {"status": "received", "anonymous": True}
    queued = rows(session, OutboxMessage)
    assert [(m.kind, m.subject_id, m.recipient_user_id, m.recipient_role) for m in queued] == [
        pair
        for n, c in enumerate(cases)
        for pair in (
            (intake.RECEIVED_DM, c.id, f"U{n:04d}", None),
            (intake.TRIAGE_CARD, c.id, None, outbox.TRIAGE_ROLE),
        )
    ]
    assert all(m.status == "pending" and m.data == {} for m in queued)
    assert result.notification_ids == tuple(m.id for m in queued[-2:])


def test_a_repeated_delivery_returns_the_first_case_in_a_few_statements(engine, session):
    first = _submit(engine, 1, "V-same")
    with counted(engine) as statements:
        again = _submit(engine, 1, "V-same")
    assert not again.created and again.complaint.reference == first.complaint.reference
    assert len(statements) <= MAX_STATEMENTS_PER_REPEAT, statements
    assert len(rows(session, Complaint)) == 1 and len(rows(session, OutboxMessage)) == 2


class _Noted:
    """A transport that renders nothing and posts instantly (counts only the outbox's own
    statements)."""

    platform = "test"

    def __init__(self):
        self.posted: list[int] = []

    def render(self, session, msg):
        return msg.id

    def deliver(self, msg, rendered):
        self.posted.append(rendered)
        return outbox.Sent("test", msg.recipient_role or "D1", f"1700000000.{rendered:06d}")


def test_a_drain_waiting_on_a_paced_channel_does_not_poll_the_database(engine, session):
    with transaction(engine) as s:
        ids = outbox.enqueue_new(
            s, [outbox.NewMessage("test.note", role=outbox.TRIAGE_ROLE) for _ in range(4)]
        )
    transport = _Noted()
    with counted(engine, only_this_thread=False) as statements:
        sent = outbox.drain(engine, transport, senders=SENDERS, pace=0.3)
    assert sent == 4 and transport.posted == list(ids)
    # Four messages paced 0.3 s apart keep the drain busy about a second: polling every few
    # milliseconds per sender, as it once did, would run hundreds of statements.
    bound = MAX_STATEMENTS_PER_MESSAGE * len(ids) + MAX_STATEMENTS_PER_IDLE_SENDER * SENDERS
    assert len(statements) <= bound, "\n".join(s[:60].replace("\n", " ") for s in statements)
    assert {m.status for m in rows(session, OutboxMessage)} == {"sent"}


def test_a_claim_finds_a_due_row_behind_more_heads_than_it_first_reads(engine, session):
    """A claim first reads only the oldest heads (outbox.HEADS_PER_CLAIM): when none of them
    is due, it must still find the due ones further on."""
    later = outbox.HEADS_PER_CLAIM + 3
    with transaction(engine) as s:
        ids = outbox.enqueue_new(
            s, [outbox.NewMessage("test.note", user_id=f"U{i:04d}") for i in range(later + 2)]
        )
        s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids[:later]))
            .values(next_attempt_at=utcnow() + timedelta(hours=1))
        )
    transport = _Noted()
    assert outbox.drain(engine, transport, senders=2) == 2
    assert sorted(transport.posted) == list(ids[later:])
    pending = [m.id for m in rows(session, OutboxMessage) if m.status == "pending"]
    assert pending == list(ids[:later])
