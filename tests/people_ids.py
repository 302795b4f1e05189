"""Tests name people by the Slack ids they would use: ``pid("U1")`` is the person whose Slack
account is U1, the value the core receives and stores.

A name gets a fixed id on first use (from a range the database's own sequence never reaches),
so module constants such as ``LEAD = Actor(pid("ULEAD1"), ...)`` need no database. The
``engine`` fixture calls ``use`` after wiping the database, which makes every person named so
far; a name first used inside a test is made at once. If the Slack edge made that person
first (their first request), ``pid`` answers with the edge's person.
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot import people
from bot.db import transaction
from models import Person, PlatformAccount

FIRST_ID = 1_000_000
_ids: dict[str, int] = {}
_platform: dict[str, str] = {}  # names of accounts on platforms other than Slack
_current: dict[str, Engine] = {}
_made: set[str] = set()  # names made in the current database


def _make(engine: Engine, names: list[str]) -> None:
    with transaction(engine) as s:
        for name in names:
            s.add(Person(id=_ids[name], display_name=name))
        s.flush()
        for name in names:
            platform = _platform.get(name, "slack")
            s.add(PlatformAccount(person_id=_ids[name], platform=platform, user_id=name))
    _made.update(names)


def register_names_in(folder: Path) -> None:
    """Give every ``pid("...")`` literal of the tests its id up front, so ``use`` makes them
    all before a test runs: a test that names someone new while it holds a SQLite
    transaction open would otherwise wait on its own write lock."""
    for path in sorted(folder.glob("*.py")):
        for name in re.findall(r'\bpid\("([^"]+)"\)', path.read_text()):
            _ids.setdefault(name, FIRST_ID + len(_ids))


def use(engine: Engine) -> None:
    """The (freshly wiped) database the named people live in for this test."""
    _current["engine"] = engine
    _made.clear()
    if _ids:
        _make(engine, sorted(_ids))


def pid(slack_id: str, platform: str = "slack") -> int:
    """The person whose account on ``platform`` (Slack unless said) is ``slack_id``."""
    if slack_id not in _ids:
        _ids[slack_id] = FIRST_ID + len(_ids)
    if platform != "slack":
        _platform[slack_id] = platform
    engine = _current.get("engine")
    if engine is None or slack_id in _made:
        return _ids[slack_id]
    with Session(engine) as s:
        found = s.exec(
            select(PlatformAccount.person_id).where(
                PlatformAccount.platform == platform, PlatformAccount.user_id == slack_id
            )
        ).first()
    if found is not None:
        return found
    _make(engine, [slack_id])
    return _ids[slack_id]


def in_database(engine: Engine, slack_id: str) -> int:
    """The person a Slack id is in a database of its own (``msbot local``'s, say)."""
    with transaction(engine) as s:
        return people.person_for(s, people.SLACK, None, slack_id).id


def ensure_in(engine: Engine, person_id: int | None) -> None:
    """Make a person named with ``pid`` in a database of its own, if it is not there."""
    names = [name for name, found in _ids.items() if found == person_id]
    if names:
        with Session(engine) as s:
            present = s.get(Person, person_id) is not None
        if not present:
            _make(engine, names)


def slack_id(person_id: int | None, engine: Engine | None = None) -> str | None:
    """The Slack id of a person the core stored (to assert what a test named with ``pid``);
    ``engine``: a database other than the test's own."""
    if person_id is None:
        return None
    with transaction(engine or _current["engine"]) as s:
        ref = people.ref(s, person_id)
    return ref.account(people.SLACK) if ref else None
