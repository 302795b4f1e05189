"""The case service front ends call: each function takes an Engine and plain values, runs one
transaction, and raises a DomainError (NotFound, NotPermitted, InvalidTransition,
ValidationFailed, AlreadyAssigned, StoreUnavailable) whose message is safe to show.

Notes, the supplier relay and spot checks live in their own modules and are re-exported here,
so ``investigation`` is the one import a front end needs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time

import structlog
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot import people, permissions
from bot.clock import UK
from bot.complaints import catalog, intake, lifecycle, notices, policy, related, views
from bot.complaints.cases import add_event, by_reference, locked
from bot.complaints.notes import case_for, delete_note, edit_note, record_note
from bot.complaints.relay import reveal, supplier_reply, tell_supplier
from bot.complaints.spotcheck import open_spot_check
from bot.db import transaction
from bot.errors import DomainError, InvalidTransition, ValidationFailed
from models import CaseNote, Complaint, ComplaintEvent

__all__ = [
    "AlreadyAssigned",
    "TimelineEntry",
    "assign",
    "case_for",
    "delete_note",
    "due_follow_ups",
    "edit_note",
    "form_case",
    "link",
    "move_for",
    "move_to",
    "open_spot_check",
    "perform",
    "record_follow_up",
    "record_note",
    "reveal",
    "supplier_reply",
    "tell_supplier",
    "timeline",
    "timeline_people",
    "unlink",
    "withdraw",
]

log = structlog.get_logger("msbot.complaints.investigation")


# Codes of the refusals below, for front ends that word them and name the person themselves.
ALREADY_ASSIGNED = "already_assigned"
NOT_ON_TEAM = "not_on_team"


class AlreadyAssigned(DomainError):
    """Someone else got there first; ``people`` is (the holder,)."""

    code = ALREADY_ASSIGNED

    def __init__(self, holder_user_id: str, reference: str = ""):
        super().__init__(
            "Someone else already has this case.",
            people=(holder_user_id,),
            cases=(reference,) if reference else (),
        )
        self.holder_user_id = holder_user_id


def _view(session: Session, case: Complaint, actor: permissions.Actor, now: datetime, refresh=None):
    """The case as ``actor`` sees it after the change; ``refresh``: the card refresh the change
    queued, named on the view so a front end can draw that refresh from it."""
    session.flush()
    view = views.build_many(session, [case], actor, lifecycle.uk_today(now))[0]
    if refresh is not None:
        view = dataclasses.replace(view, card_refresh_id=refresh.id)
    return view


def _moved(
    engine: Engine,
    reference: str,
    actor: permissions.Actor,
    now: datetime,
    path: Callable[[Complaint], list[str]],
    **details,
) -> views.CaseView:
    """Make the moves ``path`` chooses for the locked case, in one transaction (a refused move
    undoes the earlier ones); ``details`` go with the last. Returns the case as the actor
    sees it."""
    with transaction(engine) as s:
        case = locked(s, reference)
        *before, action = path(case)
        for step in before:
            lifecycle.apply(s, case, step, actor, now)
        lifecycle.apply(s, case, action, actor, now, **details)
        result = _view(s, case, actor, now)
    log.info("complaint.transition", case_ref=result.reference, action=action, to=result.status)
    return result


def perform(
    engine: Engine,
    reference: str,
    action: str,
    actor: permissions.Actor,
    now: datetime,
    **details,
) -> views.CaseView:
    """Make a status move (see lifecycle.TRANSITIONS); returns the case as the actor sees it."""
    return _moved(engine, reference, actor, now, lambda case: [action], **details)


def move_to(
    engine: Engine,
    reference: str,
    status: str,
    actor: permissions.Actor,
    now: datetime,
    **details,
) -> views.CaseView:
    """Move the case to ``status`` by whichever action goes there from its current status."""
    target = status.strip().lower().replace("-", "_")
    return _moved(
        engine, reference, actor, now, lambda case: [lifecycle.action_for(case, target)], **details
    )


def record_follow_up(
    engine: Engine,
    reference: str,
    actor: permissions.Actor,
    now: datetime,
    *,
    follow_up_result: str | None,
    follow_up_note: str | None,
) -> views.CaseView:
    """Record the follow-up and close the case, in one transaction: a resolved case whose
    follow-up is recorded early moves through follow_up to closed. If the close is refused
    (a wrong state, a missing or over-long note), nothing is recorded, not even the move to
    follow_up."""
    return _moved(
        engine,
        reference,
        actor,
        now,
        lambda case: ["follow_up", "close"] if case.status == "resolved" else ["close"],
        follow_up_result=follow_up_result,
        follow_up_note=follow_up_note,
    )


def withdraw(
    engine: Engine, reference: str, actor: permissions.Actor, reason: str, now: datetime
) -> views.CaseView:
    """The supplier withdraws their own case. Someone else's case is "not found", word for
    word as intake says it, so references cannot be probed."""
    with transaction(engine) as s:
        case = intake.case_for_reporter(s, actor.person_id, reference)
        s.refresh(case, with_for_update=True)
        lifecycle.apply(s, case, "withdraw", actor, now, reason=reason)
        result = _view(s, case, actor, now)
    log.info("complaint.transition", case_ref=result.reference, action="withdraw", to=result.status)
    return result


def assign(
    engine: Engine,
    reference: str,
    assignee: str | permissions.Actor,
    actor: permissions.Actor,
    now: datetime,
    *,
    only_if_unassigned: bool,
) -> views.CaseView:
    """Give the case to ``assignee``. With ``only_if_unassigned`` this is one conditional
    UPDATE, so of two people pressing "Assign to me" at once exactly one wins and the other
    gets AlreadyAssigned naming the holder. Changing an existing assignee is a lead's
    "reassign". ``assignee`` given as an Actor is checked to be an investigator or lead."""
    if isinstance(assignee, permissions.Actor):
        # Oneself: the policy's "assign_self" says whether they may; someone else must be on
        # the team to be given a case.
        if assignee.person_id != actor.person_id and not assignee.is_staff:
            raise ValidationFailed(
                {"assignee": "That person is not an investigator or lead."},
                code=NOT_ON_TEAM,
                people=(assignee.person_id,),
                cases=(reference,),
            )
        assignee = assignee.person_id
    with transaction(engine) as s:
        case = by_reference(s, reference)
        if case.status not in lifecycle.OPEN_STATUSES:
            raise InvalidTransition(f"{case.reference} is closed: reopen it before assigning.")
        holder = case.assignee_id
        if only_if_unassigned or holder is None or holder == assignee:
            action = "assign_self" if assignee == actor.person_id else "assign"
        else:
            action = "reassign"
        policy.require(actor, action, case)
        if holder == assignee:
            return _view(s, case, actor, now)  # already theirs: a repeat, not a change
        condition = (
            Complaint.assignee_id.is_(None)
            if action != "reassign"
            else Complaint.assignee_id == holder
        )
        won = s.execute(
            update(Complaint)
            .where(Complaint.id == case.id, condition)
            .values(assignee_id=assignee)
            .execution_options(synchronize_session=False)
        ).rowcount
        s.refresh(case)
        if not won:
            if case.assignee_id == assignee:
                return _view(s, case, actor, now)
            raise AlreadyAssigned(case.assignee_id or "", case.reference)
        add_event(s, case, "assigned", actor.person_id, {"from": holder, "to": assignee}, now)
        notices.thread_post(s, case, "assigned", actor=actor.person_id, to=assignee)
        refresh = notices.refresh_card(s, case)
        return _view(s, case, actor, now, refresh)


@dataclass(frozen=True)
class FormCase:
    """What an investigation form shows about its case, once the actor may use it."""

    reference: str
    payment_case: bool
    authority: str  # "Name, kind"
    category: str


def form_case(engine: Engine, reference: str, form: str, actor: permissions.Actor) -> FormCase:
    """Check ``actor`` may make the move ``form`` records (resolve, out_of_scope, follow_up)
    from the case's state now, and say what the form shows; refused before it is opened, and
    checked again when it is submitted."""
    with transaction(engine) as s:
        case = by_reference(s, reference)
        early = lifecycle.closes_through_follow_up(case.status, case.follow_up_due)
        if form == "follow_up" and early:
            policy.require(actor, "follow_up", case)  # recorded early: moves through follow_up
        else:
            action = "close" if form == "follow_up" else form
            policy.require(actor, action, case)
            lifecycle.check_move(case, action)
        kind = catalog.label(catalog.AUTHORITY_KINDS, case.authority_kind)
        return FormCase(
            reference=case.reference,
            payment_case=catalog.is_payment_case(case.category, case.stage),
            authority=f"{case.authority_name}, {kind}",
            category=catalog.label(catalog.CATEGORIES, case.category),
        )


@dataclass(frozen=True)
class MoveAsked:
    """The move that would take a case to the status asked for, and where the case is now."""

    action: str
    status: str
    follow_up_due: date | None


def move_for(engine: Engine, reference: str, status: str) -> MoveAsked:
    """Which move goes from the case's status to ``status`` (see lifecycle.action_for);
    InvalidTransition naming the moves allowed from here if none does. Changes nothing:
    move_to makes the move and checks who may."""
    with transaction(engine) as s:
        case = by_reference(s, reference)
        action = lifecycle.action_for(case, status.strip().lower().replace("-", "_"))
        return MoveAsked(action, case.status, case.follow_up_due)


def link(engine: Engine, ref_a: str, ref_b: str, actor: permissions.Actor, now: datetime) -> bool:
    """Link two cases by hand; False if they were linked already."""
    with transaction(engine) as s:
        a, b = by_reference(s, ref_a), by_reference(s, ref_b)
        policy.require(actor, "link", a)
        if a.id == b.id:
            raise ValidationFailed({"reference": "A case cannot be linked to itself."})
        return related.add_link(s, a, b, by=actor.person_id, now=now)


def unlink(engine: Engine, ref_a: str, ref_b: str, actor: permissions.Actor, now: datetime) -> bool:
    """Remove a link; False if there was none."""
    with transaction(engine) as s:
        a, b = by_reference(s, ref_a), by_reference(s, ref_b)
        policy.require(actor, "unlink", a)
        return related.remove_link(s, a, b, by=actor.person_id, now=now)


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # an event kind, or "note" / "supplier_note"
    actor_id: str | None  # None: the system, or the supplier (never named)
    data: dict
    text: str | None = None  # a note's current text
    edited: bool = False
    deleted: bool = False


def timeline(session: Session, reference: str, actor: permissions.Actor) -> list[TimelineEntry]:
    """The audit trail and the notes, oldest first; investigators and leads only."""
    case = by_reference(session, reference)
    policy.require(actor, "timeline", case)
    hidden = case.reporter_id if case.anonymous else None

    def who(user_id: str | None) -> str | None:
        return None if user_id is not None and user_id == hidden else user_id

    entries = [
        TimelineEntry(e.at, e.kind, who(e.actor_id), dict(e.data))
        for e in session.exec(
            select(ComplaintEvent)
            .where(ComplaintEvent.complaint_id == case.id)
            .order_by(ComplaintEvent.at, ComplaintEvent.id)
        )
    ]
    entries += [
        TimelineEntry(
            n.created_at,
            "supplier_note" if n.from_supplier else "note",
            None if n.from_supplier else who(n.author_id),
            {"history": list(n.history)},
            text=n.text,
            edited=n.edited_at is not None,
            deleted=n.deleted_at is not None,
        )
        for n in session.exec(
            select(CaseNote).where(CaseNote.complaint_id == case.id).order_by(CaseNote.id)
        )
    ]
    return sorted(entries, key=lambda e: e.at)


def timeline_people(session: Session, entries) -> dict:
    """Everyone a timeline names (actors, assignees), looked up at once for the renderer."""
    ids = [e.actor_id for e in entries]
    ids += [e.data.get("to") for e in entries if e.kind == "assigned" and e.data]
    return people.refs(session, [i for i in ids if isinstance(i, int)])


def due_follow_ups(engine: Engine, today: date, now: datetime | None = None) -> list[str]:
    """Move resolved cases whose follow-up date has come into follow_up; run daily by the
    scheduler. Returns the references moved."""
    now = now or datetime.combine(today, time(12), tzinfo=UK)
    with transaction(engine) as s:
        due = s.exec(
            select(Complaint)
            .where(lifecycle.follow_up_date_reached_sql(today))
            .order_by(Complaint.follow_up_due, Complaint.id)
            .with_for_update()
        ).all()
        for case in due:
            lifecycle.apply(s, case, "follow_up", permissions.SYSTEM_ACTOR, now)
        moved = [c.reference for c in due]
    if moved:
        log.info("complaint.follow_ups_due", count=len(moved))
    return moved
