"""Read models for work-shadowing screens: what a person's status answer and App Home show,
as plain values built with a fixed number of queries however many places and placements
they have (no query per row).

People are opaque values (``manager``, the user's own id); the front end renders them.
Conflicts of interest never appear here: only the coordinators' list shows them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_
from sqlmodel import Session, func, select

from bot.shadowing import catalog, hosts, signup
from models import (
    ShadowApplicant,
    ShadowConflict,
    ShadowFeedback,
    ShadowHost,
    ShadowPlacement,
    ShadowRound,
)


@dataclass(frozen=True)
class SignupView:
    id: int
    status: str
    status_label: str
    department: str
    manager: str | None  # the person asked to approve it
    available_from: date | None
    available_to: date | None
    queue_position: int | None  # 1-based, while queued


@dataclass(frozen=True)
class HostPlaces:
    id: int
    organisation: str
    capacity: int
    taken: int  # held by an offer or a placement
    status: str  # "open" or "closed" to new offers

    @property
    def is_open(self) -> bool:
        return self.status != "closed"


@dataclass(frozen=True)
class PlacementLine:
    """One offer or placement as the person on ``side`` ("applicant" or "host") reads it."""

    id: int
    side: str
    state: str  # catalog.placement_state's words for that side
    organisation: str  # the host's
    applicant_department: str
    start_date: date | None
    end_date: date | None


@dataclass(frozen=True)
class MyShadowing:
    signup: SignupView | None
    hosts: tuple[HostPlaces, ...] = ()
    placements: tuple[PlacementLine, ...] = ()

    @property
    def is_empty(self) -> bool:
        return self.signup is None and not self.hosts and not self.placements


def placement_words(placement: ShadowPlacement, side: str) -> str:
    return catalog.placement_state(
        placement.status, placement.applicant_response, placement.host_response, side
    )


def _signup_view(session: Session, user_id: str) -> SignupView | None:
    current = signup.active_signup(session, user_id)
    if current is None:
        return None
    return SignupView(
        id=current.id,
        status=current.status,
        status_label=catalog.status_label(current.status),
        department=current.department,
        manager=current.manager_user_id,
        available_from=current.available_from,
        available_to=current.available_to,
        queue_position=signup.queue_position(session, current),
    )


def _places_taken(session: Session, host_ids: list[int]) -> dict[int, int]:
    """Host id -> places taken, for all of them in one query."""
    if not host_ids:
        return {}
    rows = session.exec(
        select(ShadowPlacement.host_id, func.count())
        .where(
            ShadowPlacement.host_id.in_(host_ids),
            ShadowPlacement.status.in_(catalog.PLACE_TAKING_STATUSES),
        )
        .group_by(ShadowPlacement.host_id)
    ).all()
    return {host_id: count for host_id, count in rows}


def _placement_lines(session: Session, user_id: str) -> tuple[PlacementLine, ...]:
    """The user's offers and placements with both parties, newest first, in one query."""
    rows = session.exec(
        select(ShadowPlacement, ShadowApplicant, ShadowHost)
        .join(ShadowApplicant, ShadowApplicant.id == ShadowPlacement.applicant_id)
        .join(ShadowHost, ShadowHost.id == ShadowPlacement.host_id)
        .where(or_(ShadowApplicant.user_id == user_id, ShadowHost.user_id == user_id))
        .order_by(ShadowPlacement.offered_at.desc(), ShadowPlacement.id.desc())
    ).all()
    lines = []
    for placement, applicant, host in rows:
        # The applicant's side when somehow on both.
        side = "applicant" if applicant.user_id == user_id else "host"
        lines.append(
            PlacementLine(
                id=placement.id,
                side=side,
                state=placement_words(placement, side),
                organisation=host.organisation,
                applicant_department=applicant.department,
                start_date=placement.start_date,
                end_date=placement.end_date,
            )
        )
    return tuple(lines)


def my_shadowing(session: Session, user_id: str) -> MyShadowing:
    """The user's sign-up, the places they offer and their placements: at most five queries."""
    offered = hosts.hosts_for_user(session, user_id)
    taken = _places_taken(session, [h.id for h in offered])
    return MyShadowing(
        signup=_signup_view(session, user_id),
        hosts=tuple(
            HostPlaces(h.id, h.organisation, h.capacity, taken.get(h.id, 0), h.status)
            for h in offered
        ),
        placements=_placement_lines(session, user_id),
    )


# --- one sign-up, one host, one placement, as their messages show them ---------------------


@dataclass(frozen=True)
class ApplicantView:
    id: int
    user: str  # the civil servant
    manager: str  # the line manager asked to approve
    status: str
    department: str
    grade: str
    role: str
    region: str
    mode: str
    available_from: date
    available_to: date
    length: str
    interests: tuple[str, ...]
    learning_goals: str
    queue_position: int | None = None  # filled in where a message says it


def applicant_view(a: ShadowApplicant, queue_position: int | None = None) -> ApplicantView:
    return ApplicantView(
        id=a.id,
        user=a.user_id,
        manager=a.manager_user_id,
        status=a.status,
        department=a.department,
        grade=a.grade,
        role=a.role,
        region=a.region,
        mode=a.mode,
        available_from=a.available_from,
        available_to=a.available_to,
        length=a.length,
        interests=tuple(a.interests or ()),
        learning_goals=a.learning_goals,
        queue_position=queue_position,
    )


def applicant(session: Session, applicant_id: int) -> ApplicantView | None:
    found = session.get(ShadowApplicant, applicant_id)
    return applicant_view(found) if found is not None else None


def applicant_with_queue_place(session: Session, a: ShadowApplicant) -> ApplicantView:
    return applicant_view(a, signup.queue_position(session, a))


@dataclass(frozen=True)
class HostView:
    id: int
    user: str  # the person who offered the places
    organisation: str
    contact_name: str
    contact_email: str | None
    areas: tuple[str, ...]
    region: str
    mode: str
    available_from: date
    available_to: date
    activities: str


def host_view(h: ShadowHost) -> HostView:
    return HostView(
        id=h.id,
        user=h.user_id,
        organisation=h.organisation,
        contact_name=h.contact_name,
        contact_email=h.contact_email,
        areas=tuple(h.areas or ()),
        region=h.region,
        mode=h.mode,
        available_from=h.available_from,
        available_to=h.available_to,
        activities=h.activities,
    )


@dataclass(frozen=True)
class PlacementView:
    """An offer or placement with both its parties, and which sides have given feedback."""

    id: int
    status: str
    applicant_response: str | None
    host_response: str | None
    expires_at: datetime | None
    start_date: date | None
    end_date: date | None
    applicant: ApplicantView
    host: HostView
    feedback_from: frozenset[str] = frozenset()

    def response(self, side: str) -> str | None:
        return self.applicant_response if side == "applicant" else self.host_response

    def side_of(self, user: str) -> str:
        """Which side a person is on (the applicant, if somehow both)."""
        return "applicant" if self.applicant.user == user else "host"

    def is_party(self, user: str) -> bool:
        return user in (self.applicant.user, self.host.user)

    @property
    def confirmed(self) -> bool:
        """Both sides accepted (it may since have been scheduled or completed)."""
        return self.status in catalog.ACCEPTED_STATUSES

    @property
    def both_accepted(self) -> bool:
        return self.applicant_response == self.host_response == "accepted"


def placement_view(session: Session, placement_id: int | None) -> PlacementView | None:
    """The placement, its two parties and its feedback sides: two queries."""
    if not placement_id:
        return None
    row = session.exec(
        select(ShadowPlacement, ShadowApplicant, ShadowHost)
        .join(ShadowApplicant, ShadowApplicant.id == ShadowPlacement.applicant_id)
        .join(ShadowHost, ShadowHost.id == ShadowPlacement.host_id)
        .where(ShadowPlacement.id == placement_id)
    ).first()
    if row is None:
        return None
    placement, applicant, host = row
    sides = session.exec(
        select(ShadowFeedback.side).where(ShadowFeedback.placement_id == placement_id)
    ).all()
    return PlacementView(
        id=placement.id,
        status=placement.status,
        applicant_response=placement.applicant_response,
        host_response=placement.host_response,
        expires_at=placement.expires_at,
        start_date=placement.start_date,
        end_date=placement.end_date,
        applicant=applicant_view(applicant),
        host=host_view(host),
        feedback_from=frozenset(sides),
    )


# --- coordinators' screens ------------------------------------------------------------------


@dataclass(frozen=True)
class RoundView:
    id: int
    status: str
    summary: dict  # the matching engine's counts (queued, matched, unmatched, places, offers)


def round_view(r: ShadowRound) -> RoundView:
    return RoundView(id=r.id, status=r.status, summary=dict(r.summary or {}))


@dataclass(frozen=True)
class ConflictLine:
    """A conflict of interest, for coordinators only (it carries the reason)."""

    id: int
    applicant_id: int | None
    applicant: str | None  # the person; None when the sign-up is gone
    department: str | None
    host_id: int | None
    organisation: str | None  # the host's, or the organisation the conflict names
    host_gone: bool
    source: str
    reason: str
    created_at: datetime


def conflict_lines(session: Session, conflicts: list[ShadowConflict]) -> list[ConflictLine]:
    """The conflicts with their people and hosts: two queries however many there are."""
    applicant_ids = {c.applicant_id for c in conflicts if c.applicant_id}
    host_ids = {c.host_id for c in conflicts if c.host_id}
    people = dict(
        session.exec(
            select(ShadowApplicant.id, ShadowApplicant.user_id).where(
                ShadowApplicant.id.in_(applicant_ids)
            )
        ).all()
        if applicant_ids
        else ()
    )
    organisations = dict(
        session.exec(
            select(ShadowHost.id, ShadowHost.organisation).where(ShadowHost.id.in_(host_ids))
        ).all()
        if host_ids
        else ()
    )
    return [
        ConflictLine(
            id=c.id,
            applicant_id=c.applicant_id,
            applicant=people.get(c.applicant_id) if c.applicant_id else None,
            department=c.department,
            host_id=c.host_id,
            organisation=organisations.get(c.host_id) if c.host_id else c.organisation,
            host_gone=bool(c.host_id) and c.host_id not in organisations,
            source=c.source,
            reason=c.reason,
            created_at=c.created_at,
        )
        for c in conflicts
    ]
