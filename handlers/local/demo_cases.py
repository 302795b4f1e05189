"""Moving the demo's cases on through the investigation workflow, by the core's own functions.

Each plan is the list of steps a team would take to bring one case to the state it shows:
`investigation.assign`, `investigation.perform` (the lifecycle's one state machine),
`investigation.withdraw` (the supplier) and `investigation.open_spot_check`. The steps run as
the demo's lead and investigators, so every audit event, supplier notice, thread line and card
refresh is the one a real team's work would have made.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime, timedelta

import structlog
from sqlalchemy.engine import Engine

from bot.complaints import intake, investigation
from bot.complaints.lifecycle import uk_today
from bot.permissions import INVESTIGATOR, LEAD, SYSTEM_ACTOR, Actor
from models import Complaint
from models.base import utcnow

log = structlog.get_logger("msbot.local")

LEAD_ID, INV1, INV2 = "ULEAD", "UINVEST1", "UINVEST2"
ROLES = {
    LEAD_ID: frozenset({LEAD}),
    INV1: frozenset({INVESTIGATOR}),
    INV2: frozenset({INVESTIGATOR}),
}


def _actors(ids: dict[str, int]) -> dict[str, Actor]:
    """The team as the core knows them, from their person ids by demo id (on whichever
    platform the demo's people have their accounts)."""
    found = {user: Actor(ids[user], roles) for user, roles in ROLES.items()}
    found["system"] = SYSTEM_ACTOR  # the daily follow-ups job makes the "follow_up" move
    return found


RESOLVED = {
    "outcome": "recommendation_accepted",
    "agreed_actions": "The authority will give written feedback with every award.",
    "public_summary": "An authority agreed to explain its award decisions to every bidder.",
    "publishable": True,  # the investigator ticked "Publish this anonymised summary"
}
FOLLOW_UP_DAYS = 90  # a resolved case whose follow-up is still ahead


def _worked_by(investigator: str) -> list[tuple[str, str, dict]]:
    """An investigator takes the case, triages it and starts investigating."""
    return [("assign", investigator, {}), ("triage", investigator, {}), ("start", investigator, {})]


# Demo case index -> the state it shows and the steps that take it there: (action, by, details).
# "assign" is investigation.assign, "withdraw" investigation.withdraw (by the supplier), every
# other action investigation.perform. Case 0 stays received and unassigned: the triage card's
# "Assign to me" is there to be pressed.
PLANS: dict[int, tuple[str, Sequence[tuple[str, str, dict]]]] = {
    0: ("received", []),
    1: ("triaged", [("triage", LEAD_ID, {}), ("assign", LEAD_ID, {"assignee": INV1})]),
    2: ("investigating", _worked_by(INV2)),
    3: (
        "awaiting_authority",
        [*_worked_by(INV1), ("contact_authority", INV1, {})],
    ),
    4: ("out_of_scope", [("out_of_scope", LEAD_ID, {"reason": "A grant, not a procurement."})]),
    5: (
        "awaiting_supplier",
        [*_worked_by(INV1), ("ask_supplier", INV1, {})],
    ),
    6: (
        "resolved",
        [*_worked_by(INV2), ("resolve", INV2, {**RESOLVED, "follow_up_in_days": FOLLOW_UP_DAYS})],
    ),
    7: (
        "follow_up",
        [
            *_worked_by(INV1),
            ("resolve", INV1, {**RESOLVED, "follow_up_in_days": 1}),
            ("follow_up", "system", {}),
        ],
    ),
    8: (
        "closed",
        [*_worked_by(INV2), ("resolve", INV2, RESOLVED), ("close", INV2, {})],
    ),
    9: (
        "referred",
        [
            ("triage", LEAD_ID, {}),
            ("refer", LEAD_ID, {"note": "Passed to the Procurement Compliance Service."}),
        ],
    ),
    10: ("withdrawn", [("withdraw", "", {"reason": "Sorted out directly with the council."})]),
}
SPOT_CHECK = intake.ComplaintForm(
    authority_name="Southport City Council",
    authority_kind="wider",
    procurement_title="Highways maintenance framework",
    stage="tender",
    category="prescriptive_spec",
    what_happened="Reading the tender pack: every lot demands ten years of trading accounts.",
    outcome_wanted="Proportionate requirements for small firms.",
)
SPOT_CHECK_PLAN = _worked_by(INV2)


def advance(
    engine: Engine, cases: list[Complaint], policy: intake.IntakePolicy, ids: dict[str, int]
) -> None:
    """Put the demo cases in every state of the workflow, plus an investigated spot check."""
    now = utcnow()
    actors = _actors(ids)
    for index, (_, steps) in PLANS.items():
        if index < len(cases):
            _run(engine, cases[index], steps, now, actors)
    form = dataclasses.replace(SPOT_CHECK, procurement_date=uk_today(now) - timedelta(days=45))
    spot = investigation.open_spot_check(
        engine,
        form,
        actors[INV2],
        uk_today(now),
        policy,
        submission_key="demo-spot-check",
    )
    _run(engine, spot.complaint, SPOT_CHECK_PLAN, now, actors)


def _run(engine: Engine, case: Complaint, steps, now: datetime, actors: dict[str, Actor]) -> None:
    for action, user, details in steps:
        if action == "withdraw":
            investigation.withdraw(
                engine, case.reference, Actor(case.reporter_id), details["reason"], now
            )
        elif action == "assign":
            assignee = actors[details.get("assignee", user)].person_id
            investigation.assign(
                engine, case.reference, assignee, actors[user], now, only_if_unassigned=True
            )
        else:
            details = dict(details)
            if days := details.pop("follow_up_in_days", None):
                details["follow_up_due"] = uk_today(now) + timedelta(days=days)
            investigation.perform(engine, case.reference, action, actors[user], now, **details)
