"""The case's states and the table of moves between them: data only, so the lifecycle (which
applies moves), the deadlines (which read the states) and the permissions (which read who may
make a move) all import it and none of them imports another to get it.

See bot.complaints.lifecycle for the picture of the state machine.
"""

from __future__ import annotations

from typing import NamedTuple

# The case's states, grouped once here; every other module (reports, digest, chart, App Home,
# jobs, shadowing conflicts) takes its sets from these names, never a list of its own.
#
# working:   being looked into: received, triaged, investigating, awaiting_authority,
#            awaiting_supplier. The service-target clock runs in these (paused while the
#            supplier is asked), and a case in them is "carried over" past a period's end.
# concluded: the investigation is over: resolved with an outcome (resolved, follow_up,
#            closed) or ended without one (out_of_scope, referred, withdrawn). Its conclusion
#            date is ``resolved_on`` when it has a resolution, else ``closed_on``; every move
#            into a concluded state records that date (``_record``). Reports count a
#            case as concluded in the period holding that date (bot.reports.sql).
# closed:    nothing left to do, not even a follow-up: closed, out_of_scope, referred,
#            withdrawn; ``closed_on`` is set. Only a lead's "reopen" leaves these.
# open:      not closed: the working states plus resolved and follow_up (a follow-up is still
#            to come). App Home, the digest's open cases, reminders and the shadowing
#            conflict rule use this.
WORKING_STATUSES: tuple[str, ...] = (
    "received",
    "triaged",
    "investigating",
    "awaiting_authority",
    "awaiting_supplier",
)
RESOLVED_STATUSES: tuple[str, ...] = ("resolved", "follow_up", "closed")
# Concluded without a resolution (no outcome): the supplier hears why (status_reason).
ENDED_UNRESOLVED: tuple[str, ...] = ("out_of_scope", "referred", "withdrawn")
CONCLUDED_STATUSES: tuple[str, ...] = RESOLVED_STATUSES + ENDED_UNRESOLVED
CLOSED_STATUSES: tuple[str, ...] = ("closed", *ENDED_UNRESOLVED)
OPEN_STATUSES: tuple[str, ...] = (*WORKING_STATUSES, "resolved", "follow_up")
STATUSES: tuple[str, ...] = OPEN_STATUSES + CLOSED_STATUSES
# Resolved, with the follow-up (if any) still to be recorded.
AWAITING_FOLLOW_UP: tuple[str, ...] = ("resolved", "follow_up")
# The service-target clock runs in the working states (a resolved case met or missed it);
# it is paused while the supplier is asked.
SERVICE_CLOCK_STATUSES: frozenset[str] = frozenset(WORKING_STATUSES)
CLOCK_RUNNING: frozenset[str] = SERVICE_CLOCK_STATUSES - {"awaiting_supplier"}

WORKING = ("investigating", "awaiting_authority", "awaiting_supplier")
BEFORE_RESOLUTION = WORKING_STATUSES


class Move(NamedTuple):
    sources: tuple[str, ...]
    target: str
    role: str  # who may make the move: see bot.permissions


# Role names as in bot.permissions (spelled here: the permissions read this table).
INV, LEAD, REP = "investigator", "lead", "reporter"

# fmt: off
TRANSITIONS: dict[str, Move] = {
    # action             from                                          to                    who
    "triage":            Move(("received",),                           "triaged",            INV),
    "start":             Move(("triaged",),                            "investigating",      INV),
    "contact_authority": Move(("investigating",),                      "awaiting_authority", INV),
    "authority_replied": Move(("awaiting_authority",),                 "investigating",      INV),
    "ask_supplier":      Move(("investigating",),                      "awaiting_supplier",  INV),
    "supplier_replied":  Move(("awaiting_supplier",),                  "investigating",      INV),
    "resolve":           Move(("investigating", "awaiting_authority"), "resolved",           INV),
    "follow_up":         Move(("resolved",),                           "follow_up",          INV),
    "close":             Move(("resolved", "follow_up"),               "closed",             INV),
    "out_of_scope":      Move(("received", "triaged"),                 "out_of_scope",       INV),
    "refer":             Move(BEFORE_RESOLUTION,                       "referred",           INV),
    "withdraw":          Move(OPEN_STATUSES,                           "withdrawn",          REP),
    "reopen":            Move(CLOSED_STATUSES,                         "investigating",      LEAD),
}

# Side effects of each move, besides the audit event and card refresh every move gets:
# tell the supplier by DM (never internal detail), post an audit line in the case thread.
#                  action                supplier  thread
SIDE_EFFECTS: dict[str, tuple[bool, bool]] = {
    "triage":            (True,  True),
    "start":             (True,  True),
    "contact_authority": (True,  True),
    "authority_replied": (False, True),
    "ask_supplier":      (False, True),   # the question itself goes by tell_supplier
    "supplier_replied":  (False, True),
    "resolve":           (True,  True),
    "follow_up":         (False, True),
    "close":             (True,  True),
    "out_of_scope":      (True,  True),
    "refer":             (True,  True),
    "withdraw":          (True,  True),
    "reopen":            (True,  True),
}
# fmt: on

ACTION_LABELS: dict[str, str] = {
    "triage": "triage",
    "start": "start investigating",
    "contact_authority": "record that the authority was contacted",
    "authority_replied": "record the authority's reply",
    "ask_supplier": "wait for the supplier",
    "supplier_replied": "record the supplier's answer",
    "resolve": "resolve",
    "follow_up": "start the follow-up",
    "close": "close",
    "out_of_scope": "mark out of scope",
    "refer": "refer to the Procurement Compliance Service",
    "withdraw": "withdraw",
    "reopen": "reopen",
    "assign_self": "assign cases",
    "assign": "assign cases",
    "reassign": "reassign a case",
    "note": "add case notes",
    "tell_supplier": "message the supplier",
    "link": "link cases",
    "unlink": "unlink cases",
    "timeline": "see a case's timeline",
    "reveal": "reveal who raised an anonymous complaint",
    "spotcheck": "open a spot check",
    "view_case": "see this case",
}
