"""Complaint intake: validate a submitted form, store the case, queue the notifications.

Front-end neutral: takes plain values, returns stored rows or raises domain errors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

import structlog
from dateutil.relativedelta import relativedelta
from sqlalchemy import bindparam, insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot import outbox
from bot.complaints import catalog
from bot.db import transaction
from bot.errors import NotFound, ValidationFailed
from bot.logs import touching_anonymous_case
from bot.permissions import Actor
from bot.references import format_reference, next_sequence
from bot.sla import due_date
from bot.text import clean
from models import Complaint, ComplaintEvent

log = structlog.get_logger("msbot.complaints")

REFERENCE_PREFIX = "MS"
REFERENCE_PATTERN = re.compile(r"^MS-(\d{4})-(\d{4,})$")

# Field length limits; each is also the max_length of the matching form input.
MAX_NAME = 200
MAX_REFERENCE = 100
MAX_WHAT_HAPPENED = 3000
MAX_OUTCOME = 1500
MAX_INVOICE_PENCE = 100_000_000_000  # £1bn: anything larger is a typing slip
LOOKBACK_YEARS = 2

# Notification kinds queued in the outbox on receipt.
RECEIVED_DM = "complaint.received.dm"
TRIAGE_CARD = "complaint.triage_card"


@dataclass(frozen=True)
class ComplaintForm:
    """What a supplier submitted, as typed (strings) or picked (dates, choices)."""

    authority_name: str = ""
    authority_kind: str | None = None
    procurement_title: str = ""
    procurement_reference: str = ""
    stage: str | None = None
    category: str | None = None
    procurement_date: date | None = None
    what_happened: str = ""
    outcome_wanted: str = ""
    organisation_name: str = ""
    organisation_type: str | None = None
    anonymous: bool = False
    invoice_amount: str = ""
    invoice_date: date | None = None


@dataclass(frozen=True)
class IntakePolicy:
    sla_central_months: int = 2
    sla_wider_months: int = 3


@dataclass(frozen=True)
class Submission:
    complaint: Complaint
    created: bool  # False when this was a repeated delivery of an earlier submission
    notification_ids: tuple[int, ...] = ()


def parse_amount_pence(raw: str) -> int:
    """'£1,234.50' -> 123450. Raises ValueError with a message for the user."""
    text = raw.strip().replace(",", "").replace(" ", "").removeprefix("£")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError("Enter the amount in pounds, for example 1250.00.") from None
    if not amount.is_finite() or amount <= 0:
        raise ValueError("The amount must be more than £0.")
    if amount.as_tuple().exponent < -2:
        raise ValueError("Use at most two decimal places (pounds and pence).")
    pence = int(amount * 100)
    if pence > MAX_INVOICE_PENCE:
        raise ValueError("That amount is implausibly large; check it and try again.")
    return pence


def validate(form: ComplaintForm, today: date) -> dict:
    """Return the cleaned values, or raise ValidationFailed naming each bad field."""
    errors: dict[str, str] = {}
    values: dict = {}

    def text(field: str, limit: int, *, required: bool = True, multiline: bool = False):
        value = clean(getattr(form, field), multiline=multiline)
        if required and not value:
            errors[field] = "Please fill this in."
        elif len(value) > limit:
            errors[field] = f"Please keep this under {limit} characters (it is {len(value)})."
        values[field] = value

    def choice(field: str, options: tuple[tuple[str, str], ...]):
        value = getattr(form, field)
        if value not in dict(options):
            errors[field] = "Please choose one of the options."
        values[field] = value

    text("authority_name", MAX_NAME)
    choice("authority_kind", catalog.AUTHORITY_KINDS)
    text("procurement_title", MAX_NAME)
    text("procurement_reference", MAX_REFERENCE, required=False)
    choice("stage", catalog.STAGES)
    choice("category", catalog.CATEGORIES)
    text("what_happened", MAX_WHAT_HAPPENED, multiline=True)
    text("outcome_wanted", MAX_OUTCOME, multiline=True)
    text("organisation_name", MAX_NAME)
    choice("organisation_type", catalog.ORGANISATION_TYPES)
    values["anonymous"] = bool(form.anonymous)

    when = form.procurement_date
    if when is None:
        errors["procurement_date"] = "Please give the date of the procurement."
    elif when > today:
        errors["procurement_date"] = "This date is in the future."
    elif when < today - relativedelta(years=LOOKBACK_YEARS):
        errors["procurement_date"] = (
            f"We can only look at procurements from the last {LOOKBACK_YEARS} years."
        )
    values["procurement_date"] = when

    values["invoice_amount_pence"] = None
    if clean(form.invoice_amount):
        try:
            values["invoice_amount_pence"] = parse_amount_pence(form.invoice_amount)
        except ValueError as exc:
            errors["invoice_amount"] = str(exc)
    if form.invoice_date is not None and form.invoice_date > today:
        errors["invoice_date"] = "The invoice date is in the future."
    values["invoice_date"] = form.invoice_date
    if form.category == catalog.LATE_PAYMENT:
        if not clean(form.invoice_amount):
            errors["invoice_amount"] = "For late payment, give the amount still owed."
        if form.invoice_date is None:
            errors["invoice_date"] = "For late payment, give the date of the invoice."

    if errors:
        raise ValidationFailed(errors)
    values["procurement_reference"] = values["procurement_reference"] or None
    return values


def received_case(values: dict, today: date, policy: IntakePolicy, **fields) -> Complaint:
    """A case received ``today`` from validated ``values`` (not numbered or stored yet), due by
    the service target for its kind of authority. ``fields``: the case's other columns."""
    months = (
        policy.sla_central_months
        if values["authority_kind"] == "central"
        else policy.sla_wider_months
    )
    return Complaint(
        status="received",
        received_on=today,
        due_date=due_date(today, months),
        year=today.year,
        **fields,
        **values,
    )


def submit(
    engine: Engine,
    form: ComplaintForm,
    *,
    actor: Actor,
    submission_key: str | None,
    today: date,
    policy: IntakePolicy,
) -> Submission:
    """``actor`` raises a complaint (anyone may, anonymously if they wish): validate and store
    it with its audit event and notifications, atomically.

    A repeated delivery (same ``submission_key``) returns the case stored the first time.
    """
    reporter_id = actor.person_id
    case = received_case(
        validate(form, today), today, policy, submission_key=submission_key, reporter_id=reporter_id
    )
    # Numbering and storing are one transaction, so a number is used only by a case that is
    # stored: a failure anywhere (outage, deadline, a repeated delivery that lost the race on
    # the submission key) rolls the counter back with the rest. The counter row stays locked
    # until the commit, a few milliseconds: submissions of one year are stored one at a time.
    # A repeated delivery is recognised before numbering, or (when two race) by the unique
    # submission key, which rolls its number back.
    try:
        with transaction(engine) as s:
            if submission_key and (existing := _by_submission_key(s, submission_key)):
                return Submission(existing, created=False)
            case.seq = next_sequence(s, REFERENCE_PREFIX, today.year)
            case.reference = format_reference(REFERENCE_PREFIX, today.year, case.seq)
            # Core INSERTs, not the ORM's unit of work: the rows are new and fully known, so
            # the flush machinery (change tracking, dependency sorting, one statement per
            # object) was most of the CPU a submission cost. The case object is returned
            # as built, its id filled in from RETURNING.
            if case.anonymous:
                # The ORM's insert hook (bot/complaints/privacy.py) does not see a Core
                # INSERT: tell the log context here that this unit of work is anonymous.
                touching_anonymous_case()
            case.id = _insert_case(s, case)
            s.execute(
                _INSERT_EVENT,
                {
                    "complaint_id": case.id,
                    # The filer of an anonymous case is known only from the case row.
                    "actor_id": None if case.anonymous else reporter_id,
                    "kind": "received",
                    "data": {"status": "received", "anonymous": case.anonymous},
                },
            )
            ids = outbox.enqueue_new(
                s,
                [
                    outbox.NewMessage(RECEIVED_DM, subject_id=case.id, person_id=reporter_id),
                    outbox.NewMessage(TRIAGE_CARD, subject_id=case.id, role=outbox.TRIAGE_ROLE),
                ],
            )
            # Related cases are found after the commit, never under the counter's lock: the
            # case is stored ungrouped and related.group_case groups it exactly once.
            s.flush()
    except IntegrityError:
        # Two deliveries of one submission raced; the other one stored it.
        with transaction(engine) as s:
            existing = submission_key and _by_submission_key(s, submission_key)
        if existing:
            return Submission(existing, created=False)
        raise
    # Privacy: an anonymous case is never logged together with its filer.
    if case.anonymous:
        structlog.contextvars.unbind_contextvars("user")
        log.info("complaint.received", case_ref=case.reference, anonymous=True)
    else:
        log.info("complaint.received", case_ref=case.reference, person=reporter_id)
    return Submission(case, created=True, notification_ids=ids)


# Built once: statements made afresh per request (``.values(...)``, ``.where(x == value)``)
# cost more CPU in SQLAlchemy's construction and cache-key work than running them does.
_CASE_COLUMNS = tuple(c.name for c in Complaint.__table__.columns if c.name != "id")
_INSERT_CASE = insert(Complaint.__table__).returning(Complaint.__table__.c.id)
_INSERT_EVENT = insert(ComplaintEvent.__table__)
_CASE_BY_KEY = select(Complaint.id).where(Complaint.submission_key == bindparam("key"))


def _insert_case(session: Session, case: Complaint) -> int:
    row = {name: getattr(case, name) for name in _CASE_COLUMNS}
    return session.execute(_INSERT_CASE, row).scalar_one()


def _by_submission_key(session: Session, key: str) -> Complaint | None:
    # The id alone first: on the usual path (a first delivery) there is nothing to load.
    found = session.execute(_CASE_BY_KEY, {"key": key}).scalar_one_or_none()
    return None if found is None else session.get(Complaint, found)


def cases_for_reporter(session: Session, user_id: str) -> list[Complaint]:
    query = (
        select(Complaint)
        .where(Complaint.reporter_id == user_id)
        .order_by(Complaint.created_at.desc(), Complaint.id.desc())
    )
    return list(session.exec(query))


def normalise_reference(raw: str) -> str:
    return raw.strip().upper()


def case_for_reporter(session: Session, user_id: str, reference: str) -> Complaint:
    """The reporter's own case. Someone else's case is 'not found', word for word the same as
    a reference that does not exist, so references cannot be probed."""
    ref = normalise_reference(reference)[:40]
    if not REFERENCE_PATTERN.match(ref):
        raise NotFound(f"{ref} is not a case reference: references look like MS-2026-0007.")
    case = session.exec(select(Complaint).where(Complaint.reference == ref)).first()
    if case is None or case.reporter_id != user_id:
        raise NotFound(f"No case {ref} was found among your complaints.")
    return case
