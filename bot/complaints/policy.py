"""Who may do what to a complaint case: the one place the core asks, for every front end.

Roles come with the Actor (bot.permissions); "reporter" is not a configured role but derived
per case: the person who raised it. Leads can do everything investigators can, plus reassign,
reopen, reveal and see the team's reports. The lifecycle says whether a move fits the case's
state; this module says who may make it, so each rule is written once.
"""

from __future__ import annotations

from bot.complaints.catalog import ACTION_LABELS
from bot.errors import NotPermitted
from bot.permissions import INVESTIGATOR, LEAD, REPORTER, SYSTEM, Actor
from models import Complaint

# The role each action needs: the status moves of bot.complaints.lifecycle.TRANSITIONS first,
# then the actions that are not moves.
# fmt: off
ROLES: dict[str, str] = {
    "triage":            INVESTIGATOR,
    "start":             INVESTIGATOR,
    "contact_authority": INVESTIGATOR,
    "authority_replied": INVESTIGATOR,
    "ask_supplier":      INVESTIGATOR,
    "supplier_replied":  INVESTIGATOR,
    "resolve":           INVESTIGATOR,
    "follow_up":         INVESTIGATOR,
    "close":             INVESTIGATOR,
    "out_of_scope":      INVESTIGATOR,
    "refer":             INVESTIGATOR,
    "withdraw":          REPORTER,
    "reopen":            LEAD,

    "assign_self":       INVESTIGATOR,
    "assign":            INVESTIGATOR,
    "reassign":          LEAD,
    "note":              INVESTIGATOR,
    "tell_supplier":     INVESTIGATOR,
    "supplier_reply":    REPORTER,  # an answer in the thread of a relayed message
    "link":              INVESTIGATOR,
    "unlink":            INVESTIGATOR,
    "timeline":          INVESTIGATOR,
    "reveal":            LEAD,
    "spotcheck":         INVESTIGATOR,
    "view_case":         REPORTER,  # the reporter's own case; staff see every case
    "see_reports":       LEAD,      # the weekly digest and the results report
    "privacy_export":    LEAD,      # a person's data, sent to the lead (bot.privacy.requests)
}
# fmt: on

# What the system does on its own (no person pressed anything): two moves, and the reports the
# scheduled digest posts to the leads and a lead's requested report file is drawn from.
SYSTEM_ACTIONS = frozenset({"follow_up", "supplier_replied", "see_reports"})

# Codes of the refusals, for front ends that word them themselves.
NOT_STAFF = "not_staff"
LEADS_ONLY = "leads_only"
REPORTER_ONLY = "reporter_only"
NO_SUCH_ACTION = "no_such_action"
CODES = {INVESTIGATOR: NOT_STAFF, LEAD: LEADS_ONLY, REPORTER: REPORTER_ONLY}

REFUSALS: dict[str, str] = {
    INVESTIGATOR: "Only investigators and leads can {what}.",
    LEAD: "Only leads can {what}.",
    REPORTER: "Only the person who raised this case can {what}.",
}


def role_needed(action: str) -> str | None:
    return ROLES.get(action)


def may(actor: Actor, action: str, case: Complaint | None = None) -> bool:
    role = role_needed(action)
    if role is None:
        return False
    if SYSTEM in actor.roles:
        return action in SYSTEM_ACTIONS
    if role == REPORTER:
        own = case is not None and bool(case.reporter_id) and (case.reporter_id == actor.person_id)
        return own or (action == "view_case" and actor.is_staff)
    if role == INVESTIGATOR:
        return actor.is_staff
    return role in actor.roles


def require(actor: Actor, action: str, case: Complaint | None = None) -> None:
    """NotPermitted (with a code saying which rule refused) unless ``actor`` may."""
    if not may(actor, action, case):
        raise refusal(action, case)


def refusal(action: str, case: Complaint | None = None) -> NotPermitted:
    """The refusal of ``action``, naming ``case`` (pass None where the one refused must not
    learn which case it is, as for a supplier's anonymous case)."""
    role = role_needed(action)
    if role is None:
        return NotPermitted(
            f"'{action}' is not something anyone can do to a case.", code=NO_SUCH_ACTION
        )
    what = ACTION_LABELS.get(action, action.replace("_", " "))
    cases = (case.reference,) if case is not None and case.reference else ()
    return NotPermitted(REFUSALS[role].format(what=what), code=CODES[role], cases=cases)


def allowed_moves(moves: list[str], case: Complaint, actor: Actor) -> list[str]:
    """Those of ``moves`` (the moves the case's state allows) that ``actor`` may make."""
    return [action for action in moves if may(actor, action, case)]
