"""Storing a form submission once, however often it is delivered.

Slack retries a delivery it thinks failed, and a user can submit the same modal twice; both
come with the same key (the modal's view id). Each table that stores submissions has a unique
``submission_key`` column; this routine looks the key up first and, when two deliveries race
past that look-up, lets the unique constraint pick one and returns the row it stored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot.db import transaction

Row = TypeVar("Row")


@dataclass(frozen=True)
class Stored(Generic[Row]):
    row: Row
    created: bool  # False: an earlier delivery of the same submission stored ``row``


def find_by_key(session: Session, model: type[Row], key: str | None) -> Row | None:
    """The row of ``model`` stored for submission ``key``, if any (never for an empty key)."""
    if not key:
        return None
    return session.exec(select(model).where(model.submission_key == key)).first()


def create_once(
    engine: Engine, model: type[Row], key: str | None, create: Callable[[Session], Row]
) -> Stored[Row]:
    """Run ``create(session)`` in one transaction, unless submission ``key`` is stored already.

    ``create`` adds the row (with ``submission_key=key``) and whatever belongs with it (audit
    events, notices) and returns the row; anything it raises rolls all of it back. A repeated
    delivery returns the first one's row with ``created=False`` and writes nothing. An
    IntegrityError that is not a duplicate of ``key`` (another unique column) is re-raised for
    the caller to explain.
    """
    try:
        with transaction(engine) as s:
            if existing := find_by_key(s, model, key):
                return Stored(existing, created=False)
            return Stored(create(s), created=True)
    except IntegrityError:
        # Two deliveries of one submission raced; the one that committed first stored it.
        with transaction(engine) as s:
            existing = find_by_key(s, model, key)
        if existing is not None:
            return Stored(existing, created=False)
        raise
