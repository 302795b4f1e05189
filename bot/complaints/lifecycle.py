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

from rapidfuzz import fuzz
from sqlmodel import Session

from bot import permissions
from bot.clock import UK
from bot.complaints import catalog, deadlines, notices

# The states and the moves between them are data of their own (bot.complaints.states).
from bot.complaints.states import (  # noqa: F401  (the lifecycle's names, as before)
    ACTION_LABELS,
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
from bot.text import clean
from models import Complaint, ComplaintEvent

MAX_REASON = 1500
MAX_SUMMARY = 3000
# A public summary this similar to the supplier's own account counts as their words.
SUPPLIER_WORDS_SIMILARITY = 85
MIN_COPIED_CHARS = 30


def moves_from(status: str) -> list[str]:
    return [action for action, move in TRANSITIONS.items() if status in move.sources]


def allowed_actions(case: Complaint, actor: permissions.Actor) -> list[str]:
    """The moves ``actor`` may make on ``case`` now, in table order."""
    return [a for a in moves_from(case.status) if permissions.may(actor, a, case)]


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
            f"{ACTION_LABELS[action]} it. Moves allowed from here: {allowed}."
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
        permissions.require(actor, action, case)
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
    session.add(
        ComplaintEvent(complaint_id=case.id, at=now, actor_user_id=by, kind="transition", data=data)
    )
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
    if case.anonymous and actor.user_id == case.reporter_user_id:
        return None
    return actor.user_id


def _audit(recorded: dict) -> dict:
    """What the audit event keeps of the recorded fields (dates as ISO text for JSON)."""
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in recorded.items()}


def _text(details: dict, field: str, errors: dict, *, required: bool, limit: int) -> str | None:
    value = clean(str(details.get(field) or ""), multiline=True)
    if required and not value:
        errors[field] = "Please fill this in."
    elif len(value) > limit:
        errors[field] = f"Please keep this under {limit} characters (it is {len(value)})."
    return value or None


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
            out = _resolution(case, today, details, errors)
        case "close":
            if case.status == "resolved" and case.follow_up_due:
                raise InvalidTransition(
                    f"{case.reference} has a follow-up due on "
                    f"{deadlines.format_day(case.follow_up_due)}; it closes after the follow-up."
                )
            if case.status == "follow_up":
                result = details.get("follow_up_result")
                if result not in dict(catalog.FOLLOW_UP_RESULTS):
                    errors["follow_up_result"] = "Say whether the agreed change was carried out."
                note = _text(details, "follow_up_note", errors, required=True, limit=MAX_REASON)
                out = {"follow_up_result": result, "follow_up_note": note}
        case "out_of_scope" | "refer":
            field = "reason" if action == "out_of_scope" else "note"
            reason = _text(details, field, errors, required=True, limit=MAX_REASON)
            out = {"status_reason": reason}
        case "withdraw":
            reason = _text(details, "reason", errors, required=False, limit=MAX_REASON)
            out = {"status_reason": reason}
        case "reopen":
            reason = _text(details, "reason", errors, required=False, limit=MAX_REASON)
            out = {"status_reason": reason, "closed_on": None, "resolved_on": None}
    if errors:
        raise ValidationFailed(errors)
    if TRANSITIONS[action].target in CLOSED_STATUSES:
        out["closed_on"] = today  # every move into a closed state records when
    return out


def _resolution(case: Complaint, today: date, details: dict, errors: dict) -> dict:
    outcome = details.get("outcome")
    if outcome not in dict(catalog.OUTCOMES):
        errors["outcome"] = "Please choose an outcome."
    agreed = _text(details, "agreed_actions", errors, required=True, limit=MAX_SUMMARY)
    summary = _text(details, "public_summary", errors, required=True, limit=MAX_SUMMARY)
    uses_words = bool(details.get("summary_uses_supplier_words"))
    if summary and not uses_words and _is_suppliers_words(case, summary):
        errors["public_summary"] = (
            "This repeats the supplier's own words. Write the summary yourself, or tick that "
            "it may be published as it is."
        )
    money = details.get("money_released_pence")
    if money is not None:
        if not catalog.is_payment_case(case.category, case.stage):
            errors["money_released_pence"] = "Money released is only recorded for payment cases."
        elif not isinstance(money, int) or money <= 0:
            errors["money_released_pence"] = "Give the amount released, more than £0."
    elif outcome == catalog.MONEY_RELEASED:
        errors["money_released_pence"] = "Give the amount of money released."
    follow_up = details.get("follow_up_due")
    if follow_up is not None and follow_up <= today:
        errors["follow_up_due"] = "The follow-up date must be in the future."
    return {
        "outcome": outcome,
        "agreed_actions": agreed,
        "public_summary": summary,
        "summary_uses_supplier_words": uses_words,
        # Published only when an investigator ticked "Publish this anonymised summary".
        "publishable": details.get("publishable") is True,
        "money_released_pence": money,
        "follow_up_due": follow_up,
        "follow_up_result": None,
        "follow_up_note": None,
        "resolved_on": today,
    }


def _is_suppliers_words(case: Complaint, summary: str) -> bool:
    """True when the summary copies (most of) what the supplier wrote, or the other way round.
    Short texts are skipped: a few shared words are not the supplier's account."""
    for said in (case.what_happened, case.outcome_wanted):
        if min(len(said), len(summary)) < MIN_COPIED_CHARS:
            continue
        if fuzz.partial_ratio(summary.lower(), said.lower()) >= SUPPLIER_WORDS_SIMILARITY:
            return True
    return False
