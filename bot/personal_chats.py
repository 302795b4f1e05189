"""Where a person can be messaged one to one, on platforms that need it remembered.

Teams lets a bot write to someone only in a conversation it already knows, or one it may create
because msbot is installed for them; so the front end records the 1:1 chat (or, before one is
known, how to address the person) when they install msbot or write to it. The ids are the
platform's own, opaque here. ``platform_of`` says which platform a person's messages go to: the
one they used last.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, update
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from models import PersonalChat, PlatformAccount

# A person writing many times an hour needs their row touched once: the routing only has to
# tell which platform they use lately, not the minute.
TOUCH_EVERY = timedelta(hours=1)


@dataclass(frozen=True)
class ChatRef:
    """How to reach one person on one platform."""

    person_id: int
    workspace: str
    member_id: str
    conversation_id: str | None
    service_url: str


def _account(session: Session, person_id: int, platform: str, workspace: str | None):
    query = select(PlatformAccount).where(
        PlatformAccount.person_id == person_id, PlatformAccount.platform == platform
    )
    if workspace is not None:
        query = query.where(PlatformAccount.workspace == workspace)
    return session.exec(query.order_by(PlatformAccount.id.desc())).first()


def remember(
    session: Session,
    person_id: int,
    platform: str,
    workspace: str | None,
    *,
    member_id: str,
    service_url: str,
    conversation_id: str | None,
    now: datetime,
) -> None:
    """Record (or refresh) how to reach the person through their account on ``platform`` in
    ``workspace``. ``conversation_id`` None keeps a 1:1 chat already known (a person seen in a
    channel still has theirs). Writes only when something changed or an hour has passed."""
    account = _account(session, person_id, platform, workspace or "")
    if account is None:
        return
    wanted = {"member_id": member_id, "service_url": service_url}
    if conversation_id:
        wanted["conversation_id"] = conversation_id
    chat = session.exec(select(PersonalChat).where(PersonalChat.account_id == account.id)).first()
    if chat is None:
        try:
            with session.begin_nested():
                ids = {"account_id": account.id, "person_id": person_id}
                session.add(PersonalChat(**ids, **wanted, last_seen_at=now, created_at=now))
            return
        except IntegrityError:
            # Two first contacts at once: the other made it; refresh that row instead.
            chat = session.exec(
                select(PersonalChat).where(PersonalChat.account_id == account.id)
            ).one()
    changes = {k: v for k, v in wanted.items() if getattr(chat, k) != v}
    if changes or _aware(chat.last_seen_at) + TOUCH_EVERY <= now:
        changes["last_seen_at"] = now
        session.execute(update(PersonalChat).where(PersonalChat.id == chat.id).values(**changes))
        session.expire(chat)


def remember_conversation(
    session: Session, person_id: int, platform: str, member_id: str, conversation_id: str
) -> None:
    """Record the 1:1 chat the front end just opened for a person it knew only by member id."""
    session.execute(
        update(PersonalChat)
        .where(
            PersonalChat.person_id == person_id,
            PersonalChat.member_id == member_id,
            PersonalChat.account_id.in_(
                select(PlatformAccount.id).where(PlatformAccount.platform == platform)
            ),
        )
        .values(conversation_id=conversation_id)
    )


def chat_of(session: Session, person_id: int, platform: str) -> ChatRef | None:
    """How to reach the person on ``platform`` (the chat they used last), or None."""
    row = session.exec(
        select(PersonalChat, PlatformAccount.workspace)
        .join(PlatformAccount, PlatformAccount.id == PersonalChat.account_id)
        .where(PersonalChat.person_id == person_id, PlatformAccount.platform == platform)
        .order_by(PersonalChat.last_seen_at.desc(), PersonalChat.id.desc())
    ).first()
    if row is None:
        return None
    chat, workspace = row
    return ChatRef(person_id, workspace, chat.member_id, chat.conversation_id, chat.service_url)


def _newest_platform(person_id):
    used = func.coalesce(PersonalChat.last_seen_at, PlatformAccount.created_at)
    return (
        sa_select(PlatformAccount.platform)
        .outerjoin(PersonalChat, PersonalChat.account_id == PlatformAccount.id)
        .where(PlatformAccount.person_id == person_id)
        .order_by(used.desc(), PlatformAccount.id.desc())
        .limit(1)
    )


def platform_of(session: Session, person_id: int) -> str | None:
    """The platform a person's messages go to: that of the account they used last (an account
    with a remembered chat counts from when they last wrote; any other from when it was made).
    None for a person with no account."""
    return session.execute(_newest_platform(person_id)).scalar()


def platform_column(person_id_column):
    """``platform_of`` as a correlated SQL expression, for a query over rows that name a
    person in ``person_id_column`` (the outbox's claim: each process claims its platform's)."""
    return _newest_platform(person_id_column).scalar_subquery()


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes (stored as UTC).
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
