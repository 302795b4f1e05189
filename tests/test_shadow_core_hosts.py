"""Hosts offering places, capacity and places taken (bot.shadowing.hosts)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session

from bot.errors import NotFound, NotPermitted, ValidationFailed
from bot.permissions import Actor
from bot.shadowing import hosts
from models import ShadowConflict, ShadowHost, ShadowPlacement
from tests.conftest import rows
from tests.test_shadow_core_support import (
    COORDINATOR_ACTOR,
    DEPARTMENTS,
    DWP,
    HOME_OFFICE,
    NOW,
    TODAY,
    applicant,
    event_kinds,
    host,
    host_form,
    reading,
)


def _errors(**changes) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as err:
        hosts.validate_host(host_form(**changes), today=TODAY, departments=DEPARTMENTS)
    return err.value.errors


def test_a_good_form_is_cleaned():
    values = hosts.validate_host(
        host_form(contact_email="", conflict_departments=(DWP, DWP)),
        today=TODAY,
        departments=DEPARTMENTS,
    )
    assert values["contact_email"] is None
    assert values["conflict_departments"] == [DWP]
    assert values["capacity"] == 2


def test_an_empty_form_names_every_missing_field():
    errors = _errors(
        **{f: "" for f in ("organisation", "contact_name", "activities")},
        areas=(),
        region=None,
        mode=None,
        capacity=None,
        available_from=None,
        available_to=None,
    )
    assert set(errors) == {
        "organisation",
        "contact_name",
        "areas",
        "region",
        "mode",
        "capacity",
        "available_from",
        "available_to",
        "activities",
    }


@pytest.mark.parametrize(
    ("changes", "field", "fragment"),
    [
        ({"capacity": 0}, "capacity", "between 1 and 20"),
        ({"capacity": 21}, "capacity", "between 1 and 20"),
        ({"capacity": -3}, "capacity", "between 1 and 20"),
        ({"capacity": True}, "capacity", "whole number"),
        (
            {"available_from": TODAY + timedelta(days=9), "available_to": TODAY + timedelta(3)},
            "available_to",
            "before the start",
        ),
        ({"available_from": TODAY - timedelta(days=1)}, "available_from", "past"),
        (
            {
                "available_from": TODAY - timedelta(days=30),
                "available_to": TODAY - timedelta(days=1),
            },
            "available_to",
            "past",
        ),
        ({"contact_email": "sam at example"}, "contact_email", "email address"),
        ({"areas": ("housing", "juggling")}, "areas", "from the list"),
        ({"region": "mars"}, "region", "choose"),
        ({"mode": "carrier pigeon"}, "mode", "choose"),
        ({"conflict_departments": ("Ministry of Magic",)}, "conflict_departments", "list"),
        ({"activities": "x" * 1501}, "activities", "under 1500"),
        ({"organisation": "x" * 201}, "organisation", "under 200"),
    ],
)
def test_bad_input_is_refused_naming_the_field(changes, field, fragment):
    errors = _errors(**changes)
    assert field in errors, errors
    assert fragment.casefold() in errors[field].casefold()


def test_offering_places_stores_the_host_its_conflicts_and_an_event(engine, session):
    h = hosts.offer_places(
        engine,
        host_form(conflict_departments=(HOME_OFFICE, DWP)),
        actor=Actor("UH1"),
        submission_key="VH-1",
        today=TODAY,
        departments=DEPARTMENTS,
    )
    [stored] = rows(session, ShadowHost)
    assert (stored.id, stored.status, stored.capacity, stored.user_id) == (h.id, "open", 2, "UH1")
    assert stored.areas == ["housing", "homelessness"]
    conflicts = rows(session, ShadowConflict)
    assert [(c.source, c.host_id, c.department) for c in conflicts] == [
        ("host", h.id, HOME_OFFICE),
        ("host", h.id, DWP),
    ]
    assert event_kinds(engine, host_id=h.id) == ["host_registered"]
    again = hosts.offer_places(
        engine,
        host_form(conflict_departments=(HOME_OFFICE, DWP)),
        actor=Actor("UH1"),
        submission_key="VH-1",
        today=TODAY,
        departments=DEPARTMENTS,
    )
    assert again.id == h.id
    assert len(rows(session, ShadowHost)) == 1 and len(rows(session, ShadowConflict)) == 2
    assert event_kinds(engine) == ["host_registered"]


def test_hosts_for_user(engine):
    first = host(engine, "UH1")
    second = host(engine, "UH1", organisation="Second Chance")
    host(engine, "UH2")
    with reading(engine) as s:
        assert [h.id for h in hosts.hosts_for_user(s, "UH1")] == [first.id, second.id]
        assert hosts.hosts_for_user(s, "UNOBODY") == []


def _placements(engine, host_id: int, statuses: list[str]) -> None:
    """Placements in the given statuses, stored directly (how they got there is tested in
    the placements tests)."""
    people = [applicant(engine, f"UP{host_id}_{n}") for n in range(len(statuses))]
    with Session(engine) as s:
        for a, status in zip(people, statuses, strict=True):
            s.add(
                ShadowPlacement(
                    applicant_id=a.id,
                    host_id=host_id,
                    status=status,
                    offered_at=NOW,
                    expires_at=NOW + timedelta(days=7),
                )
            )
        s.commit()


def test_places_taken_and_accepted(engine):
    h = host(engine, "UH1", capacity=10)
    statuses = ["offered", "accepted", "scheduled", "completed", "declined", "expired", "withdrawn"]
    _placements(engine, h.id, statuses)
    with reading(engine) as s:
        assert hosts.places_taken(s, h.id) == 4
        assert hosts.places_accepted(s, h.id) == 3
        assert hosts.places_taken(s, h.id + 1) == 0


def test_changing_capacity(engine, session):
    h = host(engine, "UH1", capacity=5)
    changed = hosts.change_capacity(engine, h.id, actor=Actor("UH1"), capacity=8)
    assert changed.capacity == 8
    by_coordinator = hosts.change_capacity(engine, h.id, actor=COORDINATOR_ACTOR, capacity=3)
    assert by_coordinator.capacity == 3
    assert rows(session, ShadowHost)[0].capacity == 3
    assert event_kinds(engine, host_id=h.id) == [
        "host_registered",
        "capacity_changed",
        "capacity_changed",
    ]


def test_capacity_changes_that_are_refused(engine, session):
    h = host(engine, "UH1", capacity=5)
    _placements(engine, h.id, ["accepted", "scheduled", "offered", "declined"])
    with pytest.raises(NotFound):
        hosts.change_capacity(engine, h.id + 1, actor=Actor("UH1"), capacity=3)
    with pytest.raises(NotPermitted):
        hosts.change_capacity(engine, h.id, actor=Actor("UOTHER"), capacity=3)
    for bad in (0, 21):
        with pytest.raises(ValidationFailed) as err:
            hosts.change_capacity(engine, h.id, actor=Actor("UH1"), capacity=bad)
        assert "between 1 and 20" in err.value.errors["capacity"]
    with pytest.raises(ValidationFailed) as err:
        hosts.change_capacity(engine, h.id, actor=Actor("UH1"), capacity=1)
    assert err.value.errors["capacity"] == (
        "You have already accepted 2 visitors; places can't go below 2."
    )
    assert rows(session, ShadowHost)[0].capacity == 5
    assert event_kinds(engine, host_id=h.id) == ["host_registered"]
    # Down to the accepted number is fine: the open offer simply leaves no free place.
    assert hosts.change_capacity(engine, h.id, actor=Actor("UH1"), capacity=2).capacity == 2
