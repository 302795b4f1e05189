"""Queueing messages, in the transaction of the change that caused them.

A message is addressed to a person (``user_id``: their direct messages) or to a team role
(``role``: the conversation each front end configures for it, such as its triage channel).
Which conversation that is, and where a case's thread lives, is the transport's business.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import insert
from sqlmodel import Session

from models import OutboxMessage

# The team roles a message can be addressed to.
TRIAGE_ROLE = "triage"  # where new cases' cards are posted and worked in their threads
LEADS_ROLE = "leads"  # where the leads get the digest
ROLES = frozenset({TRIAGE_ROLE, LEADS_ROLE})


def _checked_address(user_id: str | None, role: str | None) -> None:
    if bool(user_id) == bool(role):
        raise ValueError("an outbox message goes to a person or to a role, exactly one")
    if role is not None and role not in ROLES:
        raise ValueError(f"unknown role {role!r}")


def enqueue(
    session: Session,
    kind: str,
    *,
    subject_id: int | None = None,
    user_id: str | None = None,
    role: str | None = None,
    data: dict | None = None,
) -> OutboxMessage:
    _checked_address(user_id, role)
    msg = OutboxMessage(
        kind=kind,
        subject_id=subject_id,
        recipient_user_id=user_id,
        recipient_role=role,
        data=data or {},
    )
    session.add(msg)
    return msg


@dataclass(frozen=True)
class NewMessage:
    """A message to queue with :func:`enqueue_new` (the arguments of :func:`enqueue`)."""

    kind: str
    subject_id: int | None = None
    user_id: str | None = None
    role: str | None = None
    data: dict | None = None


def enqueue_new(session: Session, messages: list[NewMessage]) -> tuple[int, ...]:
    """Queue several messages in one INSERT (Core, one round trip); returns their ids in
    order. For hot paths that need no ORM objects back."""
    rows = []
    for m in messages:
        _checked_address(m.user_id, m.role)
        rows.append(
            {
                "kind": m.kind,
                "subject_id": m.subject_id,
                "recipient_user_id": m.user_id,
                "recipient_role": m.role,
                "data": m.data or {},
            }
        )
    return tuple(session.execute(_INSERT_MESSAGES, rows).scalars())


_INSERT_MESSAGES = insert(OutboxMessage.__table__).returning(
    OutboxMessage.__table__.c.id, sort_by_parameter_order=True
)
