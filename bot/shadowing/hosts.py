"""Hosts: a voluntary-sector organisation offers work-shadowing places.

Front-end neutral, like the sign-up: validate, then one transaction with the audit event.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

import structlog
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.db import transaction
from bot.errors import NotFound, ValidationFailed
from bot.permissions import Actor
from bot.shadowing import catalog, events, policy
from bot.shadowing.catalog import check_transition
from bot.shadowing.signup import Fields
from bot.submissions import create_once
from models import ShadowConflict, ShadowHost, ShadowPlacement
from models.base import utcnow

log = structlog.get_logger("msbot.shadowing")

DECLARED_BY_HOST = "Declared by the host: bids for work from or lobbies this department."

# Deliberately loose: it catches slips (no @, spaces), not every invalid address.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class HostForm:
    organisation: str = ""
    contact_name: str = ""
    contact_email: str = ""
    areas: tuple[str, ...] = ()
    region: str | None = None
    mode: str | None = None
    capacity: int | None = None
    available_from: date | None = None
    available_to: date | None = None
    activities: str = ""
    # Departments the host bids for work from or lobbies: a declared conflict of interest.
    conflict_departments: tuple[str, ...] = ()


def _capacity_error(capacity) -> str | None:
    if capacity is None:
        return "How many visitors can you take?"
    if isinstance(capacity, bool) or not isinstance(capacity, int):
        return "Please give a whole number."
    if not 1 <= capacity <= catalog.MAX_CAPACITY:
        return f"Please choose between 1 and {catalog.MAX_CAPACITY} places."
    return None


def validate_host(form: HostForm, *, today: date, departments: tuple[str, ...]) -> dict:
    """Return the cleaned values, or raise ValidationFailed naming each bad field."""
    f = Fields(form)
    f.text("organisation", catalog.MAX_NAME)
    f.text("contact_name", catalog.MAX_NAME)
    email = f.text("contact_email", catalog.MAX_NAME, required=False)
    if email and "contact_email" not in f.errors and not _EMAIL.match(email):
        f.errors["contact_email"] = "That doesn't look like an email address."
    f.values["contact_email"] = email or None
    f.choices(
        "areas",
        catalog.values(catalog.INTEREST_AREAS),
        empty="Choose at least one area your organisation works in.",
    )
    f.choice("region", catalog.values(catalog.REGIONS))
    f.choice("mode", catalog.values(catalog.MODES))
    if problem := _capacity_error(form.capacity):
        f.errors["capacity"] = problem
    f.values["capacity"] = form.capacity
    f.window(today)
    f.text("activities", catalog.MAX_TEXT, multiline=True)
    picked = list(dict.fromkeys(form.conflict_departments or ()))
    if any(d not in departments for d in picked):
        f.errors["conflict_departments"] = "Please choose from the list."
    f.values["conflict_departments"] = picked
    return f.done()


def offer_places(
    engine: Engine,
    form: HostForm,
    *,
    actor: Actor,
    submission_key: str | None,
    today: date,
    departments: tuple[str, ...],
) -> ShadowHost:
    """Store a validated host offer (status open) with its declared conflicts and audit event.

    A repeated delivery (same ``submission_key``) returns the offer stored the first time.
    """
    user_id = actor.person_id
    values = validate_host(form, today=today, departments=departments)
    conflict_departments = values.pop("conflict_departments")

    def create(s: Session) -> ShadowHost:
        host = ShadowHost(person_id=user_id, submission_key=submission_key, status="open", **values)
        s.add(host)
        s.flush()
        for department in conflict_departments:
            s.add(
                ShadowConflict(
                    host_id=host.id,
                    department=department,
                    source="host",
                    reason=DECLARED_BY_HOST,
                    recorded_by_id=user_id,
                )
            )
        events.record(
            s,
            "host_registered",
            actor=user_id,
            host_id=host.id,
            capacity=host.capacity,
            declared_conflicts=len(conflict_departments),
        )
        return host

    stored = create_once(engine, ShadowHost, submission_key, create)
    if stored.created:
        log.info("shadow.host_registered", host_id=stored.row.id, person=user_id)
    return stored.row


def hosts_for_user(session: Session, user_id: str) -> list[ShadowHost]:
    query = (
        select(ShadowHost)
        .where(ShadowHost.person_id == user_id)
        .order_by(ShadowHost.created_at, ShadowHost.id)
    )
    return list(session.exec(query))


def _count(session: Session, host_id: int, statuses: tuple[str, ...]) -> int:
    return session.exec(
        select(func.count())
        .select_from(ShadowPlacement)
        .where(ShadowPlacement.host_id == host_id, ShadowPlacement.status.in_(statuses))
    ).one()


def places_taken(session: Session, host_id: int) -> int:
    """Places held by an offer or a placement (offered, accepted, scheduled, completed)."""
    return _count(session, host_id, catalog.PLACE_TAKING_STATUSES)


def places_accepted(session: Session, host_id: int) -> int:
    """Places the host has agreed to (accepted, scheduled, completed)."""
    return _count(session, host_id, catalog.ACCEPTED_STATUSES)


def _locked_own_host(s: Session, host_id: int, actor: Actor) -> ShadowHost:
    """The host ``actor`` may change (its own, or any for a coordinator), locked so a round
    being committed (which locks open hosts) sees the final figure and status."""
    host = s.get(ShadowHost, host_id, with_for_update=True)
    if host is None:
        raise NotFound("That host was not found.")
    policy.require_host_or_coordinator(actor, host.person_id)
    return host


def change_capacity(engine: Engine, host_id: int, *, actor: Actor, capacity: int) -> ShadowHost:
    """The host (or a coordinator) changes the number of places. It can't go below the
    visitors already accepted; open offers beyond it simply leave no free place."""
    with transaction(engine) as s:
        host = _locked_own_host(s, host_id, actor)
        user_id = actor.person_id
        if problem := _capacity_error(capacity):
            raise ValidationFailed({"capacity": problem})
        accepted = places_accepted(s, host.id)
        if capacity < accepted:
            raise ValidationFailed(
                {
                    "capacity": f"You have already accepted {accepted} visitor"
                    f"{'s' if accepted != 1 else ''}; places can't go below {accepted}."
                }
            )
        previous = host.capacity
        host.capacity = capacity
        host.updated_at = utcnow()
        events.record(
            s,
            "capacity_changed",
            actor=user_id,
            host_id=host.id,
            previous=previous,
            capacity=capacity,
        )
    return host


def set_open(
    engine: Engine,
    host_id: int,
    *,
    actor: Actor,
    open_: bool,
    now: datetime,
) -> ShadowHost:
    """The host (or a coordinator) closes its places to new offers, or reopens them. Offers
    and placements already made are not touched; a round simply skips a closed host."""
    with transaction(engine) as s:
        host = _locked_own_host(s, host_id, actor)
        user_id = actor.person_id
        target = "open" if open_ else "closed"
        check_transition("host", host.status, target, f"Host {host.id} is already {target}.")
        host.status = target
        host.updated_at = now
        events.record(
            s, "host_reopened" if open_ else "host_closed", actor=user_id, host_id=host.id, at=now
        )
    log.info("shadow.host_status", host_id=host.id, status=target)
    return host
