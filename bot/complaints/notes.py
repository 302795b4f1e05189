"""The case thread: the card's thread is the case's room; each human reply there is an
internal case note. Every write is keyed on the front end's key for the message, so a retried
delivery of the same event never stores, edits or deletes twice.

Who may write, edit or delete a note is the policy's "note" rule (investigators and leads),
asked with the ``actor`` the front end resolved. A refusal names the case, and is raised only
in a case's thread: a reply in any other thread is no note, and not refused either.
"""

from __future__ import annotations

from datetime import datetime

import structlog
from sqlalchemy import Select, literal
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot import conversations
from bot.complaints import intake, notices, policy
from bot.db import CommitUncertain, dialect_insert, outage_as_unavailable, transaction
from bot.errors import StoreUnavailable
from bot.outbox import Sent
from bot.permissions import Actor
from bot.text import clean
from models import CaseNote, Complaint, OutboxMessage

log = structlog.get_logger("msbot.complaints.notes")

MAX_NOTE = 40_000  # Slack's own message limit; longer cannot arrive from Slack


# A case as the core's note and relay calls take it: its id, or a one-column SELECT of its id
# that a front end built from where its message lives (bot.conversations.subject_of). The
# SELECT is run inside the core's own statement: a thread reply is stored in one round trip.
CaseKey = int | Select


def case_ids(case: CaseKey) -> Select:
    """A one-column SELECT of the case's id (no row when there is no such case)."""
    if isinstance(case, int):
        return sa_select(Complaint.__table__.c.id).where(Complaint.__table__.c.id == case)
    return case


def case_for(session: Session, case: CaseKey) -> Complaint | None:
    found = session.execute(case_ids(case).limit(1)).scalar()
    return session.get(Complaint, found) if found is not None else None


def remember_card(session: Session, row: OutboxMessage, sent: Sent) -> None:
    """Store where the case's card went, the first time one is posted (a refresh updates that
    same message)."""
    if row.subject_id:
        conversations.remember(session, sent, conversations.CASE_CARD, row, first_only=True)


def _may_note(session: Session, actor: Actor, case: CaseKey) -> bool:
    """Whether ``actor`` may write notes; NotPermitted naming the case when ``case`` is one
    and they may not; False (no case, so nothing to refuse) when it is not. Only a refusal
    costs a query: the policy itself reads no row."""
    if policy.may(actor, "note"):
        return True
    found = case_for(session, case)
    if found is not None:
        raise policy.refusal("note", found)
    return False


def record_note(
    engine: Engine, case: CaseKey, key: str, text: str, now: datetime, *, actor: Actor
) -> CaseNote | None:
    """Store ``actor``'s reply in a case's thread as a note, keyed on the front end's ``key``
    for the message; None when ``case`` names no case. Idempotent.

    The first delivery costs ONE autocommit statement (INSERT ... SELECT from the case whose
    card is this thread ... ON CONFLICT DO NOTHING RETURNING), as deliveries.claim does: thread
    replies arrive in bulk, and a SELECT/INSERT/SELECT transaction missed the p99 target of the
    thread-load benchmark. Only when nothing was inserted (a retry, or not a case thread) does a
    second query tell which. Raises StoreUnavailable when the database can't be reached, and
    NotPermitted (policy "note") in a case's thread when ``actor`` is not on the team.
    """
    if not policy.may(actor, "note"):
        with transaction(engine) as s:
            _may_note(s, actor, case)
        return None
    table = CaseNote.__table__
    values = {
        "source_key": key,
        "author_id": actor.person_id,
        "from_supplier": False,
        "text": clean(text, multiline=True)[:MAX_NOTE],
        "created_at": now,
        "history": [],
    }
    ids = case_ids(case)
    stmt = (
        dialect_insert(engine, table)
        .from_select(
            ["complaint_id", *values],
            ids.add_columns(*(literal(v, type_=table.c[name].type) for name, v in values.items())),
        )
        .on_conflict_do_nothing(index_elements=[table.c.source_key])
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
            sa_select(*table.c).where(
                table.c.source_key == key, table.c.complaint_id.in_(ids.scalar_subquery())
            )
        ).first()
        return CaseNote(**found._mapping) if found is not None else None


def edit_note(
    engine: Engine, case: CaseKey, key: str, text: str, now: datetime, *, actor: Actor
) -> CaseNote | None:
    """Replace a note's text, keeping the earlier text in its history. An edit of a message
    never stored (sent before the card existed) stores it now; the same edit twice is one."""
    text = clean(text, multiline=True)[:MAX_NOTE]
    with transaction(engine) as s:
        note = _by_key(s, key, lock=True)
        if not _may_note(s, actor, note.complaint_id if note is not None else case):
            return None
        if note is None:
            if s.execute(case_ids(case).limit(1)).first() is None:
                return None
        elif note.text == text or note.deleted_at:
            return note
        else:
            note.history = [*note.history, {"text": note.text, "until": now.isoformat()}]
            note.text, note.edited_at = text, now
            s.add(note)
            return note
    return record_note(engine, case, key, text, now, actor=actor)


def delete_note(engine: Engine, key: str, now: datetime, *, actor: Actor) -> CaseNote | None:
    """Mark the note of the front end's message ``key`` deleted (its text stays for the
    audit); a second delete changes nothing. ``actor`` is whose message it was."""
    with transaction(engine) as s:
        note = _by_key(s, key, lock=True)
        if note is not None and note.deleted_at is None:
            _may_note(s, actor, note.complaint_id)
            note.deleted_at = now
            s.add(note)
        return note


def _by_key(session: Session, key: str, *, lock: bool = False) -> CaseNote | None:
    query = select(CaseNote).where(CaseNote.source_key == key)
    if lock:
        query = query.with_for_update()
    return session.exec(query).first()


# Outbox kinds whose sending this module records (bot.bootstrap gives them to the transport).
AFTER_SENT = {intake.TRIAGE_CARD: remember_card, notices.CARD_REFRESH: remember_card}
