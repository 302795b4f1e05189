"""Sign-up, line-manager approval, queue position and withdrawal (bot.shadowing.signup)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from bot.errors import InvalidTransition, NotFound, NotPermitted, ValidationFailed
from bot.permissions import Actor
from bot.shadowing import hosts, notices, rounds, signup
from models import ShadowApplicant, ShadowConflict, ShadowPlacement
from tests.conftest import rows
from tests.test_shadow_core_support import (
    DEPARTMENTS,
    NOW,
    TODAY,
    applicant,
    event_kinds,
    host,
    outbox,
    reading,
    signup_form,
)


def _validate(form, user_id="U1"):
    return signup.validate_signup(form, user_id=user_id, today=TODAY, departments=DEPARTMENTS)


def _errors(form, user_id="U1") -> dict[str, str]:
    with pytest.raises(ValidationFailed) as err:
        _validate(form, user_id)
    return err.value.errors


# --- validation (no database) ---------------------------------------------------------------


def test_a_good_form_is_cleaned():
    values = _validate(
        signup_form(
            role="  Policy   adviser ",
            interests=("housing", "housing", "health"),
            conflict_organisations="Crisis\n\n  crisis \nShelter  Together\n",
        )
    )
    assert values["role"] == "Policy adviser"
    assert values["interests"] == ["housing", "health"]
    assert values["length_days"] == 7
    assert values["conflict_organisations"] == ["Crisis", "Shelter Together"]


def test_an_empty_form_names_every_missing_field():
    errors = _errors(signup.SignupForm())
    assert set(errors) == {
        "department",
        "grade",
        "role",
        "region",
        "mode",
        "interests",
        "learning_goals",
        "available_from",
        "available_to",
        "length",
        "manager_user_id",
    }
    assert errors["manager_user_id"] == "Choose your line manager."


@pytest.mark.parametrize(
    ("changes", "field", "fragment"),
    [
        ({"department": "Ministry of Magic"}, "department", "choose"),
        ({"grade": "G5"}, "grade", "choose"),
        ({"region": "atlantis"}, "region", "choose"),
        ({"mode": "hybrid"}, "mode", "choose"),
        ({"length": "year"}, "length", "choose"),
        ({"interests": ("housing", "astrology")}, "interests", "from the list"),
        ({"interests": ()}, "interests", "at least one"),
        ({"role": "   "}, "role", "fill this in"),
        ({"learning_goals": ""}, "learning_goals", "fill this in"),
        ({"learning_goals": "x" * 1501}, "learning_goals", "under 1500"),
        ({"available_from": None}, "available_from", "start date"),
        ({"available_to": None}, "available_to", "end date"),
        ({"available_from": TODAY - timedelta(days=1)}, "available_from", "past"),
        (
            {"available_from": TODAY + timedelta(days=30), "available_to": TODAY + timedelta(10)},
            "available_to",
            "before the start",
        ),
        (
            {"available_to": TODAY + timedelta(days=9), "length": "week"},
            "available_to",
            "give 3 days, but the length you chose (a week) needs at least 7",
        ),
        (
            {"available_to": TODAY + timedelta(days=40), "length": "three_months"},
            "available_to",
            "needs at least 91",
        ),
        ({"available_to": TODAY + timedelta(days=800)}, "available_to", "next 2 years"),
        ({"manager_user_id": None}, "manager_user_id", "Choose your line manager"),
        ({"manager_user_id": "U1"}, "manager_user_id", "must be someone else"),
        ({"conflict_organisations": "x" * 201}, "conflict_organisations", "one organisation"),
    ],
)
def test_bad_input_is_refused_naming_the_field(changes, field, fragment):
    errors = _errors(signup_form(**changes))
    assert field in errors, errors
    assert fragment.casefold() in errors[field].casefold()


def test_a_single_day_fits_a_one_day_window():
    day = TODAY + timedelta(days=3)
    assert _validate(signup_form(available_from=day, available_to=day, length="day"))


# --- storing --------------------------------------------------------------------------------


def test_sign_up_stores_the_request_conflicts_event_and_approval_request(engine, session):
    a = signup.sign_up(
        engine,
        signup_form(conflict_organisations="Crisis\nShelter Together"),
        actor=Actor("U1"),
        submission_key="V1",
        today=TODAY,
        departments=DEPARTMENTS,
    )
    [stored] = rows(session, ShadowApplicant)
    assert (stored.id, stored.status, stored.active_user_id) == (a.id, "pending_approval", "U1")
    assert stored.interests == ["housing", "homelessness"] and stored.length_days == 7
    assert stored.queued_at is None
    conflicts = rows(session, ShadowConflict)
    assert [(c.source, c.applicant_id, c.organisation) for c in conflicts] == [
        ("applicant", a.id, "Crisis"),
        ("applicant", a.id, "Shelter Together"),
    ]
    assert all(c.status == "active" and c.recorded_by == "U1" for c in conflicts)
    assert event_kinds(engine, applicant_id=a.id) == ["signed_up"]
    [msg] = outbox(engine)
    assert (msg.kind, msg.recipient_user_id, msg.subject_id, msg.data) == (
        notices.APPROVAL_REQUEST,
        "UMGR1",
        a.id,
        {},
    )


def test_a_repeated_delivery_creates_nothing_twice(engine, session):
    def submit():
        return signup.sign_up(
            engine,
            signup_form(conflict_organisations="Crisis"),
            actor=Actor("U1"),
            submission_key="VSAME",
            today=TODAY,
            departments=DEPARTMENTS,
        )

    assert submit().id == submit().id
    assert len(rows(session, ShadowApplicant)) == 1
    assert len(rows(session, ShadowConflict)) == 1
    assert len(outbox(engine)) == 1


def test_a_second_active_sign_up_is_refused_until_the_first_ends(engine, session):
    first = applicant(engine, "U1", approve=False)
    with pytest.raises(ValidationFailed) as err:
        applicant(engine, "U1")
    assert "already have an active sign-up" in err.value.errors["department"]
    assert len(rows(session, ShadowApplicant)) == 1
    signup.decide(engine, first.id, actor=Actor("MU1"), approve=False, now=NOW)
    second = applicant(engine, "U1", approve=False)
    assert second.id != first.id
    with reading(engine) as s:
        assert signup.active_signup(s, "U1").id == second.id
        assert signup.active_signup(s, "U2") is None


def test_racing_sign_ups_by_one_person_store_one(engine, session):
    def attempt(n: int):
        try:
            return signup.sign_up(
                engine,
                signup_form(),
                actor=Actor("U1"),
                submission_key=f"VR{n}",
                today=TODAY,
                departments=DEPARTMENTS,
            )
        except ValidationFailed as exc:
            return exc

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(attempt, range(6)))
    stored = [r for r in results if isinstance(r, ShadowApplicant)]
    refused = [r for r in results if isinstance(r, ValidationFailed)]
    assert len(stored) == 1 and len(refused) == 5
    assert all("already have an active sign-up" in r.errors["department"] for r in refused)
    assert len(rows(session, ShadowApplicant)) == 1 and len(outbox(engine)) == 1


# --- the line manager's decision ------------------------------------------------------------


def test_approval_queues_the_applicant_and_tells_them(engine, session):
    a = applicant(engine, "U1", approve=False)
    decided = signup.decide(engine, a.id, actor=Actor("MU1"), approve=True, now=NOW)
    assert decided.status == "queued" and decided.queued_at == NOW
    [stored] = rows(session, ShadowApplicant)
    assert stored.status == "queued" and stored.queued_at == NOW and stored.active_user_id == "U1"
    result = outbox(engine, notices.APPROVAL_RESULT)
    assert [(m.recipient_user_id, m.subject_id, m.data) for m in result] == [
        ("U1", a.id, {"approved": True})
    ]
    assert event_kinds(engine, applicant_id=a.id) == ["signed_up", "approved"]


def test_a_repeated_approval_creates_nothing_twice(engine):
    a = applicant(engine, "U1", approve=False)
    signup.decide(engine, a.id, actor=Actor("MU1"), approve=True, now=NOW)
    for approve in (True, False):
        with pytest.raises(InvalidTransition, match="already been approved"):
            signup.decide(engine, a.id, actor=Actor("MU1"), approve=approve, now=NOW)
    assert len(outbox(engine, notices.APPROVAL_RESULT)) == 1
    assert event_kinds(engine, applicant_id=a.id) == ["signed_up", "approved"]


def test_concurrent_clicks_decide_once(engine):
    a = applicant(engine, "U1", approve=False)

    def click(_):
        try:
            return signup.decide(engine, a.id, actor=Actor("MU1"), approve=True, now=NOW)
        except InvalidTransition as exc:
            return exc

    with ThreadPoolExecutor(max_workers=5) as pool:
        results = list(pool.map(click, range(5)))
    assert sum(isinstance(r, ShadowApplicant) for r in results) == 1
    assert len(outbox(engine, notices.APPROVAL_RESULT)) == 1


def test_declining_frees_the_person_to_sign_up_again(engine, session):
    a = applicant(engine, "U1", approve=False)
    signup.decide(engine, a.id, actor=Actor("MU1"), approve=False, now=NOW)
    [stored] = rows(session, ShadowApplicant)
    assert (stored.status, stored.active_user_id, stored.queued_at) == ("declined", None, None)
    [msg] = outbox(engine, notices.APPROVAL_RESULT)
    assert msg.data == {"approved": False}
    with pytest.raises(InvalidTransition, match="already been declined"):
        signup.decide(engine, a.id, actor=Actor("MU1"), approve=True, now=NOW)


def test_only_the_named_manager_decides(engine):
    a = applicant(engine, "U1", approve=False)
    with pytest.raises(NotPermitted):
        signup.decide(engine, a.id, actor=Actor("USOMEONE"), approve=True, now=NOW)
    with pytest.raises(NotPermitted):
        signup.decide(engine, a.id, actor=Actor("U1"), approve=True, now=NOW)
    with pytest.raises(NotFound):
        signup.decide(engine, a.id + 99, actor=Actor("MU1"), approve=True, now=NOW)
    signup.withdraw(engine, actor=Actor("U1"), reason="", now=NOW)
    with pytest.raises(InvalidTransition, match="withdrawn"):
        signup.decide(engine, a.id, actor=Actor("MU1"), approve=True, now=NOW)


# --- queue position and withdrawal ----------------------------------------------------------


def test_queue_position_follows_queued_at_then_id(engine):
    late = applicant(engine, "U1", queued_at=NOW + timedelta(hours=2))
    early = applicant(engine, "U2", queued_at=NOW)
    tie = applicant(engine, "U3", queued_at=NOW + timedelta(hours=2))
    pending = applicant(engine, "U4", approve=False)
    with reading(engine) as s:
        positions = [signup.queue_position(s, a) for a in (early, late, tie, pending)]
    assert positions == [1, 2, 3, None]


def test_withdrawing_a_sign_up(engine, session):
    with pytest.raises(NotFound):
        signup.withdraw(engine, actor=Actor("U1"), reason="", now=NOW)
    a = applicant(engine, "U1")
    done = signup.withdraw(engine, actor=Actor("U1"), reason="  New job  ", now=NOW)
    assert (done.status, done.active_user_id, done.withdrawn_reason) == (
        "withdrawn",
        None,
        "New job",
    )
    assert event_kinds(engine, applicant_id=a.id)[-1] == "withdrawn"
    applicant(engine, "U2")
    with pytest.raises(ValidationFailed):
        signup.withdraw(engine, actor=Actor("U2"), reason="x" * 501, now=NOW)
    assert applicant(engine, "U1").status == "queued"  # free to sign up again


def test_withdrawing_with_an_open_offer_frees_the_place_and_tells_the_host(engine, session):
    applicant(engine, "U1")
    h = host(engine, "UH1", capacity=1)
    rounds.run_round(engine, commit=True, now=NOW, expiry_days=7)
    with reading(engine) as s:
        assert hosts.places_taken(s, h.id) == 1
    signup.withdraw(engine, actor=Actor("U1"), reason="Changed teams", now=NOW)
    [p] = rows(session, ShadowPlacement)
    assert (p.status, p.ended_by, p.end_reason) == ("withdrawn", "U1", "Changed teams")
    with reading(engine) as s:
        assert hosts.places_taken(s, h.id) == 0
    [update] = outbox(engine, notices.OFFER_UPDATE)
    assert (update.recipient_user_id, update.subject_id, update.data) == (
        "UH1",
        p.id,
        {"event": "withdrawn", "side": "host"},
    )
    assert "placement_withdrawn" in event_kinds(engine, placement_id=p.id)
    assert rows(session, ShadowApplicant)[0].status == "withdrawn"
