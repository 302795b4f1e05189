"""Conflicts of interest: recorded, cleared with safeguards, and turned into banned pairs.

A conflict links an applicant (or a whole department) with a host (or an organisation by
name). Applicants and hosts declare them on their forms; coordinators record and clear them.
Some are automatic: an open procurement complaint between a host organisation and a
department, and a pair whose earlier offer fell through. Reasons are for coordinators only;
they never reach a notice or an audit event.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import structlog
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.complaints import lifecycle
from bot.db import transaction
from bot.errors import NotFound, ValidationFailed
from bot.permissions import Actor
from bot.shadowing import catalog, events, policy
from bot.shadowing.catalog import check_transition
from bot.shadowing.endings import end_offers_between
from bot.submissions import create_once
from bot.text import clean
from models import Complaint, ShadowApplicant, ShadowConflict, ShadowHost, ShadowPlacement
from models.base import utcnow

log = structlog.get_logger("msbot.shadowing")

# Placement outcomes that keep the same pair from being offered again: one side said no, let
# the offer lapse, or pulled out.
FELL_THROUGH = {
    "declined": "declined before",
    "expired": "declined before",
    "withdrawn": "withdrawn before",
}


def normalise(name: str | None) -> str:
    """Organisation and department names as compared: case-blind, spaces collapsed, without
    a leading "The" ("The Home Office" is "home office")."""
    text = " ".join((name or "").casefold().split())
    return text.removeprefix("the ")


@dataclass(frozen=True)
class Recorded:
    conflict: ShadowConflict
    # Offers between the pair that were open and are now withdrawn (both sides told).
    ended_placement_ids: list[int]


def record_conflict(engine: Engine, **kwargs) -> ShadowConflict:
    """A coordinator records a conflict (see :func:`record`); just the stored conflict."""
    return record(engine, **kwargs).conflict


def record(
    engine: Engine,
    *,
    actor: Actor,
    applicant_id: int | None = None,
    host_id: int | None = None,
    department: str | None = None,
    organisation: str | None = None,
    reason: str,
    now: datetime | None = None,
    submission_key: str | None = None,
) -> Recorded:
    """A coordinator records a conflict between an applicant or department and a host or
    organisation. Any open offer it now bans is withdrawn in the same transaction, with the
    neutral "withdrawn" notice to both sides: the reason never leaves the coordinators.
    A repeated delivery of the same form (``submission_key``) returns the conflict recorded
    the first time and changes nothing."""
    policy.require(actor, "record_conflict")
    by_user_id = actor.user_id
    now = now or utcnow()
    department, organisation = clean(department) or None, clean(organisation) or None
    text = clean(reason, multiline=True)
    errors: dict[str, str] = {}
    if (applicant_id is None) == (department is None):
        errors["applicant_id"] = "Name either one applicant or one department."
    if (host_id is None) == (organisation is None):
        errors["host_id"] = "Name either one host or one organisation."
    for field, value in (("department", department), ("organisation", organisation)):
        if value and len(value) > catalog.MAX_NAME:
            errors[field] = f"Please keep this under {catalog.MAX_NAME} characters."
    if not text:
        errors["reason"] = "Say what the conflict is."
    elif len(text) > catalog.MAX_TEXT:
        errors["reason"] = f"Please keep this under {catalog.MAX_TEXT} characters."
    if errors:
        raise ValidationFailed(errors)
    ended: list[int] = []

    def create(s: Session) -> ShadowConflict:
        if applicant_id is not None and s.get(ShadowApplicant, applicant_id) is None:
            raise NotFound(f"There is no applicant {applicant_id}.")
        if host_id is not None and s.get(ShadowHost, host_id) is None:
            raise NotFound(f"There is no host {host_id}.")
        conflict = ShadowConflict(
            applicant_id=applicant_id,
            host_id=host_id,
            department=department,
            organisation=organisation,
            source="coordinator",
            reason=text,
            recorded_by=by_user_id,
            created_at=now,
            submission_key=submission_key,
        )
        s.add(conflict)
        s.flush()
        events.record(
            s,
            "conflict_recorded",
            actor=by_user_id,
            applicant_id=applicant_id,
            host_id=host_id,
            at=now,
            conflict_id=conflict.id,
        )
        banned = _open_offers_banned_by(s, conflict)
        ended.extend(end_offers_between(s, banned, actor=by_user_id, now=now))
        return conflict

    stored = create_once(engine, ShadowConflict, submission_key, create)
    conflict = stored.row
    if not stored.created:  # the same form delivered again: recorded the first time
        return Recorded(conflict, [])
    log.info("shadow.conflict_recorded", conflict_id=conflict.id, offers_ended=len(ended))
    return Recorded(conflict, ended)


def _open_offers_banned_by(s: Session, c: ShadowConflict) -> list[tuple[int, int]]:
    """(applicant_id, host_id) of the open offers that conflict ``c`` covers."""
    P, A, H = ShadowPlacement, ShadowApplicant, ShadowHost
    query = (
        select(P.applicant_id, P.host_id, A.department, H.organisation)
        .join(A, A.id == P.applicant_id)
        .join(H, H.id == P.host_id)
        .where(P.status == "offered")
    )
    if c.applicant_id is not None:
        query = query.where(P.applicant_id == c.applicant_id)
    if c.host_id is not None:
        query = query.where(P.host_id == c.host_id)
    return [
        (a_id, h_id)
        for a_id, h_id, dept, org in s.exec(query)
        if (c.applicant_id is not None or normalise(dept) == normalise(c.department))
        and (c.host_id is not None or normalise(org) == normalise(c.organisation))
    ]


def clear_conflict(
    engine: Engine,
    conflict_id: int,
    *,
    actor: Actor,
    safeguards: str,
    now: datetime,
) -> ShadowConflict:
    """A coordinator clears a conflict once safeguards that contain it are agreed; the pair
    can then be matched."""
    policy.require(actor, "clear_conflict")
    by_user_id = actor.user_id
    text = clean(safeguards, multiline=True)
    if not text:
        raise ValidationFailed({"safeguards": "Describe the safeguards agreed to contain it."})
    if len(text) > catalog.MAX_TEXT:
        raise ValidationFailed(
            {"safeguards": f"Please keep this under {catalog.MAX_TEXT} characters."}
        )
    with transaction(engine) as s:
        conflict = s.get(ShadowConflict, conflict_id, with_for_update=True)
        if conflict is None:
            raise NotFound(f"There is no conflict {conflict_id}.")
        check_transition(
            "conflict", conflict.status, "cleared", "This conflict has already been cleared."
        )
        conflict.status = "cleared"
        conflict.safeguards = text
        conflict.cleared_by = by_user_id
        conflict.cleared_at = now
        events.record(
            s,
            "conflict_cleared",
            actor=by_user_id,
            applicant_id=conflict.applicant_id,
            host_id=conflict.host_id,
            at=now,
            conflict_id=conflict.id,
        )
    return conflict


def list_conflicts(
    session: Session, actor: Actor, *, include_cleared: bool = False
) -> list[ShadowConflict]:
    """The recorded conflicts with their reasons, which only coordinators may see."""
    policy.require(actor, "see_conflicts")
    query = select(ShadowConflict).order_by(ShadowConflict.id)
    if not include_cleared:
        query = query.where(ShadowConflict.status == "active")
    return list(session.exec(query))


def banned_pairs(
    session: Session, applicants: Iterable, hosts: Iterable
) -> dict[tuple[int, int], str]:
    """``(applicant_id, host_id) -> reason`` for every pair among ``applicants`` and ``hosts``
    that must not be matched. The reason is for coordinators only.

    ``applicants`` need ``id`` and ``department``; ``hosts`` need ``id`` and ``organisation``
    (rows, or the column tuples a round loads). Names are matched through indexes keyed by
    :func:`normalise`, so the work grows with the conflicts found, never with
    applicants x hosts. The first reason found for a pair is kept.
    """
    apps_by_id: dict[int, object] = {}
    apps_by_department: dict[str, list[int]] = {}
    for a in applicants:
        apps_by_id[a.id] = a
        apps_by_department.setdefault(normalise(a.department), []).append(a.id)
    hosts_by_id: dict[int, object] = {}
    hosts_by_organisation: dict[str, list[int]] = {}
    for h in hosts:
        hosts_by_id[h.id] = h
        hosts_by_organisation.setdefault(normalise(h.organisation), []).append(h.id)
    banned: dict[tuple[int, int], str] = {}
    if not apps_by_id or not hosts_by_id:
        return banned

    def ban(app_ids: Iterable[int], host_ids: Iterable[int], reason: str) -> None:
        host_ids = list(host_ids)
        for a_id in app_ids:
            for h_id in host_ids:
                banned.setdefault((a_id, h_id), reason)

    empty: list[int] = []
    active = (
        select(ShadowConflict).where(ShadowConflict.status == "active").order_by(ShadowConflict.id)
    )
    for c in session.exec(active):
        if c.applicant_id is not None:
            app_ids = [c.applicant_id] if c.applicant_id in apps_by_id else empty
        else:
            app_ids = apps_by_department.get(normalise(c.department), empty)
        if c.host_id is not None:
            host_ids = [c.host_id] if c.host_id in hosts_by_id else empty
        else:
            host_ids = hosts_by_organisation.get(normalise(c.organisation), empty)
        if app_ids and host_ids:
            ban(app_ids, host_ids, c.reason)

    # A complaint bans the pair while it is open, as the lifecycle defines it: a closed,
    # out-of-scope, referred or withdrawn case no longer does.
    open_complaints = session.exec(
        select(
            Complaint.reference,
            Complaint.anonymous,
            Complaint.authority_name,
            Complaint.organisation_name,
        ).where(Complaint.status.in_(lifecycle.OPEN_STATUSES))
    )
    for reference, anonymous, authority, organisation in open_complaints:
        host_ids = hosts_by_organisation.get(normalise(organisation))
        app_ids = host_ids and apps_by_department.get(normalise(authority))
        if app_ids:
            # An anonymous complainant must stay anonymous, even to coordinators: the reason
            # then says only that there is a live procurement matter.
            reason = (
                "Automatic: a live procurement matter between this host and the department."
                if anonymous
                else f"Automatic: open procurement complaint {reference}."
            )
            ban(app_ids, host_ids, reason)

    fell_through = session.exec(
        select(ShadowPlacement.applicant_id, ShadowPlacement.host_id, ShadowPlacement.status).where(
            ShadowPlacement.status.in_(FELL_THROUGH)
        )
    )
    for a_id, h_id, status in fell_through:
        if a_id in apps_by_id and h_id in hosts_by_id:
            banned.setdefault((a_id, h_id), FELL_THROUGH[status])
    return banned
