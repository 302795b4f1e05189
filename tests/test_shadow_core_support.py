"""Shared builders for the work-shadowing core tests (this module holds no tests itself)."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session, select

from bot.config import DEFAULT_DEPARTMENTS
from bot.permissions import Actor
from bot.shadowing import hosts, notices, signup
from models import OutboxMessage, ShadowEvent

TODAY = date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
DEPARTMENTS = DEFAULT_DEPARTMENTS
HOME_OFFICE = "Home Office"
DWP = "Department for Work and Pensions"
COORDINATOR = "UCOORD1"
COORDINATORS = frozenset({COORDINATOR})
COORDINATOR_ACTOR = Actor(COORDINATOR, frozenset({"coordinator"}))

BASE_SIGNUP = signup.SignupForm(
    department=HOME_OFFICE,
    grade="HEO",
    role="Policy adviser",
    region="london",
    mode="either",
    interests=("housing", "homelessness"),
    learning_goals="How frontline homelessness services work day to day.",
    available_from=TODAY + timedelta(days=7),
    available_to=TODAY + timedelta(days=120),
    length="week",
    manager_user_id="UMGR1",
)

BASE_HOST = hosts.HostForm(
    organisation="Shelter Together",
    contact_name="Sam Host",
    contact_email="sam@example.org",
    areas=("housing", "homelessness"),
    region="london",
    mode="in_person",
    capacity=2,
    available_from=TODAY + timedelta(days=1),
    available_to=TODAY + timedelta(days=200),
    activities="Shadow our outreach team and sit in on casework.",
)


def signup_form(**changes) -> signup.SignupForm:
    return replace(BASE_SIGNUP, **changes)


def host_form(**changes) -> hosts.HostForm:
    return replace(BASE_HOST, **changes)


_keys = iter(range(1, 10**9))


def applicant(engine, user_id: str, *, approve: bool = True, queued_at=NOW, today=TODAY, **form):
    """A sign-up (by default approved, so queued at ``queued_at``)."""
    form.setdefault("manager_user_id", f"M{user_id}")
    a = signup.sign_up(
        engine,
        signup_form(**form),
        actor=Actor(user_id),
        submission_key=f"VA{next(_keys)}",
        today=today,
        departments=DEPARTMENTS,
    )
    if approve:
        a = signup.decide(engine, a.id, actor=Actor(a.manager_user_id), approve=True, now=queued_at)
    return a


def host(engine, user_id: str, *, today=TODAY, **form):
    return hosts.offer_places(
        engine,
        host_form(**form),
        actor=Actor(user_id),
        submission_key=f"VH{next(_keys)}",
        today=today,
        departments=DEPARTMENTS,
    )


@contextmanager
def reading(engine):
    """A short read-only session; on SQLite an open transaction would block the next write."""
    with Session(engine) as s:
        yield s


def outbox(engine, kind: str | None = None) -> list[OutboxMessage]:
    with reading(engine) as s:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if kind:
            query = query.where(OutboxMessage.kind == kind)
        return list(s.exec(query))


def event_kinds(engine, **where) -> list[str]:
    with reading(engine) as s:
        query = select(ShadowEvent).order_by(ShadowEvent.id)
        for name, value in where.items():
            query = query.where(getattr(ShadowEvent, name) == value)
        return [e.kind for e in s.exec(query)]


def assert_notices_are_clean(engine, *secrets: str) -> None:
    """No shadowing notice carries anything but the allowed keys, or any of ``secrets``."""
    for msg in outbox(engine):
        if msg.kind not in notices.KINDS:
            continue
        assert set(msg.data) <= notices.ALLOWED_DATA, msg.data
        text = repr(msg.data).casefold()
        for secret in secrets:
            assert secret.casefold() not in text, (secret, msg.data)
