"""The one case state machine: which action moves a case from where to where, who may do it,
and what else happens when it does.

    received -> triaged -> investigating <-> awaiting_authority -> resolved -> follow_up -> closed
                           investigating <-> awaiting_supplier
    out_of_scope (from received/triaged), referred, withdrawn (by the supplier), reopen (a lead)

Spot checks (kind "spot_check", no supplier) follow the same table.

The states are grouped once, below: *working* (being looked into), *concluded* (resolved, or
ended without a resolution; its date is recorded by every move there), *closed* (nothing left
to do, not even a follow-up) and *open* (not closed). Reports, the digest and its chart, App
Home, the jobs and the shadowing conflict rule all use these groups.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import and_
from sqlmodel import Session

from bot import permissions
from bot.clock import UK
from bot.complaints import catalog, deadlines, notices, policy, resolution
from bot.complaints.cases import add_event

# The states and the moves between them are data of their own (bot.complaints.states).
from bot.complaints.states import (  # noqa: F401  (the lifecycle's names, as before)
    AWAITING_FOLLOW_UP,
    BEFORE_RESOLUTION,
    CLOCK_RUNNING,
    CLOSED_STATUSES,
    CONCLUDED_STATUSES,
    ENDED_UNRESOLVED,
    OPEN_STATUSES,
    RESOLVED_STATUSES,
    SERVICE_CLOCK_STATUSES,
    SIDE_EFFECTS,
    STATUSES,
    TRANSITIONS,
    WORKING,
    WORKING_STATUSES,
    Move,
)
from bot.errors import InvalidTransition, ValidationFailed
from models import Complaint

MAX_REASON = resolution.MAX_REASON


class Offer(NamedTuple):
    """A move a case's controls offer: ``name`` is the action, or the form to open when the
    move needs details (``form``: resolve, out_of_scope, follow_up)."""

    name: str
    form: bool = False


# The moves a case's controls offer in each open state, plain moves before forms; anyone may
# be shown them (who may make a move is checked when it is made). "refer", "ask_supplier",
# "withdraw" and "reopen" have their own commands.
OFFERED_MOVES: dict[str, tuple[Offer, ...]] = {
    "received": (Offer("triage"), Offer("out_of_scope", form=True)),
    "triaged": (Offer("start"), Offer("out_of_scope", form=True)),
    "investigating": (Offer("contact_authority"), Offer("resolve", form=True)),
    "awaiting_authority": (Offer("authority_replied"), Offer("resolve", form=True)),
    "awaiting_supplier": (Offer("supplier_replied"),),
    "resolved": (Offer("close"),),
    "follow_up": (Offer("follow_up", form=True),),
}


def closes_through_follow_up(status: str, follow_up_due: date | None) -> bool:
    """A resolved case with a follow-up date closes only after its follow-up is recorded
    (recording it early moves the case through follow_up to closed)."""
    return status == "resolved" and follow_up_due is not None


def offered_moves(status: str, follow_up_due: date | None) -> tuple[Offer, ...]:
    if closes_through_follow_up(status, follow_up_due):
        return (Offer("follow_up", form=True),)
    return OFFERED_MOVES.get(status, ())


def follow_up_is_due(status: str, follow_up_due: date | None, today: date) -> bool:
    """In follow_up, or resolved with its follow-up date come (the daily job then moves it)."""
    return status == "follow_up" or follow_up_date_reached(status, follow_up_due, today)


def follow_up_date_reached(status: str, follow_up_due: date | None, today: date) -> bool:
    return status == "resolved" and follow_up_due is not None and follow_up_due <= today


def follow_up_date_reached_sql(today: date):
    """:func:`follow_up_date_reached` as a query condition on Complaint."""
    return and_(
        Complaint.status == "resolved",
        Complaint.follow_up_due.is_not(None),
        Complaint.follow_up_due <= today,
    )


def moves_from(status: str) -> list[str]:
    return [action for action, move in TRANSITIONS.items() if status in move.sources]


def allowed_actions(case: Complaint, actor: permissions.Actor) -> list[str]:
    """The moves ``actor`` may make on ``case`` now, in table order."""
    return policy.allowed_moves(moves_from(case.status), case, actor)


def action_for(case: Complaint, target: str) -> str:
    """The move taking ``case`` to status ``target`` (each (from, to) pair has one action), for
    front ends that say "status investigating"; refused naming the moves allowed from here."""
    for action in moves_from(case.status):
        if TRANSITIONS[action].target == target:
            return action
    known = target in STATUSES
    options = ", ".join(TRANSITIONS[a].target for a in moves_from(case.status)) or "none"
    raise InvalidTransition(
        (
            f"{case.reference} is {catalog.status_label(case.status)}, so it can't become "
            f"{catalog.status_label(target)}."
            if known
            else f"'{target}' is not a case status."
        )
        + f" Statuses it can move to from here: {options}."
    )


def uk_today(now: datetime) -> date:
    return now.astimezone(UK).date()


def check_move(case: Complaint, action: str) -> Move:
    move = TRANSITIONS.get(action)
    if move is None:
        raise InvalidTransition(
            f"'{action}' is not a case action. Actions: {', '.join(TRANSITIONS)}."
        )
    if case.status not in move.sources:
        options = moves_from(case.status)
        allowed = ", ".join(options) if options else "none"
        raise InvalidTransition(
            f"{case.reference} is {catalog.status_label(case.status)}, so you can't "
            f"{catalog.ACTION_LABELS[action]} it. Moves allowed from here: {allowed}."
        )
    return move


def apply(
    session: Session,
    case: Complaint,
    action: str,
    actor: permissions.Actor,
    now: datetime,
    **details,
) -> Complaint:
    """Move ``case`` by ``action`` in the caller's transaction: check who and whether, update
    the case, write the audit event, queue the notices. Raises NotPermitted,
    InvalidTransition or ValidationFailed before changing anything."""
    if action in TRANSITIONS:  # who before whether: a refusal should not reveal the state
        policy.require(actor, action, case)
    move = check_move(case, action)
    today = uk_today(now)
    recorded = _record(case, action, today, details)  # validates before any change
    previous = case.status
    if previous == "awaiting_supplier":
        # The supplier's time does not count against the service target.
        case.supplier_wait_days = deadlines.supplier_wait_days(case, today)
        case.awaiting_supplier_since = None
    for field, value in recorded.items():
        setattr(case, field, value)
    case.status = move.target
    session.add(case)
    session.flush()
    by = _recorded_actor(case, actor)
    data = {"action": action, "from": previous, "to": move.target, **_audit(recorded)}
    add_event(session, case, "transition", by, data, now)
    tell, post = SIDE_EFFECTS[action]
    if tell:
        notices.tell_supplier(session, case, action)
    if post:
        line = {"actor": by} if by else {}
        notices.thread_post(
            session, case, "transition", action=action, to=move.target, **{"from": previous}, **line
        )
    notices.refresh_card(session, case)
    return case


def conclusion_date(case: Complaint) -> date | None:
    """When ``case`` concluded (see the state groups above), or None while it is working."""
    if case.status not in CONCLUDED_STATUSES:
        return None
    return case.resolved_on or case.closed_on


def _recorded_actor(case: Complaint, actor: permissions.Actor) -> str | None:
    """Who the audit trail and thread name: nobody for the system, and nobody for an
    anonymous supplier acting on their own case (withdrawing it), so they stay unnamed."""
    if permissions.SYSTEM in actor.roles:
        return None
    if case.anonymous and actor.person_id == case.reporter_id:
        return None
    return actor.person_id


def _audit(recorded: dict) -> dict:
    """What the audit event keeps of the recorded fields (dates as ISO text for JSON)."""
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in recorded.items()}


def _record(case: Complaint, action: str, today: date, details: dict) -> dict:
    """The case fields ``action`` sets, validated; raises ValidationFailed naming each field."""
    errors: dict[str, str] = {}
    out: dict = {}
    match action:
        case "contact_authority":
            contacted = details.get("contacted_on") or today
            if contacted > today:
                errors["contacted_on"] = "This date is in the future."
            out = {
                "authority_contacted_on": contacted,
                "authority_reply_due": deadlines.authority_reply_due(contacted),
                "authority_replied_on": None,
            }
        case "authority_replied":
            out = {"authority_replied_on": details.get("replied_on") or today}
        case "ask_supplier":
            out = {"awaiting_supplier_since": today}
        case "resolve":
            out = resolution.recorded(case, today, details, errors)
        case "close":
            if closes_through_follow_up(case.status, case.follow_up_due):
                raise InvalidTransition(
                    f"{case.reference} has a follow-up due on "
                    f"{deadlines.format_day(case.follow_up_due)}; it closes after the follow-up."
                )
            if case.status == "follow_up":
                result = details.get("follow_up_result")
                if result not in dict(catalog.FOLLOW_UP_RESULTS):
                    errors["follow_up_result"] = "Say whether the agreed change was carried out."
                note = resolution.text_field(
                    details, "follow_up_note", errors, required=True, limit=MAX_REASON
                )
                out = {"follow_up_result": result, "follow_up_note": note}
        case "out_of_scope" | "refer":
            field = "reason" if action == "out_of_scope" else "note"
            reason = resolution.text_field(details, field, errors, required=True, limit=MAX_REASON)
            out = {"status_reason": reason}
        case "withdraw":
            reason = resolution.text_field(
                details, "reason", errors, required=False, limit=MAX_REASON
            )
            out = {"status_reason": reason}
        case "reopen":
            reason = resolution.text_field(
                details, "reason", errors, required=False, limit=MAX_REASON
            )
            out = {"status_reason": reason, "closed_on": None, "resolved_on": None}
    if errors:
        raise ValidationFailed(errors)
    if TRANSITIONS[action].target in CLOSED_STATUSES:
        out["closed_on"] = today  # every move into a closed state records when
    return out
