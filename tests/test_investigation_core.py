"""The case state machine and the permissions behind it (core only, both databases)."""

from __future__ import annotations

import contextlib
from collections import deque
from datetime import UTC, date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from bot import outbox
from bot.complaints import catalog, intake, lifecycle, related
from bot.complaints.policy import ROLES, may, require
from bot.config import ConfigError
from bot.db import transaction
from bot.errors import InvalidTransition, NotPermitted, ValidationFailed
from bot.people import PersonRef
from bot.permissions import Actor, RoleDirectory
from handlers.slack.settings import load_slack_settings
from models import Complaint, ComplaintEvent, OutboxMessage
from tests.conftest import TODAY, rows
from tests.people_ids import pid

POLICY = intake.IntakePolicy()
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)

REPORTER = pid("UREPORTER")
INVESTIGATOR = Actor(pid("UINV1"), frozenset({"investigator"}))
INVESTIGATOR_2 = Actor(pid("UINV2"), frozenset({"investigator"}))
LEAD = Actor(pid("ULEAD1"), frozenset({"lead"}))
OWNER = Actor(REPORTER, frozenset())
STRANGER = Actor(pid("USTRANGER"), frozenset())

# Details each move needs to succeed (forms the adapter collects).
DETAILS: dict[str, dict] = {
    "resolve": {
        "outcome": "advice_resolved",
        "agreed_actions": "The authority will publish clearer timescales.",
        "public_summary": "Advice given on timescales; the supplier's concern was resolved.",
    },
    "close": {"follow_up_result": "yes", "follow_up_note": "Checked the new tender pack."},
    "out_of_scope": {"reason": "A private-sector buyer."},
    "refer": {"note": "Persistent issue: passed to the Procurement Compliance Service."},
    "withdraw": {"reason": "Sorted out directly."},
}


def form(**overrides) -> intake.ComplaintForm:
    values = {
        "authority_name": "Borsetshire Council",
        "authority_kind": "wider",
        "procurement_title": "Youth services framework",
        "procurement_reference": "BC-2026-17",
        "stage": "tender",
        "category": "timescales",
        "procurement_date": date(2026, 10, 1),
        "what_happened": "We were given five working days to respond to a 90-page tender.",
        "outcome_wanted": "A longer response window for the next lot.",
        "organisation_name": "Ambridge Youth Trust",
        "organisation_type": "vcse",
        "anonymous": False,
    }
    values.update(overrides)
    return intake.ComplaintForm(**values)


def new_case(engine, reporter: int = REPORTER, today: date = TODAY, **overrides) -> Complaint:
    """A submitted case, grouped with related ones as the front end does after the commit."""
    case = intake.submit(
        engine,
        form(**overrides),
        actor=Actor(reporter),
        submission_key=None,
        today=today,
        policy=POLICY,
    ).complaint
    related.group_case(engine, case.id)
    with Session(engine) as s:
        return s.get(Complaint, case.id)


def actor_for(action: str) -> Actor:
    return OWNER if action == "withdraw" else LEAD


def move(engine, case_id: int, action: str, actor: Actor, **details) -> Complaint:
    with transaction(engine) as s:
        case = s.get(Complaint, case_id)
        return lifecycle.apply(
            s, case, action, actor, NOW, **{**DETAILS.get(action, {}), **details}
        )


# --- the table -------------------------------------------------------------------------------


def test_every_status_is_labelled_and_reachable_from_received():
    assert set(catalog.STATUS_LABELS) == set(lifecycle.STATUSES)
    seen, todo = {"received"}, deque(["received"])
    while todo:
        status = todo.popleft()
        for action in lifecycle.moves_from(status):
            target = lifecycle.TRANSITIONS[action].target
            if target not in seen:
                seen.add(target)
                todo.append(target)
    assert seen == set(lifecycle.STATUSES)
    assert set(lifecycle.SIDE_EFFECTS) == set(lifecycle.TRANSITIONS)


def test_every_move_from_every_status_is_allowed_or_refused_naming_the_allowed(engine):
    case_id = new_case(engine).id
    for status in lifecycle.STATUSES:
        for action, rule in lifecycle.TRANSITIONS.items():
            with Session(engine) as s:
                case = s.get(Complaint, case_id)
                case.status = status
                details = DETAILS.get(action, {})
                if status in rule.sources:
                    lifecycle.apply(s, case, action, actor_for(action), NOW, **details)
                    assert case.status == rule.target, (status, action)
                else:
                    with pytest.raises(InvalidTransition) as refused:
                        lifecycle.apply(s, case, action, actor_for(action), NOW, **details)
                    message = str(refused.value)
                    assert catalog.status_label(status) in message
                    for allowed in lifecycle.moves_from(status):
                        assert allowed in message, (status, action, message)
                s.rollback()


def test_a_refused_move_changes_nothing(engine, session):
    case = new_case(engine)
    with pytest.raises(InvalidTransition, match="Moves allowed from here: triage, out_of_scope"):
        move(engine, case.id, "resolve", LEAD)
    with pytest.raises(NotPermitted, match="Only leads can reopen"):
        move(engine, case.id, "reopen", INVESTIGATOR)
    with pytest.raises(NotPermitted, match="Only investigators and leads"):
        move(engine, case.id, "triage", OWNER)
    assert [e.kind for e in rows(session, ComplaintEvent)] == ["received"]
    assert rows(session, Complaint)[0].status == "received"


def test_a_move_writes_audit_event_notices_and_card_refresh(engine, session):
    case = new_case(engine)
    before = len(rows(session, OutboxMessage))
    move(engine, case.id, "triage", INVESTIGATOR)
    event = rows(session, ComplaintEvent)[-1]
    assert event.kind == "transition" and event.actor_id == INVESTIGATOR.person_id
    assert event.data == {"action": "triage", "from": "received", "to": "triaged"}
    queued = rows(session, OutboxMessage)[before:]
    assert sorted(m.kind for m in queued) == [
        "complaint.card.refresh",
        "complaint.supplier.update",
        "complaint.thread.post",
    ]
    by_kind = {m.kind: m for m in queued}
    assert by_kind["complaint.card.refresh"].recipient_role == outbox.TRIAGE_ROLE
    assert by_kind["complaint.supplier.update"].recipient_person_id == REPORTER
    assert by_kind["complaint.thread.post"].data == {
        "event": "transition",
        "action": "triage",
        "from": "received",
        "to": "triaged",
        "actor": INVESTIGATOR.person_id,
    }


def test_withdraw_by_reporter_only_and_reopen_by_lead(engine, session):
    case = new_case(engine)
    with pytest.raises(NotPermitted, match="Only the person who raised this case"):
        move(engine, case.id, "withdraw", LEAD)
    with pytest.raises(NotPermitted):
        move(engine, case.id, "withdraw", STRANGER)
    move(engine, case.id, "withdraw", OWNER)
    stored = rows(session, Complaint)[0]
    assert stored.status == "withdrawn" and stored.status_reason == "Sorted out directly."
    move(engine, case.id, "reopen", LEAD)
    assert rows(session, Complaint)[0].status == "investigating"


def test_out_of_scope_needs_a_reason_and_stores_it(engine, session):
    case = new_case(engine)
    with pytest.raises(ValidationFailed) as refused:
        move(engine, case.id, "out_of_scope", INVESTIGATOR, reason="  ")
    assert refused.value.errors == {"reason": "Please fill this in."}
    move(engine, case.id, "out_of_scope", INVESTIGATOR, reason="Private buyer")
    assert rows(session, Complaint)[0].status_reason == "Private buyer"


def _to_investigating(engine, case_id: int) -> None:
    move(engine, case_id, "triage", INVESTIGATOR)
    move(engine, case_id, "start", INVESTIGATOR)


def test_resolve_records_details_and_refuses_bad_ones(engine, session):
    case = new_case(engine)
    _to_investigating(engine, case.id)
    with pytest.raises(ValidationFailed) as refused:
        move(
            engine,
            case.id,
            "resolve",
            INVESTIGATOR,
            outcome="nonsense",
            public_summary="We were given five working days to respond to a 90-page tender.",
            money_released_pence=500,
            follow_up_due=TODAY,
        )
    assert set(refused.value.errors) == {
        "outcome",
        "public_summary",
        "money_released_pence",
        "follow_up_due",
    }
    move(
        engine,
        case.id,
        "resolve",
        INVESTIGATOR,
        outcome="partial_change",
        follow_up_due=date(2027, 2, 1),
    )
    stored = rows(session, Complaint)[0]
    assert (stored.status, stored.outcome, stored.resolved_on) == (
        "resolved",
        "partial_change",
        TODAY,
    )
    assert stored.follow_up_due == date(2027, 2, 1)
    assert not stored.publishable  # published only when an investigator ticks it
    with pytest.raises(InvalidTransition, match="follow-up due on 1 Feb 2027"):
        move(engine, case.id, "close", INVESTIGATOR)


def test_supplier_words_may_be_published_when_ticked(engine, session):
    case = new_case(engine)
    _to_investigating(engine, case.id)
    words = "We were given five working days to respond to a 90-page tender."
    move(
        engine,
        case.id,
        "resolve",
        INVESTIGATOR,
        public_summary=words,
        summary_uses_supplier_words=True,
    )
    assert rows(session, Complaint)[0].summary_uses_supplier_words


def test_money_released_only_for_payment_cases(engine, session):
    case = new_case(
        engine,
        category="late_payment",
        stage="payment",
        invoice_amount="1250.00",
        invoice_date=date(2026, 9, 1),
    )
    _to_investigating(engine, case.id)
    with pytest.raises(ValidationFailed, match="amount of money released"):
        move(engine, case.id, "resolve", INVESTIGATOR, outcome="money_released")
    move(
        engine,
        case.id,
        "resolve",
        INVESTIGATOR,
        outcome="money_released",
        money_released_pence=125_000,
    )
    move(engine, case.id, "close", INVESTIGATOR)
    stored = rows(session, Complaint)[0]
    assert (stored.status, stored.money_released_pence, stored.closed_on) == (
        "closed",
        125_000,
        TODAY,
    )


def test_follow_up_close_needs_a_result(engine, session):
    case = new_case(engine)
    _to_investigating(engine, case.id)
    move(engine, case.id, "resolve", INVESTIGATOR, follow_up_due=date(2027, 1, 5))
    move(engine, case.id, "follow_up", INVESTIGATOR)
    with pytest.raises(ValidationFailed) as refused:
        move(engine, case.id, "close", INVESTIGATOR, follow_up_result="maybe", follow_up_note="")
    assert set(refused.value.errors) == {"follow_up_result", "follow_up_note"}
    move(
        engine,
        case.id,
        "close",
        INVESTIGATOR,
        follow_up_result="partly",
        follow_up_note="Lot 2 only",
    )
    stored = rows(session, Complaint)[0]
    assert (stored.status, stored.follow_up_result) == ("closed", "partly")


# --- property: random actions by random actors -----------------------------------------------

ACTORS = [INVESTIGATOR, INVESTIGATOR_2, LEAD, OWNER, STRANGER]


def _reachable() -> set[str]:
    seen, todo = {"received"}, ["received"]
    while todo:
        for action in lifecycle.moves_from(todo.pop()):
            target = lifecycle.TRANSITIONS[action].target
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(sorted(lifecycle.TRANSITIONS)), st.sampled_from(ACTORS)),
        max_size=15,
    )
)
def test_any_sequence_leaves_a_reachable_state_rebuilt_by_replaying_the_audit(engine, steps):
    case_id = new_case(engine).id
    for action, actor in steps:
        with contextlib.suppress(InvalidTransition, NotPermitted, ValidationFailed):
            move(engine, case_id, action, actor)
    with Session(engine) as s:
        case = s.get(Complaint, case_id)
        events = s.exec(
            select(ComplaintEvent)
            .where(ComplaintEvent.complaint_id == case_id, ComplaintEvent.kind == "transition")
            .order_by(ComplaintEvent.id)
        ).all()
    assert case.status in _reachable()
    replayed = "received"
    for event in events:
        assert event.data["from"] == replayed
        assert replayed in lifecycle.TRANSITIONS[event.data["action"]].sources
        replayed = event.data["to"]
    assert replayed == case.status


# --- permissions -----------------------------------------------------------------------------

CASE = Complaint(reference="MS-2026-0001", status="received", reporter_id=REPORTER)
INVESTIGATOR_ACTIONS = {
    "assign_self",
    "assign",
    "note",
    "tell_supplier",
    "link",
    "unlink",
    "timeline",
    "spotcheck",
    "view_case",
} | {a for a in lifecycle.TRANSITIONS if ROLES[a] == "investigator"}
LEAD_ONLY = {"reassign", "reopen", "reveal"}
EVERY_ACTION = INVESTIGATOR_ACTIONS | LEAD_ONLY | {"withdraw"}


@pytest.mark.parametrize(
    ("actor", "allowed"),
    [
        (INVESTIGATOR, INVESTIGATOR_ACTIONS),
        (LEAD, INVESTIGATOR_ACTIONS | LEAD_ONLY),
        (
            Actor(pid("UBOTH"), frozenset({"lead", "investigator"})),
            INVESTIGATOR_ACTIONS | LEAD_ONLY,
        ),
        (OWNER, {"withdraw", "view_case"}),
        (STRANGER, set()),
        (Actor(pid("UCOORD"), frozenset({"coordinator"})), set()),
    ],
    ids=["investigator", "lead", "both", "reporter", "stranger", "coordinator"],
)
def test_permission_matrix(actor, allowed):
    for action in EVERY_ACTION:
        assert may(actor, action, CASE) == (action in allowed), action
    if allowed != EVERY_ACTION:
        refused = sorted(EVERY_ACTION - allowed)[0]
        with pytest.raises(NotPermitted):
            require(actor, refused, CASE)


def test_spot_checks_have_no_reporter_to_withdraw():
    spot = Complaint(reference="MS-2026-0002", status="received", reporter_id=None)
    assert not may(Actor("", frozenset()), "withdraw", spot)
    assert not may(LEAD, "withdraw", spot)


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _on_slack(user_id: str) -> PersonRef:
    return PersonRef(1, None, (("slack", user_id),))


def test_role_directory_caches_the_group_and_falls_back_when_it_fails():
    class Ids:
        investigator_user_ids = frozenset({"UINV1"})
        lead_user_ids = frozenset({"ULEAD1"})

    calls: list[int] = []
    members = {"UGROUP1"}
    failing = False

    def group() -> frozenset[str]:
        calls.append(1)
        if failing:
            raise TimeoutError("usergroups.users.list timed out")
        return frozenset(members)

    clock = Clock()
    directory = RoleDirectory(Ids(), group, cache_seconds=300, retry_seconds=30, clock=clock)
    assert directory.actor_for(_on_slack("UGROUP1")).roles == {"investigator"}
    assert directory.actor_for(_on_slack("ULEAD1")).roles == {"lead"}
    assert directory.actor_for(_on_slack("UNOBODY")).roles == frozenset()
    assert len(calls) == 1  # cached
    members.add("UGROUP2")
    clock.now = 299
    assert directory.actor_for(_on_slack("UGROUP2")).roles == frozenset()
    clock.now = 301
    assert directory.actor_for(_on_slack("UGROUP2")).roles == {"investigator"}
    failing = True
    clock.now = 700
    assert directory.actor_for(_on_slack("UGROUP2")).roles == frozenset()  # configured ids only
    assert directory.actor_for(_on_slack("UINV1")).roles == {"investigator"}
    assert len(calls) == 3  # one failed attempt, then no retry within 30 s
    failing = False
    clock.now = 731
    assert directory.actor_for(_on_slack("UGROUP2")).roles == {"investigator"}


def test_settings_read_and_validate_investigation_ids():
    base = {
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_SIGNING_SECRET": "8f14e45fceea167a5a36dedd4bea2543",
        "TRIAGE_CHANNEL_ID": "C0123",
    }
    s = load_slack_settings(
        {
            **base,
            "INVESTIGATOR_IDS": "U1AA, U2BB",
            "LEAD_IDS": "U3CC",
            "INVESTIGATOR_GROUP_ID": "S0GROUP",
        }
    )
    assert s.investigator_user_ids == {"U1AA", "U2BB"} and s.lead_user_ids == {"U3CC"}
    assert s.investigator_group_id == "S0GROUP"
    with pytest.raises(ConfigError) as bad:
        load_slack_settings(
            {**base, "INVESTIGATOR_IDS": "bob", "LEAD_IDS": "#x", "INVESTIGATOR_GROUP_ID": "C123"}
        )
    text = str(bad.value)
    assert "INVESTIGATOR_IDS" in text and "LEAD_IDS" in text and "INVESTIGATOR_GROUP_ID" in text
