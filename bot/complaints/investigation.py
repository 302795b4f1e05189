"""The case service: every investigation action as one transaction, for any front end.

Each function takes the engine and plain values; permission and state checks happen in
lifecycle/permissions, so a second front end gets them for free.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime

import structlog
from sqlalchemy import JSON, String, Text, literal, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot import permissions
from bot.complaints import catalog, intake, lifecycle, notices, sent_hooks  # noqa: F401
from bot.complaints.lookup import case_by_reference
from bot.complaints.views import CaseView, case_view
from bot.db import dialect_insert, outage_as_unavailable, transaction
from bot.errors import DomainError, InvalidTransition, NotFound, ValidationFailed
from bot.permissions import Actor
from bot.references import format_reference, next_sequence
from bot.sla import due_date
from bot.text import clean
from models import CaseLink, CaseNote, Complaint, ComplaintEvent, SupplierRelay

log = structlog.get_logger("msbot.complaints.investigation")

MAX_NOTE = 40_000
SYSTEM = permissions.SYSTEM_ACTOR


class AlreadyAssigned(DomainError):
    def __init__(self, holder_user_id: str):
        super().__init__("Someone else already has this case.")
        self.holder_user_id = holder_user_id


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    actor_user_id: str | None  # None: the supplier or the service (never shown for anonymous)
    text: str


def _locked(session: Session, reference: str) -> Complaint:
    case = case_by_reference(session, reference)
    # Row lock on PostgreSQL so two moves of one case queue up (SQLite locks the database).
    return session.exec(select(Complaint).where(Complaint.id == case.id).with_for_update()).one()


def _view(session: Session, case: Complaint, actor: Actor, now: datetime) -> CaseView:
    session.flush()
    return case_view(session, case.id, actor, today=now.date())


def perform(
    engine: Engine, reference: str, action: str, actor: Actor, now: datetime, **details
) -> CaseView:
    with transaction(engine) as s:
        case = _locked(s, reference)
        lifecycle.apply(s, case, action, actor, now, **details)
        return _view(s, case, actor, now)


def assign(
    engine: Engine,
    reference: str,
    assignee: str,
    actor: Actor,
    now: datetime,
    *,
    only_if_unassigned: bool,
) -> CaseView:
    """Give the case to ``assignee``; with only_if_unassigned one conditional UPDATE decides
    a race, and the loser learns who won (AlreadyAssigned)."""
    with transaction(engine) as s:
        case = case_by_reference(s, reference)
        action = "assign_self" if assignee == actor.user_id else "assign"
        if case.assignee_user_id and case.assignee_user_id != assignee and not only_if_unassigned:
            action = "reassign" if case.assignee_user_id != actor.user_id else action
        permissions.require(actor, action, case)
        if case.status in lifecycle.CLOSED_STATUSES:
            raise InvalidTransition(f"{case.reference} is closed; a lead can reopen it first.")
        if not assignee.startswith(("U", "W")):
            raise ValidationFailed({"assignee": "Choose a person to assign."})
        stmt = update(Complaint).where(Complaint.id == case.id)
        if only_if_unassigned:
            stmt = stmt.where(Complaint.assignee_user_id.is_(None))
        if s.execute(stmt.values(assignee_user_id=assignee)).rowcount == 0:
            s.refresh(case)
            raise AlreadyAssigned(case.assignee_user_id or "someone")
        s.refresh(case)
        s.add(
            ComplaintEvent(
                complaint_id=case.id,
                at=now,
                actor_user_id=actor.user_id,
                kind="assigned",
                data={"assignee": assignee},
            )
        )
        notices.refresh_card(s, case)
        notices.thread_post(s, case, "assigned", actor=actor.user_id, text=assignee)
        return _view(s, case, actor, now)


def case_for_thread(session: Session, channel_id: str, thread_ts: str) -> Complaint | None:
    return session.exec(
        select(Complaint).where(
            Complaint.card_channel_id == channel_id, Complaint.card_ts == thread_ts
        )
    ).first()


def _note_by_source(session: Session, source: str) -> CaseNote | None:
    return session.exec(select(CaseNote).where(CaseNote.source_ts == source)).first()


def record_note(engine, channel_id, thread_ts, message_ts, author, text, now) -> int | None:
    """Store a reply in a case thread as a note, once per message ts; returns its id, or None
    if the thread is no case's or the reply was stored before.

    One INSERT ... SELECT ... ON CONFLICT DO NOTHING in autocommit mode: the thread's case is
    found and the note written in a single round trip, atomic against a concurrent copy of
    the same delivery. Thread replies are the busiest event, and this runs before the ack.
    """
    table = CaseNote.__table__
    found = select(
        Complaint.id,
        literal(message_ts),
        literal(author, String),
        literal(False),
        literal(clean(text, multiline=True)[:MAX_NOTE], Text),
        literal(now, table.c.created_at.type),
        literal([], JSON),
    ).where(Complaint.card_channel_id == channel_id, Complaint.card_ts == thread_ts)
    columns = ["complaint_id", "source_ts", "author_user_id", "from_supplier", "text",
               "created_at", "history"]  # fmt: skip
    stmt = (
        dialect_insert(engine, table)
        .from_select(columns, found)
        .on_conflict_do_nothing(index_elements=[table.c.source_ts])
        .returning(table.c.id)
    )
    autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
    with outage_as_unavailable(), autocommit.connect() as conn:
        return conn.execute(stmt).scalar()


def edit_note(engine, channel_id, thread_ts, message_ts, author, text, now) -> CaseNote | None:
    with transaction(engine) as s:
        if case_for_thread(s, channel_id, thread_ts) is None:
            return None
        note = _note_by_source(s, message_ts)
        if note is None:
            return None
        new = clean(text, multiline=True)[:MAX_NOTE]
        if new != note.text:
            note.history = [*note.history, {"text": note.text, "at": now.isoformat()}]
            note.text, note.edited_at = new, now
        return note


def delete_note(engine, channel_id, thread_ts, message_ts, author, text, now) -> CaseNote | None:
    with transaction(engine) as s:
        if case_for_thread(s, channel_id, thread_ts) is None:
            return None
        note = _note_by_source(s, message_ts)
        if note is not None and note.deleted_at is None:
            note.deleted_at = now
        return note


def tell_supplier(engine: Engine, reference: str, actor: Actor, text: str, now: datetime) -> None:
    body = clean(text, multiline=True)
    if not body:
        raise ValidationFailed({"text": "Write the message to send."})
    with transaction(engine) as s:
        case = _locked(s, reference)
        permissions.require(actor, "tell_supplier", case)
        if not case.reporter_user_id:
            raise InvalidTransition("A spot check has no supplier to message.")
        if case.status in lifecycle.CLOSED_STATUSES:
            raise InvalidTransition(f"{case.reference} is closed; nothing was sent.")
        notices.relay(s, case, body)
        s.add(
            ComplaintEvent(
                complaint_id=case.id,
                at=now,
                actor_user_id=actor.user_id,
                kind="relayed_to_supplier",
                data={"length": len(body)},
            )
        )
        notices.thread_post(s, case, "relayed", actor=actor.user_id, text=body)


def supplier_reply(engine, dm_channel_id, thread_ts, message_ts, user_id, text, now):
    """A supplier's reply in a relay DM's thread: a note on that case, shown in its thread
    as from "the supplier" (never who)."""
    source = f"dm:{dm_channel_id}:{message_ts}"
    try:
        with transaction(engine) as s:
            relay = s.exec(
                select(SupplierRelay).where(
                    SupplierRelay.dm_channel_id == dm_channel_id, SupplierRelay.ts == thread_ts
                )
            ).first()
            if relay is None or _note_by_source(s, source):
                return None
            case = s.get(Complaint, relay.complaint_id)
            if case.reporter_user_id != user_id:
                return None
            body = clean(text, multiline=True)[:MAX_NOTE]
            s.add(
                CaseNote(
                    complaint_id=case.id,
                    source_ts=source,
                    author_user_id=None,
                    from_supplier=True,
                    text=body,
                    created_at=now,
                )
            )
            s.add(
                ComplaintEvent(
                    complaint_id=case.id,
                    at=now,
                    actor_user_id=None,
                    kind="supplier_replied",
                    data={},
                )
            )
            notices.thread_post(s, case, "supplier_replied", text=body)
            if case.status == "awaiting_supplier":
                lifecycle.apply(s, case, "supplier_replied", SYSTEM, now)
            return case.reference
    except IntegrityError:
        return None


def reveal(engine: Engine, reference: str, actor: Actor, now: datetime) -> str:
    with transaction(engine) as s:
        case = case_by_reference(s, reference)
        permissions.require(actor, "reveal", case)
        if not case.reporter_user_id:
            raise NotFound("A spot check was raised by the team; there is nobody to reveal.")
        s.add(
            ComplaintEvent(
                complaint_id=case.id, at=now, actor_user_id=actor.user_id, kind="revealed", data={}
            )
        )
        notices.thread_post(s, case, "revealed", actor=actor.user_id)
        return case.reporter_user_id


def _pair(session: Session, ref_a: str, ref_b: str) -> tuple[Complaint, Complaint]:
    a, b = case_by_reference(session, ref_a), case_by_reference(session, ref_b)
    if a.id == b.id:
        raise ValidationFailed({"reference": "A case can't be linked to itself."})
    return a, b


def link(engine, ref_a, ref_b, actor, now, *, automatic=False) -> None:
    with transaction(engine) as s:
        a, b = _pair(s, ref_a, ref_b)
        permissions.require(actor, "link", a)
        low, high = sorted((a.id, b.id))
        if s.exec(select(CaseLink).where(CaseLink.low_id == low, CaseLink.high_id == high)).first():
            return
        s.add(CaseLink(low_id=low, high_id=high, created_by=actor.user_id, automatic=automatic))
        for case, other in ((a, b), (b, a)):
            s.add(
                ComplaintEvent(
                    complaint_id=case.id,
                    at=now,
                    actor_user_id=actor.user_id,
                    kind="linked",
                    data={"other": other.reference},
                )
            )
            notices.refresh_card(s, case)
            notices.thread_post(s, case, "linked", actor=actor.user_id, reference=other.reference)


def unlink(engine, ref_a, ref_b, actor, now) -> None:
    with transaction(engine) as s:
        a, b = _pair(s, ref_a, ref_b)
        permissions.require(actor, "link", a)
        low, high = sorted((a.id, b.id))
        found = s.exec(
            select(CaseLink).where(CaseLink.low_id == low, CaseLink.high_id == high)
        ).first()
        if found is None:
            raise NotFound(f"{a.reference} and {b.reference} are not linked.")
        s.delete(found)
        for case, other in ((a, b), (b, a)):
            s.add(
                ComplaintEvent(
                    complaint_id=case.id,
                    at=now,
                    actor_user_id=actor.user_id,
                    kind="unlinked",
                    data={"other": other.reference},
                )
            )
            notices.refresh_card(s, case)
            notices.thread_post(s, case, "unlinked", actor=actor.user_id, reference=other.reference)


def open_spot_check(engine, form, actor: Actor, today: date, policy) -> intake.Submission:
    """A case the team opens itself: no supplier, otherwise the same as a complaint."""
    permissions.require(actor, "spotcheck", None)
    values = intake.validate(
        dataclasses.replace(form, organisation_name="Spot check", organisation_type="other"),
        today,
    )
    values.update(organisation_name="", organisation_type="other", anonymous=False)
    months = (
        policy.sla_central_months
        if values["authority_kind"] == "central"
        else policy.sla_wider_months
    )
    with transaction(engine) as s:
        seq = next_sequence(s, intake.REFERENCE_PREFIX, today.year)
    with transaction(engine) as s:
        case = Complaint(
            status="received",
            kind="spot_check",
            reporter_user_id=None,
            received_on=today,
            due_date=due_date(today, months),
            year=today.year,
            seq=seq,
            reference=format_reference(intake.REFERENCE_PREFIX, today.year, seq),
            **values,
        )
        s.add(case)
        s.flush()
        s.add(
            ComplaintEvent(
                complaint_id=case.id,
                actor_user_id=actor.user_id,
                kind="received",
                data={"status": "received", "kind": "spot_check"},
            )
        )
        from bot import outbox

        card = outbox.enqueue(
            s, intake.TRIAGE_CARD, subject_id=case.id, channel_id=policy.triage_channel_id
        )
        s.flush()
        return intake.Submission(case, created=True, notification_ids=(card.id,))


def withdraw(engine: Engine, reference: str, user_id: str, reason: str, now: datetime) -> Complaint:
    with transaction(engine) as s:
        case = intake.case_for_reporter(s, user_id, reference)
        case = _locked(s, case.reference)
        lifecycle.apply(s, case, "withdraw", Actor(user_id, frozenset()), now, reason=reason)
        return case


def timeline(session: Session, reference: str, actor: Actor) -> list[TimelineEntry]:
    case = case_by_reference(session, reference)
    permissions.require(actor, "timeline", case)
    entries = []
    for e in session.exec(select(ComplaintEvent).where(ComplaintEvent.complaint_id == case.id)):
        who = (
            None
            if e.kind == "received" or e.actor_user_id == case.reporter_user_id
            else e.actor_user_id
        )
        entries.append(TimelineEntry(e.at, who, _event_text(e)))
    for n in session.exec(select(CaseNote).where(CaseNote.complaint_id == case.id)):
        if n.deleted_at is None:
            prefix = "The supplier wrote" if n.from_supplier else "Note"
            entries.append(TimelineEntry(n.created_at, n.author_user_id, f"{prefix}: {n.text}"))
    return sorted(entries, key=lambda e: e.at.replace(tzinfo=None))


def _event_text(e: ComplaintEvent) -> str:
    d = e.data or {}
    if e.kind == "transition":
        to = catalog.STATUS_LABELS.get(d.get("to"), d.get("to"))
        return f"{d.get('action', '').replace('_', ' ')}: now {to}"
    if e.kind == "received":
        return "Spot check opened" if d.get("kind") == "spot_check" else "Complaint received"
    if e.kind in ("linked", "unlinked"):
        return f"{e.kind} {d.get('other', '')}"
    return e.kind.replace("_", " ")
