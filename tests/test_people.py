"""People: one person per platform account, made on first sight even when requests race, and
looked up for renderers in a fixed number of queries."""

from __future__ import annotations

import threading
from contextlib import contextmanager

from sqlalchemy import event
from sqlmodel import select

from bot import people
from bot.db import transaction
from models import PlatformAccount

TEAMS_ID = "29:1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7"


def test_the_same_account_is_the_same_person(engine):
    with transaction(engine) as s:
        first = people.person_for(s, people.SLACK, "T1", "UPPL1", "Ivy Chen")
    with transaction(engine) as s:
        again = people.person_for(s, people.SLACK, "T1", "UPPL1", "Ivy Chen")
        other = people.person_for(s, people.SLACK, "T1", "UPPL2", "Omar Haddad")
    assert again == first
    assert first == people.PersonRef(first.id, "Ivy Chen", (("slack", "UPPL1"),))
    assert other.id != first.id
    assert first.account(people.SLACK) == "UPPL1" and first.account(people.TEAMS) is None


def _accounts(session, *user_ids: str) -> list[PlatformAccount]:
    """The accounts of these users (the test database also holds the people other tests
    name)."""
    query = select(PlatformAccount).where(PlatformAccount.user_id.in_(user_ids))
    return list(session.exec(query).all())


def test_a_teams_account_of_any_length_is_a_person(engine, session):
    with transaction(engine) as s:
        ref = people.person_for(s, people.TEAMS, "tenant-guid", TEAMS_ID, "Lena", email="l@x.uk")
    assert ref.account(people.TEAMS) == TEAMS_ID
    assert ref.email == "l@x.uk"
    [account] = _accounts(session, TEAMS_ID)
    assert (account.platform, account.workspace, account.user_id) == (
        "teams",
        "tenant-guid",
        TEAMS_ID,
    )


def test_a_new_display_name_is_remembered(engine):
    with transaction(engine) as s:
        people.person_for(s, people.SLACK, "T1", "UPPL1", "Ivy")
    with transaction(engine) as s:
        ref = people.person_for(s, people.SLACK, "T1", "UPPL1", "Ivy Chen")
    assert ref.name == "Ivy Chen"
    with transaction(engine) as s:
        unnamed = people.person_for(s, people.SLACK, "T1", "UPPL1", None)
    assert unnamed.name == "Ivy Chen"  # no name given: the known one stays


def test_an_account_from_old_data_learns_its_workspace(engine, session):
    """The migration made accounts without a team id: the user's first request finds theirs
    rather than making a second person, and records the team."""
    with transaction(engine) as s:
        old = people.person_for(s, people.SLACK, None, "UPPL1")
    with transaction(engine) as s:
        seen = people.person_for(s, people.SLACK, "T1", "UPPL1", "Ivy")
    assert seen.id == old.id
    [account] = _accounts(session, "UPPL1")
    assert account.workspace == "T1"


def test_two_first_requests_at_once_make_one_person(engine, session):
    barrier = threading.Barrier(4)
    found: list[int] = []
    errors: list[BaseException] = []

    def first_request():
        try:
            barrier.wait(timeout=10)
            with transaction(engine) as s:
                found.append(people.person_for(s, people.SLACK, "T1", "UPPLNEW", "New").id)
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=first_request) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors
    assert len(found) == 4 and len(set(found)) == 1
    assert len(_accounts(session, "UPPLNEW")) == 1


@contextmanager
def _counted(engine):
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_refs_for_many_people_take_two_queries(engine, session):
    with transaction(engine) as s:
        made = [people.person_for(s, people.SLACK, "T1", f"UPPL{n}", f"P{n}") for n in range(30)]
        people.person_for(s, people.TEAMS, "tenant", "guid-1", "P0 in Teams")
    ids = [r.id for r in made] + [None, made[0].id]
    with _counted(engine) as statements:
        found = people.refs(session, ids)
    assert len(statements) == 2
    assert set(found) == {r.id for r in made}
    assert found[made[3].id] == made[3]
    assert people.refs(session, [None]) == {}
    assert people.ref(session, None) is None


def test_existing_people_by_account(engine, session):
    with transaction(engine) as s:
        a = people.person_for(s, people.SLACK, "T1", "UPPL1")
        people.person_for(s, people.TEAMS, "tenant", "UPPL2")
    found = people.person_ids_for_accounts(session, people.SLACK, ["UPPL1", "UPPL2", "UPPL3"])
    assert found == {"UPPL1": a.id}
    assert _accounts(session, "UPPL3") == []  # looking up made nobody new
