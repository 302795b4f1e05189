"""Moving the demo's cases on through the investigation workflow, once it is merged.

Written against the investigation contract (`investigation.perform`, `assign`, `withdraw` and
`permissions.Actor`). Until bot/complaints/investigation.py exists every demo case stays
"received". A step the merged core refuses is logged and that case stops there, so a changed
detail never stops `msbot local --demo`; check the states after merging.
"""

from __future__ import annotations

from collections.abc import Sequence

import structlog
from sqlalchemy.engine import Engine

from bot.errors import DomainError
from models import Complaint
from models.base import utcnow

try:
    # The investigation workflow (branches h/invcore and h/invslack). Guarded so the demo
    # works before and after they merge.
    from bot.complaints import investigation
    from bot.permissions import Actor
except ImportError:  # pragma: no cover - depends on which branches are merged
    investigation = Actor = None

log = structlog.get_logger("msbot.local")

LEAD, INV1, INV2 = "ULEAD", "UINVEST1", "UINVEST2"
ROLES = {LEAD: "lead", INV1: "investigator", INV2: "investigator"}
RESOLVED = {
    "outcome": "recommendation_accepted",
    "agreed_actions": "The authority will give written feedback with every award.",
    "public_summary": "An authority agreed to explain its award decisions to every bidder.",
}

# Demo case index -> the steps that take it to the state it shows: (action, actor, details).
# "assign" and "withdraw" are investigation.assign / withdraw; every other action goes through
# investigation.perform (the lifecycle's one state machine).
PLANS: dict[int, Sequence[tuple[str, str, dict]]] = {
    1: [("triage", LEAD, {})],
    2: [("assign", LEAD, {"assignee": INV1}), ("start", INV1, {})],
    3: [("assign", LEAD, {"assignee": INV2}), ("start", INV2, {}), ("contact_authority", INV2, {})],
    4: [("out_of_scope", LEAD, {"reason": "A grant, not a procurement."})],
    5: [("assign", LEAD, {"assignee": INV1}), ("start", INV1, {}), ("ask_supplier", INV1, {})],
    6: [("assign", LEAD, {"assignee": INV2}), ("start", INV2, {}), ("resolve", INV2, RESOLVED)],
    7: [
        ("assign", LEAD, {"assignee": INV1}),
        ("start", INV1, {}),
        ("resolve", INV1, RESOLVED),
        ("close", LEAD, {}),
    ],
    8: [("withdraw", "", {"reason": "Sorted out directly with the council."})],
}


def advance(engine: Engine, cases: list[Complaint]) -> None:
    """Put the demo cases in every state the workflow has (a no-op before it is merged)."""
    if investigation is None:
        return
    for index, steps in PLANS.items():
        if index < len(cases):
            _run(engine, cases[index], steps)


def _run(engine: Engine, case: Complaint, steps) -> None:
    for action, user, details in steps:
        try:
            if action == "withdraw":
                investigation.withdraw(
                    engine, case.reference, case.reporter_user_id, details["reason"], utcnow()
                )
                continue
            actor = Actor(user, frozenset({ROLES[user]}))
            if action == "assign":
                investigation.assign(
                    engine,
                    case.reference,
                    details["assignee"],
                    actor,
                    utcnow(),
                    only_if_unassigned=False,
                )
            else:
                investigation.perform(engine, case.reference, action, actor, utcnow(), **details)
        except (DomainError, TypeError) as exc:
            # A refused or changed step: the case keeps the state it reached.
            log.warning("local.demo_step_skipped", action=action, error=str(exc)[:200])
            return
