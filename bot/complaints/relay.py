"""Keeping the supplier informed, anonymously when they chose.

An investigator's message goes to the supplier by DM; the supplier's reply in that DM's thread
comes back into the case thread as a note "from the supplier", never naming them. Only a lead
can reveal who raised an anonymous complaint: privately, and as an audit event that does not
carry the identity.
"""

from __future__ import annotations

from datetime import datetime

import structlog
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot import conversations, permissions
from bot.complaints import lifecycle, notes, notices, policy
from bot.complaints.cases import by_reference, locked
from bot.db import dialect_insert, transaction
from bot.errors import InvalidTransition, ValidationFailed
from bot.outbox import Sent
from bot.text import clean
from models import CaseNote, ComplaintEvent, OutboxMessage

log = structlog.get_logger("msbot.complaints.relay")

MAX_RELAY = 3000


def tell_supplier(
    engine: Engine,
    reference: str,
    actor: permissions.Actor,
    text: str,
    now: datetime,
    *,
    await_reply: bool = False,
) -> OutboxMessage:
    """Queue ``text`` to the supplier by DM; their reply in its thread returns to the case.
    ``await_reply`` also moves an investigating case to awaiting_supplier (a question)."""
    body = clean(text, multiline=True)
    if not body:
        raise ValidationFailed({"text": "Write the message to send to the supplier."})
    if len(body) > MAX_RELAY:
        raise ValidationFailed({"text": f"Please keep this under {MAX_RELAY} characters."})
    with transaction(engine) as s:
        case = locked(s, reference)
        policy.require(actor, "tell_supplier", case)
        if not case.reporter_id:
            raise InvalidTransition(f"{case.reference} is a spot check: there is no supplier.")
        if case.status not in lifecycle.OPEN_STATUSES:
            raise InvalidTransition(
                f"{case.reference} is {case.status.replace('_', ' ')}: reopen it first."
            )
        msg = notices.relay(s, case, body)
        s.add(
            ComplaintEvent(
                complaint_id=case.id,
                at=now,
                actor_id=actor.person_id,
                kind="relayed_to_supplier",
                data={"text": body},
            )
        )
        notices.thread_post(s, case, "relayed", actor=actor.person_id, text=body)
        if await_reply and case.status == "investigating":
            lifecycle.apply(s, case, "ask_supplier", actor, now)
        s.flush()
    log.info("complaint.relayed_to_supplier", case_ref=case.reference, by=actor.person_id)
    return msg


def remember_relay(session: Session, row: OutboxMessage, sent: Sent) -> None:
    """The relay DM is the thread a reply must be in to reach this case."""
    if row.subject_id:
        conversations.remember(session, sent, conversations.SUPPLIER_RELAY, row)


def supplier_reply(
    engine: Engine,
    case_key: notes.CaseKey,
    key: str,
    text: str,
    now: datetime,
    *,
    actor: permissions.Actor,
) -> CaseNote | None:
    """Store the supplier's reply (the front end's message ``key``) as a note of the case
    whose relayed message it answers, and post it in the case thread without naming them.
    None if ``case_key`` is no relayed message or the reply is empty; NotPermitted (policy
    "supplier_reply") if ``actor`` did not raise that case, naming no case: whoever is told
    must not learn which one it is. A case waiting for the supplier goes back to
    investigating."""
    body = clean(text, multiline=True)[: notes.MAX_NOTE]
    with transaction(engine) as s:
        case = notes.case_for(s, case_key)
        if case is None or not body:
            return None
        if not policy.may(actor, "supplier_reply", case):
            raise policy.refusal("supplier_reply")
        s.refresh(case, with_for_update=True)
        table = CaseNote.__table__
        # RETURNING, not rowcount: with psycopg an INSERT here reports rowcount -1.
        inserted = s.execute(
            dialect_insert(engine, table)
            .values(
                complaint_id=case.id,
                source_key=key,
                author_id=None,
                from_supplier=True,
                text=body,
                created_at=now,
                history=[],
            )
            .on_conflict_do_nothing(index_elements=[table.c.source_key])
            .returning(table.c.id)
        ).first()
        note = s.exec(select(CaseNote).where(CaseNote.source_key == key)).one()
        if not inserted:
            return note  # a retried delivery: stored and posted the first time
        # The supplier is never the actor of a case event: the event stays identity-free.
        s.add(
            ComplaintEvent(
                complaint_id=case.id, at=now, kind="supplier_replied", data={"note_id": note.id}
            )
        )
        notices.thread_post(s, case, "supplier_replied", text=body)
        if case.status == "awaiting_supplier":
            lifecycle.apply(s, case, "supplier_replied", permissions.SYSTEM_ACTOR, now)
    log.info("complaint.supplier_replied", case_ref=case.reference)  # never with the user
    return note


def reveal(engine: Engine, reference: str, actor: permissions.Actor, now: datetime) -> str:
    """Who raised the case, for a lead's eyes only: audited (without the identity) and noted
    in the case thread (without the identity)."""
    with transaction(engine) as s:
        case = by_reference(s, reference)
        policy.require(actor, "reveal", case)
        if not case.reporter_id:
            raise InvalidTransition(f"{case.reference} is a spot check: nobody raised it.")
        record_reveal(s, case, actor, now)
        who = case.reporter_id
    log.info("complaint.revealed", case_ref=case.reference, by=actor.person_id)
    return who


def record_reveal(session: Session, case, actor: permissions.Actor, now: datetime) -> None:
    """The audit of a lead learning who raised ``case`` (here, or in a subject-access export):
    an event naming the lead, never the filer, and a thread line saying a reveal happened."""
    session.add(
        ComplaintEvent(
            complaint_id=case.id, at=now, actor_id=actor.person_id, kind="revealed", data={}
        )
    )
    notices.thread_post(session, case, "revealed", actor=actor.person_id)


# Outbox kinds whose sending this module records (bot.bootstrap gives them to the transport).
AFTER_SENT = {notices.SUPPLIER_RELAY: remember_relay}
