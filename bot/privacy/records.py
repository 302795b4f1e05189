"""Finding everything held about one person, driven by the register alone.

A person is found through the register's link columns (``Entry.link``): a row whose link
column holds one of their identifiers is theirs as its owner, its addressee or an actor on
it; rows under an owned row (``Entry.parent``) are theirs too. Export, erasure and retention
read rows through this module, so a column renamed or a table added changes the register's
entries, not this code.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Select, Table, func, or_, select
from sqlalchemy.engine import Connection
from sqlmodel import Session

import models
from bot.config import person_name_key
from bot.privacy.register import REGISTER
from bot.privacy.terms import Entry, Link, When

# Rows are read with Core statements through either a connection or a session.
Db = Connection | Session
# Scopes, strongest first: an owner sees and loses the whole row, an actor only their part.
OWNER, ADDRESSEE, ACTOR = "owner", "addressee", "actor"
_STRENGTH = {OWNER: 0, ADDRESSEE: 1, ACTOR: 2}


@dataclass(frozen=True)
class Subject:
    """The person a request is about, as the set of values that identify them in the tables.

    Those are person ids (bot.people): the value every link column holds.
    """

    identifiers: frozenset
    staff: bool = False  # an investigator, lead or coordinator: their ids in staff columns stay

    def __contains__(self, value: object) -> bool:
        return not isinstance(value, dict | list) and value in self.identifiers


def find_subject(conn: Db, person: str, staff_ids: Iterable[str] = ()) -> Subject:
    """The subject for ``person``: any platform's user id of theirs, or their email (a
    person's own, or the contact email a host gave). ``staff_ids``: the role settings' names
    (user ids or emails); the subject is staff if any account or email of theirs is named."""
    person = person.strip()
    account, someone = models.PlatformAccount.__table__, models.Person.__table__
    ids = set(
        conn.execute(select(account.c.person_id).where(account.c.user_id == person)).scalars()
    )
    if "@" in person:
        host = models.ShadowHost.__table__
        by_email = select(someone.c.id).where(func.lower(someone.c.email) == person.lower())
        ids |= set(conn.execute(by_email).scalars())
        by_host = select(host.c.person_id).where(host.c.contact_email.ilike(person))
        ids |= set(conn.execute(by_host).scalars())
    names = {person_name_key(person)}
    if ids:
        theirs = select(account.c.user_id).where(account.c.person_id.in_(ids))
        names |= {person_name_key(n) for n in conn.execute(theirs).scalars()}
    staff = {person_name_key(n) for n in staff_ids}
    return Subject(frozenset(ids), staff=bool(names & staff))


@dataclass
class Held:
    """One row held about the subject: how it is theirs and which of its columns name them."""

    table: str
    row: dict
    scope: str
    links: set[str] = field(default_factory=set)

    @property
    def key(self) -> tuple[str, object]:
        return self.table, self.row.get("id")


def table(name: str) -> Table:
    return models.metadata.tables[name]


def link_columns(name: str) -> dict[str, Link]:
    return {c: e.link for c, e in REGISTER.get(name, {}).items() if e.link is not None}


def children_of(parent: str) -> list[tuple[str, str, Entry]]:
    """(table, column, entry) of every column whose rows belong to a ``parent`` row."""
    return [
        (name, column, entry)
        for name, columns in REGISTER.items()
        for column, entry in columns.items()
        if entry.parent == parent
    ]


def only_when(query: Select, t: Table, when: When | None) -> Select:
    """``query`` narrowed to the rows a rule applies to (Entry.parent_when, link_when)."""
    if when is None:
        return query
    column, prefixes = when
    prefixes = (prefixes,) if isinstance(prefixes, str) else prefixes
    return query.where(or_(*(t.c[column].startswith(p) for p in prefixes)))


def applies(when: When | None, row: dict) -> bool:
    """Whether a rule narrowed by ``when`` applies to ``row`` (as :func:`only_when` selects)."""
    if when is None:
        return True
    column, prefixes = when
    prefixes = (prefixes,) if isinstance(prefixes, str) else prefixes
    return str(row.get(column) or "").startswith(prefixes)


def names_a_person(entry: Entry, row: dict) -> bool:
    """Whether ``entry``'s column holds a person's id in this row (a link column, on the rows
    its ``link_when`` picks; on the others it names another thing)."""
    return entry.link is not None and applies(entry.link_when, row)


def _scope(link: Link) -> str:
    return {Link.OWNER: OWNER, Link.ADDRESSEE: ADDRESSEE, Link.ACTOR: ACTOR}[link]


def held(conn: Db, subject: Subject) -> list[Held]:
    """Every row held about ``subject``, each once, in table order."""
    found: dict[tuple[str, object], Held] = {}

    def add(name: str, row: dict, scope: str, link: str | None = None) -> bool:
        item = found.get((name, row.get("id")))
        if item is None:
            item = found[(name, row.get("id"))] = Held(name, row, scope)
            grew = True
        else:
            grew = _STRENGTH[scope] < _STRENGTH[item.scope]
            if grew:
                item.scope = scope
        if link:
            item.links.add(link)
        return grew

    owned: list[Held] = []
    ids = sorted(subject.identifiers, key=str)
    for name in REGISTER:
        for column, link in link_columns(name).items():
            t = table(name)
            query = select(t).where(t.c[column].in_(ids))
            query = only_when(query, t, REGISTER[name][column].link_when)
            for row in conn.execute(query).mappings():
                if add(name, dict(row), _scope(link), column) and link is Link.OWNER:
                    owned.append(found[(name, row.get("id"))])
    owned += under(conn, owned, add)
    return sorted(found.values(), key=lambda h: (list(REGISTER).index(h.table), str(h.key[1])))


def under(conn: Db, roots: list[Held], add) -> list[Held]:
    """Rows that belong to owned rows (a case's notes, a sign-up's placements, ...)."""
    queue, reached = list(roots), []
    while queue:
        parent = queue.pop()
        for name, column, entry in children_of(parent.table):
            t = table(name)
            query = select(t).where(t.c[column] == parent.row["id"])
            query = only_when(query, t, entry.parent_when)
            for row in conn.execute(query).mappings():
                if add(name, dict(row), OWNER):
                    child = Held(name, dict(row), OWNER)
                    queue.append(child)
                    reached.append(child)
    return reached


def record(conn: Db, name: str, row_id: int) -> list[Held]:
    """A row and everything under it, as owned rows (retention redacts a whole record)."""
    found: dict[tuple[str, object], Held] = {}

    def add(child: str, row: dict, scope: str, link: str | None = None) -> bool:
        if (child, row.get("id")) in found:
            return False
        found[(child, row.get("id"))] = Held(child, row, scope)
        return True

    t = table(name)
    row = conn.execute(select(t).where(t.c.id == row_id)).mappings().one()
    add(name, dict(row), OWNER)
    under(conn, [found[(name, row_id)]], add)
    return list(found.values())
