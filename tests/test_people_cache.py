"""Which person a platform account is, remembered per process (bot/people_cache.py): a
request by someone already seen makes no person query; an erasure, a new display name or
the time to live make the next request ask the database again. Both databases."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import event
from sqlmodel import select

from bot import people, people_cache
from bot.people import PersonRef
from bot.people_cache import AccountCache
from bot.privacy import erase, records
from models import Person, PlatformAccount
from tests.conftest import rows, start_app

NOW = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)
# A statement reading or writing the people tables (not one that merely names a column such
# as the outbox's recipient_person_id, which the background outbox worker runs at any time).
PEOPLE_STATEMENT = re.compile(r'\b(from|into|update|join)\s+"?(person|platform_account)\b', re.I)
# Tables the app's background loops (outbox worker, durable-command sweeper) poll whatever the
# requests do: their statements say nothing about the request under test.
BACKGROUND = re.compile(r'\b(from|into|update)\s+"?(outbox_message|pending_command)\b', re.I)


class Statements:
    """Every SQL statement the engine runs while in the block (a SQLAlchemy event listener)."""

    def __init__(self, engine):
        self.engine, self.ran = engine, []

    def _seen(self, conn, cursor, statement, parameters, context, executemany):
        self.ran.append(statement)

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._seen)

    def about_people(self) -> list[str]:
        # The outbox worker's claim query reads people too (whose platform a row is for).
        return [s for s in self.ran if PEOPLE_STATEMENT.search(s) and not BACKGROUND.search(s)]

    def by_requests(self) -> list[str]:
        """What ran apart from the background loops' polling (and their transactions)."""
        polling = {"BEGIN", "BEGIN IMMEDIATE", "COMMIT", "ROLLBACK"}
        return [s for s in self.ran if not BACKGROUND.search(s) and s.strip() not in polling]


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_second_request_by_the_same_user_makes_no_person_query(engine, stub):
    running = start_app(engine, stub, LEAD_IDS="ULEAD1")
    try:
        with Statements(engine) as first:
            reply = running.slack.command("/complaint", "status", user="UCACHE1")
        assert reply.status == 200 and "You have no complaints" in reply.json()["text"]
        assert first.about_people(), "the first request looks the person up (or makes them)"
        with Statements(engine) as second:
            reply = running.slack.command("/complaint", "status", user="UCACHE1")
        assert reply.status == 200 and "You have no complaints" in reply.json()["text"]
        assert second.about_people() == [], second.ran
        # A command that only opens the form acts for nobody: no database work at all.
        with Statements(engine) as opener:
            assert running.slack.command("/complaint", "", user="UNEW9").status == 200
        assert opener.by_requests() == []
    finally:
        running.close()


def test_an_erased_persons_account_is_not_served_from_the_cache(engine, session):
    cache = AccountCache()
    first = people_cache.person(engine, people.SLACK, "T1", "UERASE1", "Eve", cache=cache)
    assert people_cache.person(engine, people.SLACK, "T1", "UERASE1", cache=cache) == first
    # The process-wide cache is the one erasure empties.
    assert people_cache.person(engine, people.SLACK, "T1", "UERASE1") == first
    erase.erase(engine, records.Subject(frozenset({first.id})), NOW)
    [account] = [a for a in rows(session, PlatformAccount) if a.person_id == first.id]
    assert account.user_id != "UERASE1"
    with Statements(engine) as after:
        again = people_cache.person(engine, people.SLACK, "T1", "UERASE1")
    assert again.id != first.id and again.name is None  # someone new, not the erased person
    assert after.about_people()
    assert {a.person_id for a in rows(session, PlatformAccount) if a.user_id == "UERASE1"} == {
        again.id
    }


def test_a_new_display_name_is_stored_before_anyone_sees_the_old_one(engine, session):
    found = people_cache.person(engine, people.SLACK, "T1", "UNAME1", "Old Name")
    assert people_cache.person(engine, people.SLACK, "T1", "UNAME1", "Old Name") == found
    renamed = people_cache.person(engine, people.SLACK, "T1", "UNAME1", "New Name")
    assert renamed.id == found.id and renamed.name == "New Name"
    stored = session.exec(select(Person).where(Person.id == found.id)).one()
    session.refresh(stored)
    assert stored.display_name == "New Name"
    # A request that brings no name (an event) is served what was stored last.
    assert people_cache.person(engine, people.SLACK, "T1", "UNAME1").name == "New Name"


def test_entries_expire_and_the_cache_stays_within_its_bound():
    clock = Clock()
    cache = AccountCache(max_entries=3, ttl=60.0, clock=clock)
    for n in range(5):
        cache.put(("db", "slack", "T1", f"U{n}"), PersonRef(n), None, cache.generation())
    assert len(cache) == 3
    assert cache.get(("db", "slack", "T1", "U0"), None) is None  # the oldest went first
    assert cache.get(("db", "slack", "T1", "U4"), None) == PersonRef(4)
    clock.now = 60.0
    assert cache.get(("db", "slack", "T1", "U4"), None) is None


def test_what_was_read_before_an_erasure_is_not_remembered_after_it():
    cache = AccountCache()
    key = ("db", "slack", "T1", "U1")
    generation = cache.generation()  # a look-up starts...
    cache.forget()  # ...an erasure commits meanwhile...
    cache.put(key, PersonRef(1), None, generation)  # ...and the look-up ends
    assert cache.get(key, None) is None


@given(st.lists(st.tuples(st.integers(0, 30), st.booleans()), max_size=200))
def test_many_threads_never_break_the_bound_or_mix_up_people(ops):
    cache = AccountCache(max_entries=8)
    mixed_up = []

    def work(chunk):
        for n, forget in chunk:
            key = ("db", "slack", "T1", f"U{n}")
            if forget and n % 7 == 0:
                cache.forget()
            cache.put(key, PersonRef(n), None, cache.generation())
            found = cache.get(key, None)
            if found is not None and found.id != n:
                mixed_up.append((n, found))

    threads = [threading.Thread(target=work, args=(ops[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert mixed_up == [] and len(cache) <= 8
