"""Applicants: a civil servant signs up, their line manager approves, they join the queue.

Front-end neutral: takes plain values, returns stored rows or raises domain errors. Each change
is one transaction with its audit event and the notices it causes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import structlog
from dateutil.relativedelta import relativedelta
from sqlalchemy import and_, func, or_
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot.db import transaction
from bot.errors import InvalidTransition, NotFound, ValidationFailed
from bot.permissions import Actor
from bot.shadowing import catalog, endings, events, notices, policy
from bot.shadowing.catalog import check_transition
from bot.shadowing.placement_steps import clean_reason
from bot.submissions import create_once
from bot.text import clean
from models import ShadowApplicant, ShadowConflict

log = structlog.get_logger("msbot.shadowing")

MAX_DECLARED_CONFLICTS = 20

ALREADY_SIGNED_UP = (
    "You already have an active sign-up ({status}). Withdraw it first to sign up again."
)


@dataclass(frozen=True)
class SignupForm:
    """What a civil servant submitted, as typed (strings) or picked (choices, dates)."""

    department: str | None = None
    grade: str | None = None
    role: str = ""
    region: str | None = None
    mode: str | None = None
    interests: tuple[str, ...] = ()
    learning_goals: str = ""
    available_from: date | None = None
    available_to: date | None = None
    length: str | None = None
    manager_user_id: str | None = None
    # Free text, one organisation per line, that the applicant declares a conflict with.
    conflict_organisations: str = ""


class Fields:
    """Collects cleaned values and every field's error, so a form is answered all at once.

    Shared by the sign-up and host forms; errors are keyed by the form's field names.
    """

    def __init__(self, form: object):
        self.form = form
        self.errors: dict[str, str] = {}
        self.values: dict = {}

    def text(self, field: str, limit: int, *, required: bool = True, multiline: bool = False):
        value = clean(getattr(self.form, field), multiline=multiline)
        if required and not value:
            self.errors[field] = "Please fill this in."
        elif len(value) > limit:
            self.errors[field] = f"Please keep this under {limit} characters (it is {len(value)})."
        self.values[field] = value
        return value

    def choice(self, field: str, allowed) -> str | None:
        value = getattr(self.form, field)
        if value not in allowed:
            self.errors[field] = "Please choose one of the options."
        self.values[field] = value
        return value

    def choices(self, field: str, allowed, *, empty: str) -> list[str]:
        picked = list(dict.fromkeys(getattr(self.form, field) or ()))  # de-duplicated, in order
        if not picked:
            self.errors[field] = empty
        elif any(v not in allowed for v in picked):
            self.errors[field] = "Please choose from the list."
        self.values[field] = picked
        return picked

    def window(self, today: date, *, min_days: int | None = None, what: str = "") -> None:
        """available_from / available_to: both given, not past, in order, within the horizon,
        and (if ``min_days``) long enough for ``what``."""
        start, end = self.form.available_from, self.form.available_to
        self.values["available_from"], self.values["available_to"] = start, end
        if start is None:
            self.errors["available_from"] = "Please choose a start date."
        elif start < today:
            self.errors["available_from"] = "This date is in the past."
        if end is None:
            self.errors["available_to"] = "Please choose an end date."
        elif start is not None and end < start:
            self.errors["available_to"] = "The end date is before the start date."
        elif end < today:
            self.errors["available_to"] = "This date is in the past."
        elif end > today + relativedelta(years=catalog.HORIZON_YEARS):
            self.errors["available_to"] = (
                f"Please choose dates within the next {catalog.HORIZON_YEARS} years."
            )
        if start is None or end is None or self.errors.keys() & {"available_from", "available_to"}:
            return
        days = (end - start).days + 1
        if min_days and days < min_days:
            self.errors["available_to"] = (
                f"These dates give {days} day{'s' if days != 1 else ''}, "
                f"but {what} needs at least {min_days}."
            )

    def done(self) -> dict:
        if self.errors:
            raise ValidationFailed(self.errors)
        return self.values


def validate_signup(
    form: SignupForm, *, user_id: str, today: date, departments: tuple[str, ...]
) -> dict:
    """Return the cleaned values, or raise ValidationFailed naming each bad field.

    ``conflict_organisations`` comes back as a list of organisation names.
    """
    f = Fields(form)
    f.choice("department", set(departments))
    f.choice("grade", catalog.values(catalog.GRADES))
    f.text("role", catalog.MAX_NAME)
    f.choice("region", catalog.values(catalog.REGIONS))
    f.choice("mode", catalog.values(catalog.MODES))
    f.choices(
        "interests",
        catalog.values(catalog.INTEREST_AREAS),
        empty="Choose at least one area you are interested in.",
    )
    f.text("learning_goals", catalog.MAX_TEXT, multiline=True)
    length = f.choice("length", catalog.values(catalog.LENGTHS))
    min_days = catalog.LENGTH_DAYS.get(length or "")
    chosen = catalog.label(catalog.LENGTHS, length).lower()
    f.window(today, min_days=min_days, what=f"the length you chose ({chosen})")
    f.values["length_days"] = min_days

    manager = clean(form.manager_user_id)
    if not manager:
        f.errors["manager_user_id"] = "Choose your line manager."
    elif manager == user_id:
        f.errors["manager_user_id"] = "Your line manager must be someone else."
    f.values["manager_user_id"] = manager

    f.values["conflict_organisations"] = _organisations(form.conflict_organisations, f.errors)
    return f.done()


def _organisations(raw: str, errors: dict[str, str]) -> list[str]:
    text = clean(raw, multiline=True)
    if len(text) > catalog.MAX_TEXT:
        errors["conflict_organisations"] = f"Please keep this under {catalog.MAX_TEXT} characters."
        return []
    names: dict[str, str] = {}
    for line in text.split("\n"):
        name = clean(line)
        if name:
            names.setdefault(name.casefold(), name)
    if any(len(n) > catalog.MAX_NAME for n in names.values()):
        errors["conflict_organisations"] = (
            f"Put one organisation per line, each under {catalog.MAX_NAME} characters."
        )
    elif len(names) > MAX_DECLARED_CONFLICTS:
        errors["conflict_organisations"] = (
            f"Please list at most {MAX_DECLARED_CONFLICTS} organisations; "
            "a coordinator can record more."
        )
    return list(names.values())


def sign_up(
    engine: Engine,
    form: SignupForm,
    *,
    actor: Actor,
    submission_key: str | None,
    today: date,
    departments: tuple[str, ...],
) -> ShadowApplicant:
    """``actor`` signs up: store a validated sign-up, its declared conflicts, its audit event
    and the approval request to the line manager, atomically. Anyone may sign up.

    A repeated delivery (same ``submission_key``) returns the sign-up stored the first time.
    A second active sign-up is refused.
    """
    user_id = actor.user_id
    values = validate_signup(form, user_id=user_id, today=today, departments=departments)
    organisations = values.pop("conflict_organisations")

    def create(s: Session) -> ShadowApplicant:
        if current := active_signup(s, user_id):
            raise _already(current)
        applicant = ShadowApplicant(
            user_id=user_id,
            active_user_id=user_id,
            submission_key=submission_key,
            status="pending_approval",
            **values,
        )
        s.add(applicant)
        s.flush()
        for organisation in organisations:
            s.add(
                ShadowConflict(
                    applicant_id=applicant.id,
                    organisation=organisation,
                    source="applicant",
                    reason="Declared by the applicant when signing up.",
                    recorded_by=user_id,
                )
            )
        events.record(
            s,
            "signed_up",
            actor=user_id,
            applicant_id=applicant.id,
            status=applicant.status,
            declared_conflicts=len(organisations),
        )
        notices.queue(
            s, notices.APPROVAL_REQUEST, user_id=applicant.manager_user_id, subject_id=applicant.id
        )
        return applicant

    try:
        stored = create_once(engine, ShadowApplicant, submission_key, create)
    except IntegrityError:
        # A second sign-up raced this one: the unique active_user_id column let only one in.
        with transaction(engine) as s:
            current = active_signup(s, user_id)
        if current is not None:
            raise _already(current) from None
        raise
    if stored.created:
        log.info("shadow.signed_up", applicant_id=stored.row.id, user=user_id)
    return stored.row


def _already(current: ShadowApplicant) -> ValidationFailed:
    status = catalog.status_label(current.status)
    return ValidationFailed({"department": ALREADY_SIGNED_UP.format(status=status)})


def active_signup(session: Session, user_id: str) -> ShadowApplicant | None:
    """The user's one sign-up that is still in progress, if any."""
    query = select(ShadowApplicant).where(ShadowApplicant.active_user_id == user_id)
    return session.exec(query).first()


def signup_of(session: Session, user_id: str) -> ShadowApplicant | None:
    """The user's active sign-up or, failing that, their latest one (a coordinator recording
    a conflict names a person, who may be between sign-ups)."""
    if current := active_signup(session, user_id):
        return current
    query = (
        select(ShadowApplicant)
        .where(ShadowApplicant.user_id == user_id)
        .order_by(ShadowApplicant.id.desc())
    )
    return session.exec(query).first()


def _decided(applicant: ShadowApplicant) -> str:
    if applicant.status == "declined":
        return "This sign-up has already been declined."
    if applicant.status == "withdrawn":
        return "This sign-up was withdrawn, so there is nothing to decide."
    now = catalog.status_label(applicant.status)
    return f"This sign-up has already been approved (it is now {now})."


def decide(
    engine: Engine, applicant_id: int, *, actor: Actor, approve: bool, now: datetime
) -> ShadowApplicant:
    """The named line manager approves (the applicant joins the queue) or declines."""
    with transaction(engine) as s:
        # Locked, so two clicks arriving together are decided once: the second waits and then
        # sees the first one's decision.
        applicant = s.get(ShadowApplicant, applicant_id, with_for_update=True)
        if applicant is None:
            raise NotFound("That sign-up was not found.")
        policy.require_manager(actor, applicant.manager_user_id)
        if applicant.status != "pending_approval":
            raise InvalidTransition(_decided(applicant))
        target = "queued" if approve else "declined"
        check_transition("sign-up", applicant.status, target)
        applicant.status = target
        applicant.updated_at = now
        if approve:
            applicant.queued_at = now
        else:
            applicant.active_user_id = None  # free to sign up again
        events.record(
            s,
            "approved" if approve else "declined_by_manager",
            actor=actor.user_id,
            applicant_id=applicant.id,
            at=now,
            status=target,
        )
        notices.queue(
            s,
            notices.APPROVAL_RESULT,
            user_id=applicant.user_id,
            subject_id=applicant.id,
            approved=approve,
        )
    return applicant


def queue_position(session: Session, applicant: ShadowApplicant) -> int | None:
    """1-based place in the queue (earliest queued first), or None when not queued."""
    if applicant.status != "queued" or applicant.queued_at is None:
        return None
    ahead = session.exec(
        select(func.count())
        .select_from(ShadowApplicant)
        .where(
            ShadowApplicant.status == "queued",
            or_(
                ShadowApplicant.queued_at < applicant.queued_at,
                and_(
                    ShadowApplicant.queued_at == applicant.queued_at,
                    ShadowApplicant.id < applicant.id,
                ),
            ),
        )
    ).one()
    return ahead + 1


def withdraw(engine: Engine, *, actor: Actor, reason: str, now: datetime) -> ShadowApplicant:
    """The user withdraws their active sign-up; any offer or placement in progress ends and
    its host is told, which frees the place."""
    user_id = actor.user_id
    text = clean_reason(reason)
    with transaction(engine) as s:
        applicant = s.exec(
            select(ShadowApplicant)
            .where(ShadowApplicant.active_user_id == user_id)
            .with_for_update()
        ).first()
        if applicant is None:
            raise NotFound("You have no active sign-up to withdraw.")
        previous = applicant.status
        check_transition("sign-up", previous, "withdrawn")
        applicant.status = "withdrawn"
        applicant.active_user_id = None
        applicant.withdrawn_reason = text
        applicant.updated_at = now
        events.record(
            s, "withdrawn", actor=user_id, applicant_id=applicant.id, at=now, previous=previous
        )
        endings.end_open_placements(s, applicant, actor=user_id, reason=text, now=now)
    return applicant
