"""The case's one state machine: the table of moves, and the one place their side effects
happen (audit event, card refresh, thread line, supplier notice)."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlmodel import Session

from bot import permissions
from bot.clock import UK
from bot.complaints import catalog, deadlines, notices
from bot.errors import InvalidTransition, ValidationFailed
from bot.permissions import Actor
from bot.text import clean
from models import Complaint, ComplaintEvent

STATUSES = (
    "received", "triaged", "investigating", "awaiting_authority", "awaiting_supplier",
    "resolved", "follow_up", "closed", "out_of_scope", "referred", "withdrawn",
)  # fmt: skip
OPEN_STATUSES = frozenset(
    {"received", "triaged", "investigating", "awaiting_authority", "awaiting_supplier"}
)
# Resolved and follow-up cases are done with but not closed: they wait for the follow-up.
AFTERCARE_STATUSES = frozenset({"resolved", "follow_up"})
CLOSED_STATUSES = frozenset({"closed", "out_of_scope", "referred", "withdrawn"})


class Move(NamedTuple):
    from_statuses: frozenset[str]
    to_status: str
    role: str


def _m(froms, to, role="investigator") -> Move:
    return Move(frozenset(froms.split()), to, role)


TRANSITIONS: dict[str, Move] = {
    "triage": _m("received", "triaged"),
    "start": _m("received triaged", "investigating"),
    "contact_authority": _m("investigating", "awaiting_authority"),
    "authority_replied": _m("awaiting_authority", "investigating"),
    "ask_supplier": _m("investigating", "awaiting_supplier"),
    "supplier_replied": _m("awaiting_supplier", "investigating"),
    "resolve": _m("investigating", "resolved"),
    "follow_up": _m("resolved", "follow_up"),
    "close": _m("resolved follow_up", "closed"),
    "out_of_scope": _m("received triaged", "out_of_scope"),
    "refer": _m("received triaged investigating awaiting_authority", "referred"),
    "withdraw": Move(OPEN_STATUSES, "withdrawn", "reporter"),
    "reopen": Move(CLOSED_STATUSES | AFTERCARE_STATUSES, "investigating", "lead"),
}


def allowed_moves(case: Complaint, actor: Actor | None = None) -> list[str]:
    return [
        action
        for action, move in TRANSITIONS.items()
        if case.status in move.from_statuses
        and (actor is None or permissions.may(actor, action, case))
    ]


def _check(case: Complaint, action: str, actor: Actor) -> Move:
    move = TRANSITIONS.get(action)
    if move is None:
        raise InvalidTransition(f"There is no move called {action}.")
    permissions.require(actor, action, case)
    if case.status not in move.from_statuses:
        label = catalog.STATUS_LABELS.get(case.status, case.status)
        allowed = ", ".join(a.replace("_", "-") for a in allowed_moves(case, actor)) or "none"
        raise InvalidTransition(
            f"{case.reference} is {label}, so it can't be moved that way. "
            f"Moves allowed now: {allowed}. Nothing was changed."
        )
    return move


def _text(details: dict, field: str, message: str, errors: dict) -> str:
    value = clean(details.get(field), multiline=True)
    if not value:
        errors[field] = message
    return value


def _record_details(case: Complaint, action: str, today, details: dict) -> dict:
    """Store what the move carries; returns the details safe for the audit event."""
    errors: dict[str, str] = {}
    audit: dict = {}
    if action == "contact_authority":
        case.authority_contacted_on = today
        case.authority_reply_due = deadlines.authority_reply_due(today)
        case.authority_replied_on = None
    elif action == "authority_replied":
        case.authority_replied_on = today
    elif action == "ask_supplier":
        case.awaiting_supplier_since = today
    elif action == "supplier_replied":
        if case.awaiting_supplier_since:
            case.supplier_wait_days += (today - case.awaiting_supplier_since).days
        case.awaiting_supplier_since = None
    elif action == "resolve":
        outcome = details.get("outcome")
        if outcome not in dict(catalog.OUTCOMES):
            errors["outcome"] = "Please choose an outcome."
        agreed = _text(details, "agreed_actions", "Please say what was agreed.", errors)
        summary = _text(details, "public_summary", "Please write a public summary.", errors)
        follow_up = details.get("follow_up_due")
        if follow_up is not None and follow_up <= today:
            errors["follow_up_due"] = "The follow-up date must be in the future."
        if errors:
            raise ValidationFailed(errors)
        case.outcome, case.agreed_actions, case.public_summary = outcome, agreed, summary
        case.money_released_pence = details.get("money_released_pence")
        case.summary_uses_supplier_words = bool(details.get("summary_uses_supplier_words"))
        case.publishable = True
        case.follow_up_due, case.resolved_on = follow_up, today
        audit = {"outcome": outcome, "follow_up_due": str(follow_up) if follow_up else None}
    elif action == "close":
        result = details.get("follow_up_result")
        if result is not None:
            if result not in dict(catalog.FOLLOW_UP_RESULTS):
                raise ValidationFailed({"follow_up_result": "Choose yes, partly or no."})
            case.follow_up_result = result
            case.follow_up_note = clean(details.get("follow_up_note"), multiline=True) or None
            audit = {"follow_up_result": result}
        case.closed_on = today
    elif action in ("out_of_scope", "refer", "withdraw"):
        field = {"out_of_scope": "reason", "refer": "note", "withdraw": "reason"}[action]
        reason = clean(details.get(field), multiline=True)
        if not reason and action != "withdraw":
            raise ValidationFailed({field: "Please give the reason."})
        case.status_reason = reason or None
        case.closed_on = today
    elif action == "reopen":
        case.closed_on = None
    return audit


def apply(
    session: Session, case: Complaint, action: str, actor: Actor, now: datetime, **details
) -> Complaint:
    """Check and make one move, with all its side effects, in the caller's transaction."""
    move = _check(case, action, actor)
    today = now.astimezone(UK).date()
    previous = case.status
    audit = _record_details(case, action, today, details)
    case.status = move.to_status
    session.add(
        ComplaintEvent(
            complaint_id=case.id,
            at=now,
            actor_user_id=None if action == "withdraw" and case.anonymous else actor.user_id,
            kind="transition",
            data={"action": action, "from": previous, "to": case.status, **audit},
        )
    )
    side_effects(session, case, previous, actor)
    return case


def side_effects(session: Session, case: Complaint, previous: str, actor: Actor) -> None:
    """Who hears about a move. One match over (from, to) so every notice is found here."""
    notices.queue(session, notices.CARD_REFRESH, case)
    label = catalog.STATUS_LABELS.get(case.status, case.status)
    match (previous, case.status):
        case (_, "withdrawn"):
            notices.queue(
                session, notices.THREAD_POST, case, text="The supplier withdrew the case."
            )
        case _:
            notices.queue(
                session,
                notices.THREAD_POST,
                case,
                actor=actor.user_id,
                text=f"moved the case to {label}.",
            )
    if case.status != previous:
        notices.queue(session, notices.SUPPLIER_UPDATE, case, to=case.status)
