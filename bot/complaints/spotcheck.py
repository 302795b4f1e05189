"""Spot checks: cases the service opens itself after reading procurement documents.

Same fields and the same workflow as a complaint, but no supplier: nobody to tell, nobody to
relay to, nothing to withdraw or reveal.
"""

from __future__ import annotations

import dataclasses
from datetime import date

import structlog
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot import outbox, permissions
from bot.complaints import intake
from bot.complaints import policy as complaint_policy
from bot.complaints.cases import add_event
from bot.references import format_reference, next_sequence
from bot.submissions import create_once
from models import Complaint

log = structlog.get_logger("msbot.complaints.spotcheck")

SPOT_CHECK = "spot_check"
# Validation reuses intake's rules; the supplier's organisation is not asked for.
_NO_ORGANISATION = {"organisation_name": "(spot check)", "organisation_type": "other"}


def open_spot_check(
    engine: Engine,
    form: intake.ComplaintForm,
    actor: permissions.Actor,
    today: date,
    policy: intake.IntakePolicy,
    *,
    submission_key: str | None = None,
) -> intake.Submission:
    """Validate and store a spot check with its audit event and triage card, atomically.
    A repeated delivery (same ``submission_key``) returns the case stored the first time."""
    complaint_policy.require(actor, "spotcheck")
    values = intake.validate(dataclasses.replace(form, anonymous=False, **_NO_ORGANISATION), today)
    values["organisation_name"] = ""
    ids: list[int] = []

    def create(s: Session) -> Complaint:
        seq = next_sequence(s, intake.REFERENCE_PREFIX, today.year)
        case = intake.received_case(
            values,
            today,
            policy,
            kind=SPOT_CHECK,
            submission_key=submission_key,
            reporter_id=None,
            seq=seq,
            reference=format_reference(intake.REFERENCE_PREFIX, today.year, seq),
        )
        s.add(case)
        s.flush()
        add_event(s, case, "received", actor.person_id, {"status": "received", "kind": SPOT_CHECK})
        card = outbox.enqueue(s, intake.TRIAGE_CARD, subject_id=case.id, role=outbox.TRIAGE_ROLE)
        # Grouped with related cases after the commit (related.group_case), like a complaint.
        s.flush()
        ids.append(card.id)
        return case

    # Numbering is inside the one transaction: a repeated delivery that loses the race on the
    # submission key rolls its number back with the rest.
    stored = create_once(engine, Complaint, submission_key, create)
    case = stored.row
    if not stored.created:
        return intake.Submission(case, created=False)
    log.info("complaint.spot_check_opened", case_ref=case.reference, by=actor.person_id)
    return intake.Submission(case, created=True, notification_ids=tuple(ids))
