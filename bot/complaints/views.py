"""Read models for front ends: what a card or a Home tab shows, as plain values.

Each function runs a fixed number of queries whatever the number of cases (related cases
for a whole list come from one query, a few references and counts per case), so a busy Home
tab costs what a quiet one does. An anonymous case never carries who raised it.

Renderers are pure functions of these values: the rules they show (overdue and due soon,
follow-up due, the moves a state offers, open or closed) come from deadlines.py and
lifecycle.py through the view, never recomputed by a front end. What each outbox message is
drawn from is delivery_views.py. People are person ids; a view carries the PersonRef of
each person it names (``people``), so a renderer shows them without a query.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import or_
from sqlmodel import Session, select

from bot import people as people_lookup
from bot import permissions
from bot.clock import today_uk
from bot.complaints import catalog, deadlines, lifecycle, policy, related_view
from bot.people import PersonRef
from models import Complaint


@dataclass(frozen=True)
class CaseView:
    id: int
    reference: str
    kind: str
    kind_label: str
    status: str
    status_label: str
    authority: str
    authority_kind: str
    title: str
    procurement_reference: str | None
    stage_label: str
    category: str
    category_label: str
    anonymous: bool
    raised_by_label: str
    raised_by_id: int | None  # None for an anonymous case or a spot check
    assignee: int | None  # a person id
    received_on: date
    due: date
    effective_due: date
    overdue: bool
    due_soon: bool
    authority_contacted_on: date | None
    authority_reply_due: date | None
    authority_overdue: bool
    authority_due_soon: bool
    related: tuple[str, ...]  # a few related references (its group's first case first)
    allowed: tuple[str, ...]  # status moves the viewer may make now
    can_assign_self: bool
    can_assign: bool
    can_reassign: bool
    outcome: str | None
    outcome_label: str | None
    money_released_pence: int | None
    follow_up_due: date | None
    follow_up_result: str | None
    status_reason: str | None
    agreed_actions: str | None = None
    public_summary: str | None = None
    resolved_on: date | None = None
    closed_on: date | None = None
    supplier_wait_days: int = 0  # including a wait still running
    related_more: int = 0  # related cases not named in ``related``
    group_size: int = 1  # cases about its procurement, itself included
    related_summary: related_view.Related = related_view.ALONE  # for the card's wording
    what_happened: str = ""
    authority_replied_on: date | None = None
    organisation_type_label: str = ""
    organisation_name: str | None = None  # None for an anonymous case or a spot check
    payment_case: bool = False  # money released is recorded when it is resolved
    # The moves its controls offer in this state, to anyone (who may is checked on the click).
    offered: tuple[lifecycle.Offer, ...] = ()
    # The people it names (its assignee and, unless anonymous, who raised it), by id.
    people: Mapping[int, PersonRef] = field(default_factory=dict)

    def person(self, person_id: int | None) -> PersonRef | None:
        return self.people.get(person_id) if person_id is not None else None

    # The card refresh (outbox row id) queued by the change that returned this view, if any:
    # that refresh may be drawn from this view rather than read again.
    card_refresh_id: int | None = None

    @property
    def is_open(self) -> bool:
        return self.status in lifecycle.OPEN_STATUSES

    @property
    def any_overdue(self) -> bool:
        return self.overdue or self.authority_overdue

    @property
    def any_due_soon(self) -> bool:
        return self.due_soon or self.authority_due_soon

    def follow_up_is_due(self, today: date) -> bool:
        return lifecycle.follow_up_is_due(self.status, self.follow_up_due, today)


@dataclass(frozen=True)
class MyComplaint:
    """What a supplier sees of their own case: no internal notes, reasons or staff names."""

    reference: str
    title: str
    authority: str
    status: str
    status_label: str
    received_on: date
    can_withdraw: bool
    category_label: str = ""
    due: date | None = None
    anonymous: bool = False


def my_complaint(case: Complaint) -> MyComplaint:
    return MyComplaint(
        reference=case.reference,
        title=case.procurement_title,
        authority=case.authority_name,
        status=case.status,
        status_label=catalog.status_label(case.status),
        received_on=case.received_on,
        can_withdraw=case.status in lifecycle.TRANSITIONS["withdraw"].sources,
        category_label=catalog.label(catalog.CATEGORIES, case.category),
        due=case.due_date,
        anonymous=case.anonymous,
    )


@dataclass(frozen=True)
class HomeView:
    roles: frozenset[str]
    my_cases: list[CaseView] = field(default_factory=list)  # assigned to me, overdue first
    unassigned: list[CaseView] = field(default_factory=list)
    team_by_status: dict[str, list[CaseView]] = field(default_factory=dict)  # leads
    overdue: list[CaseView] = field(default_factory=list)  # leads
    follow_ups_due: list[CaseView] = field(default_factory=list)  # leads
    own_complaints: list[MyComplaint] = field(default_factory=list)  # suppliers


def _raised_by(case: Complaint) -> tuple[str, int | None]:
    if case.kind == "spot_check":
        return "Spot check by the service", None
    if case.anonymous:
        return "Anonymous supplier", None
    org = catalog.label(catalog.ORGANISATION_TYPES, case.organisation_type)
    return f"{case.organisation_name} ({org})", case.reporter_id


def build(
    case: Complaint,
    rel: related_view.Related,
    actor: permissions.Actor | None,
    today: date,
    named: Mapping[int, PersonRef] | None = None,
) -> CaseView:
    label, raised_by = _raised_by(case)
    named_organisation = case.kind != "spot_check" and not case.anonymous
    effective = deadlines.effective_due(case, today)
    is_open = case.status in lifecycle.OPEN_STATUSES

    def can(action: str) -> bool:
        return actor is not None and is_open and policy.may(actor, action, case)

    return CaseView(
        id=case.id,
        reference=case.reference,
        kind=case.kind,
        kind_label=catalog.label(catalog.CASE_KINDS, case.kind),
        status=case.status,
        status_label=catalog.status_label(case.status),
        authority=case.authority_name,
        authority_kind=case.authority_kind,
        title=case.procurement_title,
        procurement_reference=case.procurement_reference,
        stage_label=catalog.label(catalog.STAGES, case.stage),
        category=case.category,
        category_label=catalog.label(catalog.CATEGORIES, case.category),
        anonymous=case.anonymous,
        raised_by_label=label,
        raised_by_id=raised_by,
        assignee=case.assignee_id,
        received_on=case.received_on,
        due=case.due_date,
        effective_due=effective,
        overdue=deadlines.service_overdue(case, today),
        due_soon=deadlines.service_due_soon(case, today),
        authority_contacted_on=case.authority_contacted_on,
        authority_reply_due=case.authority_reply_due,
        authority_overdue=deadlines.authority_overdue(case, today),
        authority_due_soon=deadlines.authority_due_soon(case, today),
        related=rel.refs,
        related_more=rel.more,
        group_size=rel.group_size,
        allowed=tuple(lifecycle.allowed_actions(case, actor)) if actor else (),
        can_assign_self=can("assign_self") and case.assignee_id is None,
        can_assign=can("assign") and case.assignee_id is None,
        can_reassign=can("reassign") and case.assignee_id is not None,
        outcome=case.outcome,
        outcome_label=catalog.label(catalog.OUTCOMES, case.outcome) if case.outcome else None,
        money_released_pence=case.money_released_pence,
        follow_up_due=case.follow_up_due,
        follow_up_result=case.follow_up_result,
        status_reason=case.status_reason,
        agreed_actions=case.agreed_actions,
        public_summary=case.public_summary,
        resolved_on=case.resolved_on,
        closed_on=case.closed_on,
        supplier_wait_days=deadlines.supplier_wait_days(case, today),
        related_summary=rel,
        what_happened=case.what_happened,
        authority_replied_on=case.authority_replied_on,
        organisation_type_label=catalog.label(catalog.ORGANISATION_TYPES, case.organisation_type),
        organisation_name=case.organisation_name if named_organisation else None,
        payment_case=catalog.is_payment_case(case.category, case.stage),
        offered=lifecycle.offered_moves(case.status, case.follow_up_due) if is_open else (),
        people={
            pid: ref
            for pid in (case.assignee_id, raised_by)
            if pid is not None and (ref := (named or {}).get(pid)) is not None
        },
    )


def build_many(
    session: Session,
    cases: Sequence[Complaint],
    actor: permissions.Actor | None,
    today: date,
) -> list[CaseView]:
    rels = related_view.summaries(session, cases)
    # An anonymous case's filer is not even looked up: a view never names them.
    named = people_lookup.refs(
        session, [p for c in cases for p in (c.assignee_id, None if c.anonymous else c.reporter_id)]
    )
    return [build(c, rels.get(c.id, related_view.ALONE), actor, today, named) for c in cases]


def case_view(
    session: Session,
    case_id: int,
    actor: permissions.Actor | None = None,
    today: date | None = None,
) -> CaseView | None:
    """The card's data: two queries (the case, its related references)."""
    case = session.get(Complaint, case_id)
    if case is None:
        return None
    return build_many(session, [case], actor, today or today_uk())[0]


def by_due(views: list[CaseView]) -> list[CaseView]:
    """Overdue first, then by (effective) due date, then reference."""
    return sorted(views, key=lambda v: (not v.any_overdue, v.effective_due, v.reference))


def _open_cases(session: Session, *conditions) -> list[Complaint]:
    return list(
        session.exec(
            select(Complaint)
            .where(Complaint.status.in_(lifecycle.OPEN_STATUSES), *conditions)
            .order_by(Complaint.id)
        )
    )


def home_view(session: Session, actor: permissions.Actor, today: date) -> HomeView:
    """Investigator: my open cases by due date, overdue first, and the unassigned queue.
    Lead: that, plus the team's queue by state, overdue cases and follow-ups due.
    Supplier: their own complaints. At most four queries."""
    home = HomeView(roles=actor.roles)
    if actor.is_staff:
        if permissions.LEAD in actor.roles:
            cases = _open_cases(session)
        else:
            cases = _open_cases(
                session,
                or_(
                    Complaint.assignee_id == actor.person_id,
                    Complaint.assignee_id.is_(None),
                ),
            )
        views = build_many(session, cases, actor, today)
        home.my_cases.extend(by_due([v for v in views if v.assignee == actor.person_id]))
        home.unassigned.extend(
            by_due([v for v in views if v.assignee is None and v.status in _QUEUE])
        )
        if permissions.LEAD in actor.roles:
            for status in lifecycle.OPEN_STATUSES:
                in_state = by_due([v for v in views if v.status == status])
                if in_state:
                    home.team_by_status[status] = in_state
            home.overdue.extend(by_due([v for v in views if v.any_overdue]))
            home.follow_ups_due.extend(
                sorted(
                    (v for v in views if v.follow_up_is_due(today)),
                    key=lambda v: (v.follow_up_due or today, v.reference),
                )
            )
    own = session.exec(
        select(Complaint)
        .where(Complaint.reporter_id == actor.person_id)
        .order_by(Complaint.id.desc())
    ).all()
    home.own_complaints.extend(my_complaint(c) for c in own)
    return home


# The unassigned queue: cases nobody has picked up yet (resolved ones need no picking up).
_QUEUE = frozenset(lifecycle.BEFORE_RESOLUTION)


def team_counts(session: Session, today: date) -> dict[str, int]:
    """Open cases by status, plus "overdue", "unassigned" and "follow_ups_due", in one query."""
    counts: dict[str, int] = dict.fromkeys(lifecycle.OPEN_STATUSES, 0)
    counts.update(overdue=0, authority_overdue=0, unassigned=0, follow_ups_due=0)
    for case in _open_cases(session):
        counts[case.status] += 1
        counts["overdue"] += deadlines.service_overdue(case, today)
        counts["authority_overdue"] += deadlines.authority_overdue(case, today)
        counts["unassigned"] += case.assignee_id is None and case.status in _QUEUE
        counts["follow_ups_due"] += lifecycle.follow_up_is_due(
            case.status, case.follow_up_due, today
        )
    return counts
