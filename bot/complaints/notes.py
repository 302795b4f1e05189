"""The case thread: the triage card's thread is the case's room; each human reply there is an
internal case note. Every write is keyed on the Slack message, so a retried delivery of the same
event never stores, edits or deletes twice.
"""

from __future__ import annotations

from datetime import datetime

import structlog
from sqlalchemy import literal
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.complaints import intake, notices
from bot.db import CommitUncertain, dialect_insert, outage_as_unavailable, transaction
from bot.errors import StoreUnavailable
from bot.text import clean
from models import CaseNote, Complaint, OutboxMessage

log = structlog.get_logger("msbot.complaints.notes")

MAX_NOTE = 40_000  # Slack's own message limit; longer cannot arrive


def source_key(channel_id: str, message_ts: str) -> str:
    """A message ts is unique only within its channel; the key is unique everywhere."""
    return f"{channel_id}/{message_ts}"


def case_for_thread(session: Session, channel_id: str, thread_ts: str | None) -> Complaint | None:
    if not thread_ts:
        return None
    return session.exec(
        select(Complaint).where(
            Complaint.card_channel_id == channel_id, Complaint.card_ts == thread_ts
        )
    ).first()


def remember_card(session: Session, row: OutboxMessage) -> None:
    """Store where the case's card went, the first time one is posted (a refresh posts the
    card when there is none yet); later refreshes update that same message."""
    case = session.get(Complaint, row.subject_id) if row.subject_id else None
    if case is not None and case.card_ts is None and row.sent_ts:
        case.card_channel_id, case.card_ts = row.sent_channel_id, row.sent_ts
        session.add(case)


def record_note(
    engine: Engine,
    channel_id: str,
    thread_ts: str | None,
    message_ts: str,
    author: str,
    text: str,
    now: datetime,
) -> CaseNote | None:
    """Store a reply in a case thread; None when the thread is not a case's. Idempotent.

    The first delivery costs ONE autocommit statement (INSERT ... SELECT from the case whose
    card is this thread ... ON CONFLICT DO NOTHING RETURNING), as deliveries.claim does: thread
    replies arrive in bulk, and a SELECT/INSERT/SELECT transaction missed the p99 target of the
    thread-load benchmark. Only when nothing was inserted (a retry, or not a case thread) does a
    second query tell which. Raises StoreUnavailable when the database can't be reached.
    """
    if not thread_ts:
        return None
    key = source_key(channel_id, message_ts)
    table = CaseNote.__table__
    values = {
        "source_ts": key,
        "author_user_id": author,
        "from_supplier": False,
        "text": clean(text, multiline=True)[:MAX_NOTE],
        "created_at": now,
        "history": [],
    }
    case = Complaint.__table__
    stmt = (
        dialect_insert(engine, table)
        .from_select(
            ["complaint_id", *values],
            sa_select(
                case.c.id,
                *(literal(v, type_=table.c[name].type) for name, v in values.items()),
            ).where(case.c.card_channel_id == channel_id, case.c.card_ts == thread_ts),
        )
        .on_conflict_do_nothing(index_elements=[table.c.source_ts])
        .returning(*table.c)
    )
    autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
    with outage_as_unavailable(), autocommit.connect() as conn:
        try:
            with outage_as_unavailable():
                row = conn.execute(stmt).first()
        except StoreUnavailable as exc:
            # The statement went out (it is its own COMMIT) and no answer came back: it may
            # yet be applied. Not "nothing was saved".
            raise CommitUncertain("The database did not confirm the note.") from exc
        if row is not None:
            return CaseNote(**row._mapping)
        # Nothing inserted: a retried delivery (the note exists) or not a case thread.
        found = conn.execute(
            sa_select(*table.c)
            .join(case, case.c.id == table.c.complaint_id)
            .where(table.c.source_ts == key)
            .where(case.c.card_channel_id == channel_id, case.c.card_ts == thread_ts)
        ).first()
        return CaseNote(**found._mapping) if found is not None else None


def edit_note(
    engine: Engine,
    channel_id: str,
    thread_ts: str | None,
    message_ts: str,
    author: str,
    text: str,
    now: datetime,
) -> CaseNote | None:
    """Replace a note's text, keeping the earlier text in its history. An edit of a message
    never stored (sent before the card existed) stores it now; the same edit twice is one."""
    text = clean(text, multiline=True)[:MAX_NOTE]
    key = source_key(channel_id, message_ts)
    with transaction(engine) as s:
        note = _by_key(s, key, lock=True)
        if note is None:
            if case_for_thread(s, channel_id, thread_ts) is None:
                return None
        elif note.text == text or note.deleted_at:
            return note
        else:
            note.history = [*note.history, {"text": note.text, "until": now.isoformat()}]
            note.text, note.edited_at = text, now
            s.add(note)
            return note
    return record_note(engine, channel_id, thread_ts, message_ts, author, text, now)


def delete_note(
    engine: Engine,
    channel_id: str,
    thread_ts: str | None,
    message_ts: str,
    author: str | None,
    text: str | None,
    now: datetime,
) -> CaseNote | None:
    """Mark a note deleted (its text stays for the audit); a second delete changes nothing."""
    with transaction(engine) as s:
        note = _by_key(s, source_key(channel_id, message_ts), lock=True)
        if note is not None and note.deleted_at is None:
            note.deleted_at = now
            s.add(note)
        return note


def _by_key(session: Session, key: str, *, lock: bool = False) -> CaseNote | None:
    query = select(CaseNote).where(CaseNote.source_ts == key)
    if lock:
        query = query.with_for_update()
    return session.exec(query).first()


# Outbox kinds whose sending this module records (bot.bootstrap gives them to the transport).
AFTER_SENT = {intake.TRIAGE_CARD: remember_card, notices.CARD_REFRESH: remember_card}
