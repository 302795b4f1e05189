"""What a card, a status list or App Home shows: plain dataclasses, no Slack."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from bot.complaints import catalog, deadlines, lifecycle
from bot.permissions import Actor
from models import Complaint


@dataclass(frozen=True)
class CaseView:
    reference: str
    status: str
    status_label: str
    kind: str
    authority: str
    title: str
    assignee: str | None
    anonymous: bool
    effective_due: date
    authority_reply_due: date | None
    follow_up_due: date | None
    overdue: bool
    due_soon: bool
    allowed: tuple[str, ...] = ()


@dataclass(frozen=True)
class HomeView:
    my_cases: list[CaseView] | None = None  # None: not an investigator
    unassigned: list[CaseView] | None = None
    team_by_state: dict[str, list[CaseView]] | None = None  # None: not a lead
    overdue: list[CaseView] | None = None
    follow_ups_due: list[CaseView] | None = None
    own_cases: list[CaseView] | None = None


def view_of(case: Complaint, today: date, actor: Actor | None = None) -> CaseView:
    due = deadlines.effective_due(case, today)
    overdue = deadlines.service_overdue(case, today) or deadlines.authority_overdue(case, today)
    return CaseView(
        reference=case.reference,
        status=case.status,
        status_label=catalog.STATUS_LABELS.get(case.status, case.status),
        kind=case.kind,
        authority=case.authority_name,
        title=case.procurement_title,
        assignee=case.assignee_user_id,
        anonymous=case.anonymous,
        effective_due=due,
        authority_reply_due=case.authority_reply_due,
        follow_up_due=case.follow_up_due,
        overdue=overdue,
        due_soon=not overdue
        and (deadlines.service_due_soon(case, today) or deadlines.authority_due_soon(case, today)),
        allowed=tuple(lifecycle.allowed_actions(case, actor)) if actor else (),
    )


def case_view(session: Session, case_id: int, actor: Actor | None = None, today=None) -> CaseView:
    from bot.clock import today_uk

    return view_of(session.get(Complaint, case_id), today or today_uk(), actor)


def _by_due(views: list[CaseView]) -> list[CaseView]:
    return sorted(views, key=lambda v: (not v.overdue, v.effective_due, v.reference))


def home_view(session: Session, actor: Actor, today: date) -> HomeView:
    live = lifecycle.OPEN_STATUSES
    own = session.exec(
        select(Complaint)
        .where(Complaint.reporter_user_id == actor.user_id)
        .order_by(Complaint.id.desc())
    ).all()
    home: dict = {"own_cases": [view_of(c, today) for c in own]}
    if actor.is_staff:
        working = [
            view_of(c, today)
            for c in session.exec(select(Complaint).where(Complaint.status.in_(live))).all()
        ]
        home["my_cases"] = _by_due([v for v in working if v.assignee == actor.user_id])
        home["unassigned"] = _by_due([v for v in working if v.assignee is None])
        if "lead" in actor.roles:
            by_state: dict[str, list[CaseView]] = {}
            for status in lifecycle.STATUSES:
                found = _by_due([v for v in working if v.status == status])
                if found:
                    by_state[catalog.STATUS_LABELS[status]] = found
            home["team_by_state"] = by_state
            home["overdue"] = _by_due([v for v in working if v.overdue])
            home["follow_ups_due"] = [
                v
                for v in working
                if v.status in ("resolved", "follow_up")
                and v.follow_up_due is not None
                and v.follow_up_due <= today
            ]
    return HomeView(**home)
