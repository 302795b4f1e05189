"""`msbot local --demo`: a realistic data set, made through the core's own functions.

Nothing here writes rows directly: cases go through intake.submit, sign-ups through
signup.sign_up and decide, hosts through hosts.offer_places, offers through a committed matching
round and placements.respond, so the demo exercises the same rules (and queues the same
messages) as real use. Everything is dated from ``today`` so it never goes stale.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import structlog
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot import people
from bot.complaints import intake, related
from bot.config import Settings
from bot.db import transaction
from bot.permissions import COORDINATOR, Actor
from bot.shadowing import hosts, placements, rounds, signup
from handlers.local import demo_cases
from handlers.local.interactions import TEAM
from handlers.local.people import EXTRAS, PEOPLE
from models import Complaint, ShadowApplicant, ShadowHost, ShadowPlacement
from models.base import utcnow

log = structlog.get_logger("msbot.local")

ROLE = {p.role: p.id for p in PEOPLE}


@dataclass(frozen=True)
class Accounts:
    """Where the demo's people have their accounts: the local Slack workspace, or the Teams
    tenant of `msbot local --teams` (whose ids for them differ from the Slack ones)."""

    platform: str
    workspace: str
    user_id: Callable[[str], str] = str  # a demo person's id ("ULEAD") -> their account's


SLACK_ACCOUNTS = Accounts(people.SLACK, TEAM)

CASES = (
    # (reporter, anonymous, authority, kind, title, stage, category, what happened)
    (
        "USUPPLIER",
        False,
        "Northshire County Council",
        "wider",
        "Home care framework 2026",
        "evaluation",
        "evaluation",
        "Our quality score was cut from 8 to 4 with no reason given.",
    ),
    (
        "UANON",
        True,
        "Department for Education",
        "central",
        "School meals pilot",
        "selection",
        "disproportionate",
        "The PQQ asked for £5m turnover for a £200k contract.",
    ),
    (
        "USUPPLY2",
        False,
        "Riverside NHS Trust",
        "wider",
        "Community transport",
        "payment",
        "late_payment",
        "Invoice 1042 is 94 days overdue despite three reminders.",
    ),
    (
        "USUPPLIER",
        False,
        "Ministry of Justice",
        "central",
        "Prison education services",
        "tender",
        "timescales",
        "Ten working days to answer 60 questions, over Christmas.",
    ),
    (
        "UANON",
        True,
        "Westvale Borough Council",
        "wider",
        "Youth services grant-to-contract",
        "award",
        "feedback",
        "We lost and were refused any feedback on our scores.",
    ),
    (
        "USUPPLY2",
        False,
        "Eastgate College",
        "wider",
        "Catering and cleaning",
        "tender",
        "contract_size",
        "One lot for the whole county shuts out every local firm.",
    ),
    (
        "USUPPLIER",
        False,
        "Home Office",
        "central",
        "Interpreting services",
        "evaluation",
        "transparency",
        "The evaluation criteria changed after bids were in.",
    ),
    (
        "UANON",
        True,
        "Harbourside Council",
        "wider",
        "Day centres",
        "contract_management",
        "communication",
        "Three months without an answer to our queries.",
    ),
    (
        "USUPPLY2",
        False,
        "Department for Work and Pensions",
        "central",
        "Employment support",
        "selection",
        "prescriptive_spec",
        "The specification named one supplier's own software.",
    ),
    (
        "USUPPLIER",
        False,
        "Coastal Water Authority",
        "wider",
        "Pipe repairs dynamic purchasing system",
        "contract_management",
        "framework",
        "The authority has stopped paying against the framework's price list.",
    ),
    (
        "USUPPLY2",
        False,
        "Greenfield District Council",
        "wider",
        "Grounds maintenance",
        "tender",
        "communication",
        "Our clarification questions went unanswered before the deadline.",
    ),
)

SIGNUPS = (
    # (user, manager, department, grade, region, mode, interests, approve?)
    ("UAPPLY1", "UMANAGER2", "HM Treasury", "HEO", "london", "either", ("health", "housing"), True),
    ("UAPPLY2", "UMANAGER2", "Home Office", "SEO", "north_west", "either", ("housing",), True),
    ("UAPPLY3", "UMANAGER", "Cabinet Office", "G7", "london", "remote", ("digital",), None),
)

HOSTS = (
    ("UHOST", "Shelter Together", ("housing", "homelessness"), "london", 2),
    ("UHOST2", "Wellbeing North", ("health", "mental_health"), "north_west", 1),
)


def _already_seeded(engine: Engine) -> bool:
    with Session(engine) as s:
        return bool(
            s.exec(select(Complaint.id)).first() or s.exec(select(ShadowApplicant.id)).first()
        )


def seed(
    engine: Engine, settings: Settings, today: date, accounts: Accounts = SLACK_ACCOUNTS
) -> bool:
    """Seed once; False (and nothing done) when the database already has data."""
    if _already_seeded(engine):
        return False
    seed_people(engine, accounts)
    seed_cases(engine, settings, today, accounts)
    seed_shadowing(engine, settings, today, accounts)
    return True


def seed_people(engine: Engine, accounts: Accounts = SLACK_ACCOUNTS) -> dict[str, int]:
    """The workspace's people, with their names, as their first request would make them;
    returns each one's person id by their demo id ("ULEAD")."""
    with transaction(engine) as s:
        return {
            person.id: people.person_for(
                s, accounts.platform, accounts.workspace, accounts.user_id(person.id), person.name
            ).id
            for person in (*PEOPLE, *EXTRAS)
        }


def seed_cases(
    engine: Engine, settings: Settings, today: date, accounts: Accounts = SLACK_ACCOUNTS
) -> list[Complaint]:
    ids = seed_people(engine, accounts)  # already made: this only looks them up
    policy = intake.IntakePolicy(
        sla_central_months=settings.sla_central_months,
        sla_wider_months=settings.sla_wider_months,
    )
    cases = []
    for n, (user, anonymous, authority, kind, title, stage, category, what) in enumerate(CASES):
        late = category == "late_payment"
        form = intake.ComplaintForm(
            authority_name=authority,
            authority_kind=kind,
            procurement_title=title,
            stage=stage,
            category=category,
            procurement_date=today - timedelta(days=30 + 20 * n),
            what_happened=what,
            outcome_wanted="A fair re-evaluation, or a clear explanation.",
            organisation_name="Patel Care Ltd" if user == "USUPPLIER" else "Community Works CIC",
            organisation_type="sme" if user == "USUPPLIER" else "vcse",
            anonymous=anonymous,
            invoice_amount="1250.00" if late else "",
            invoice_date=today - timedelta(days=94) if late else None,
        )
        result = intake.submit(
            engine,
            form,
            actor=Actor(ids[user]),
            submission_key=f"demo-case-{n}",
            today=today,
            policy=policy,
        )
        related.group_case(engine, result.complaint.id)  # as the request's after-ack work does
        cases.append(result.complaint)
    # Cases in every state of the workflow, moved on by the core as a team would.
    demo_cases.advance(engine, cases, policy, ids)
    return cases


def seed_shadowing(
    engine: Engine, settings: Settings, today: date, accounts: Accounts = SLACK_ACCOUNTS
) -> None:
    ids = seed_people(engine, accounts)
    departments = settings.departments
    start, end = today + timedelta(days=14), today + timedelta(days=120)
    for n, (user, org, areas, region, capacity) in enumerate(HOSTS):
        hosts.offer_places(
            engine,
            hosts.HostForm(
                organisation=org,
                contact_name="Volunteer lead",
                areas=areas,
                region=region,
                mode="either",
                capacity=capacity,
                available_from=start,
                available_to=end,
                activities="Front-line visits, team meetings and a project of your own.",
            ),
            actor=Actor(ids[user]),
            submission_key=f"demo-host-{n}",
            today=today,
            departments=departments,
        )
    for n, (user, manager, dept, grade, region, mode, interests, approve) in enumerate(SIGNUPS):
        applicant = signup.sign_up(
            engine,
            signup.SignupForm(
                department=dept,
                grade=grade,
                role="Policy adviser",
                region=region,
                mode=mode,
                interests=interests,
                learning_goals="See how services reach people.",
                available_from=start,
                available_to=end,
                length="week",
                manager_id=ids[manager],
            ),
            actor=Actor(ids[user]),
            submission_key=f"demo-signup-{n}",
            today=today,
            departments=departments,
        )
        if approve is not None:
            signup.decide(
                engine, applicant.id, actor=Actor(ids[manager]), approve=approve, now=utcnow()
            )
    # One round already run, with one side of the first offer accepted: offers in flight.
    coordinator = ids[ROLE["coordinator"]]
    rnd = rounds.run_round(
        engine,
        commit=True,
        actor=Actor(coordinator, frozenset({COORDINATOR})),
        now=utcnow(),
        expiry_days=settings.offer_expiry_days,
    )
    with Session(engine) as s:
        offered = s.exec(select(ShadowPlacement).where(ShadowPlacement.round_id == rnd.id)).all()
    if offered:
        first = offered[0]
        placements.respond(
            engine,
            first.id,
            actor=Actor(_host_user(engine, first.host_id)),
            accept=True,
            now=utcnow(),
        )
    log.info("local.demo_seeded", cases=len(CASES), signups=len(SIGNUPS), hosts=len(HOSTS))


def _host_user(engine: Engine, host_id: int) -> int:
    with Session(engine) as s:
        return s.get(ShadowHost, host_id).person_id
