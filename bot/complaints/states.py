"""The case's states and the table of moves between them: data only, so the lifecycle (which
applies moves) and the deadlines (which read the states) both import it and neither imports
the other to get it.

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


# Who may make each move is the policy's to say (bot.complaints.policy.ROLES).

# fmt: off
TRANSITIONS: dict[str, Move] = {
    # action             from                                          to
    "triage":            Move(("received",),                           "triaged"),
    "start":             Move(("triaged",),                            "investigating"),
    "contact_authority": Move(("investigating",),                      "awaiting_authority"),
    "authority_replied": Move(("awaiting_authority",),                 "investigating"),
    "ask_supplier":      Move(("investigating",),                      "awaiting_supplier"),
    "supplier_replied":  Move(("awaiting_supplier",),                  "investigating"),
    "resolve":           Move(("investigating", "awaiting_authority"), "resolved"),
    "follow_up":         Move(("resolved",),                           "follow_up"),
    "close":             Move(("resolved", "follow_up"),               "closed"),
    "out_of_scope":      Move(("received", "triaged"),                 "out_of_scope"),
    "refer":             Move(BEFORE_RESOLUTION,                       "referred"),
    "withdraw":          Move(OPEN_STATUSES,                           "withdrawn"),
    "reopen":            Move(CLOSED_STATUSES,                         "investigating"),
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
