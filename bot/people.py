"""People: who someone is, whatever platform they write from.

Front ends turn a platform's user (Slack user id and team id, Teams user id and tenant id) into
a person once per request with ``person_for``; the core then stores and passes ``person.id``
and never looks at a platform id. Renderers get ``PersonRef`` values, looked up in batches
with ``refs`` (one query for the people and one for their accounts, however many there are).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from models import Person, PlatformAccount

SLACK = "slack"
TEAMS = "teams"
UNKNOWN_WORKSPACE = ""
NAME_MAX = 200
USER_ID_MAX = 255


@dataclass(frozen=True)
class PersonRef:
    """What a renderer or a policy needs to know about a person."""

    id: int
    name: str | None = None
    accounts: tuple[tuple[str, str], ...] = ()  # (platform, user id)
    email: str | None = None

    def account(self, platform: str) -> str | None:
        """This person's user id on ``platform``, if they have one there."""
        return next((uid for p, uid in self.accounts if p == platform), None)


def _ref(person: Person, accounts: Iterable[PlatformAccount]) -> PersonRef:
    ordered = sorted(accounts, key=lambda a: a.id or 0)
    return PersonRef(
        id=person.id,
        name=person.display_name,
        accounts=tuple((a.platform, a.user_id) for a in ordered),
        email=person.email,
    )


def refs(session: Session, person_ids: Iterable[int | None]) -> dict[int, PersonRef]:
    """Every person named in ``person_ids`` (Nones and repeats ignored), by id: two queries."""
    ids = sorted({i for i in person_ids if i is not None})
    if not ids:
        return {}
    people = session.exec(select(Person).where(Person.id.in_(ids))).all()
    accounts: dict[int, list[PlatformAccount]] = {}
    query = select(PlatformAccount).where(PlatformAccount.person_id.in_(ids))
    for account in session.exec(query).all():
        accounts.setdefault(account.person_id, []).append(account)
    return {p.id: _ref(p, accounts.get(p.id, ())) for p in people}


def ref(session: Session, person_id: int | None) -> PersonRef | None:
    if person_id is None:
        return None
    return refs(session, [person_id]).get(person_id)


def _find(session: Session, platform: str, workspace: str, user_id: str):
    """The account for this user, preferring one in this workspace over one whose workspace
    was never learnt (accounts made from old data, before the workspace was known). A caller
    that does not know the workspace gets the user's account in any (the oldest)."""
    query = select(PlatformAccount).where(
        PlatformAccount.platform == platform, PlatformAccount.user_id == user_id
    )
    if workspace != UNKNOWN_WORKSPACE:
        query = query.where(PlatformAccount.workspace.in_({workspace, UNKNOWN_WORKSPACE}))
    found = session.exec(query.order_by(PlatformAccount.id)).all()
    return next((a for a in found if a.workspace == workspace), found[0] if found else None)


def _learn_workspace(session: Session, account: PlatformAccount, workspace: str) -> None:
    """Record the workspace of an account first seen without one. Conditional, so of two
    requests doing it at once one changes the row and the other changes nothing."""
    if account.workspace != UNKNOWN_WORKSPACE or workspace == UNKNOWN_WORKSPACE:
        return
    try:
        with session.begin_nested():
            session.execute(
                update(PlatformAccount)
                .where(
                    PlatformAccount.id == account.id,
                    PlatformAccount.workspace == UNKNOWN_WORKSPACE,
                )
                .values(workspace=workspace)
            )
    except IntegrityError:
        pass  # an account in this workspace was made meanwhile; the next lookup finds it
    session.expire(account)


def person_for(
    session: Session,
    platform: str,
    workspace: str | None,
    user_id: str,
    display_name: str | None = None,
    *,
    email: str | None = None,
) -> PersonRef:
    """The person using this platform account, made on first sight. Safe when two requests
    of the same new user race: the unique (platform, workspace, user id) lets one insert in,
    and the other finds that row after its savepoint rolls back."""
    workspace = (workspace or UNKNOWN_WORKSPACE)[:100]
    name = (display_name or "").strip()[:NAME_MAX] or None
    for _ in range(3):
        account = _find(session, platform, workspace, user_id)
        if account is not None:
            _learn_workspace(session, account, workspace)
            person = session.get(Person, account.person_id)
            _remember(person, account, name, email)
            theirs = select(PlatformAccount).where(PlatformAccount.person_id == person.id)
            return _ref(person, session.exec(theirs).all())
        try:
            with session.begin_nested():
                person = Person(display_name=name, email=email)
                session.add(person)
                session.flush()
                made = PlatformAccount(
                    person_id=person.id,
                    platform=platform,
                    workspace=workspace,
                    user_id=user_id[:USER_ID_MAX],
                    display_name=name,
                )
                session.add(made)
                session.flush()
            # Just made: everything about them is known here, nothing to read back.
            return _ref(person, [made])
        except IntegrityError:
            continue  # someone else made it first: look again
    raise RuntimeError(f"could not find or make the person for a {platform} account")


def _remember(person: Person, account: PlatformAccount, name: str | None, email: str | None):
    """Keep the newest display name and a first email; writes only when something changed."""
    if name and account.display_name != name:
        account.display_name = name
    if name and person.display_name != name:
        person.display_name = name
    if email and not person.email:
        person.email = email


def person_ids_for_accounts(
    session: Session, platform: str, user_ids: Iterable[str]
) -> dict[str, int]:
    """Existing people by their user id on ``platform`` (any workspace); nobody is made."""
    wanted = sorted(set(user_ids))
    if not wanted:
        return {}
    query = select(PlatformAccount.user_id, PlatformAccount.person_id).where(
        PlatformAccount.platform == platform, PlatformAccount.user_id.in_(wanted)
    )
    return {uid: pid for uid, pid in session.exec(query).all()}


def named(session: Session, names: Iterable[str]) -> frozenset[int]:
    """The people some account or email of whom is in ``names`` (a role setting's entries,
    compared as bot.config.person_name_key keeps them)."""
    wanted = {n for n in names if n}
    if not wanted:
        return frozenset()
    by_account = select(PlatformAccount.person_id).where(PlatformAccount.user_id.in_(wanted))
    emails = sorted(n for n in wanted if "@" in n)
    found = set(session.exec(by_account).all())
    if emails:
        by_email = select(Person.id).where(func.lower(Person.email).in_(emails))
        found.update(session.exec(by_email).all())
    return frozenset(found)
