"""What every work-shadowing handler in Teams shares: the clock and settings it acts with, how a
refusal or an outage is worded, and the three ways of answering (a card or a line in the 1:1
chat, the pressed card redrawn in place, a private line to the person who pressed it).

Refusals are always private: a command's answer goes to the 1:1 chat it came from (or, for a
command typed in a channel, to the person's 1:1 chat), and a button's refusal is the invoke's
own message answer, which Teams shows to the person who pressed it alone. The card they pressed
is then left as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TypeVar

import structlog

from bot.errors import (
    DomainError,
    InvalidTransition,
    NotFound,
    NotPermitted,
    StoreUnavailable,
    ValidationFailed,
)
from handlers.teams.dispatch import tell_privately
from handlers.teams.requests import TeamsRequest
from handlers.teams.routes import InvokeAnswer

log = structlog.get_logger("msbot.teams.shadowing")

UNAVAILABLE = (
    "Sorry, work-shadowing is unavailable right now because our database cannot be reached. "
    "Nothing was changed; please try again in a few minutes."
)
FAILED = (
    'Sorry, something went wrong on our side. Type "shadow status" to see where things stand, '
    "and try again if nothing changed."
)
NO_LONGER_WORKS = "Sorry, that button no longer works."
REFUSALS = (NotPermitted, InvalidTransition, NotFound, ValidationFailed)

T = TypeVar("T")


def attempt(call: Callable[[], T]) -> tuple[T | None, Exception | None]:
    """Run one core call; a refusal or an outage comes back as the second value."""
    try:
        return call(), None
    except (*REFUSALS, StoreUnavailable) as exc:
        return None, exc


def explain(exc: Exception, prefix: str = "") -> str:
    """Plain words (card text escapes them) for a refusal or an outage."""
    if isinstance(exc, StoreUnavailable):
        return UNAVAILABLE
    if isinstance(exc, ValidationFailed):
        return prefix + " ".join(str(m) for m in exc.errors.values())
    if isinstance(exc, DomainError):
        return prefix + str(exc)
    log.error("shadow.unexpected", error=repr(exc))
    return FAILED


def now(req: TeamsRequest) -> datetime:
    return req.services.clock()


def today(req: TeamsRequest) -> date:
    return req.services.today()


def departments(req: TeamsRequest) -> tuple[str, ...]:
    return tuple(req.services.settings.departments)


def expiry_days(req: TeamsRequest) -> int:
    return req.services.settings.offer_expiry_days


def record_id(raw: object) -> int | None:
    """A record number from a button's data or a command: a positive whole number that fits
    the database's integers, else None."""
    if not isinstance(raw, str) or not raw.isdigit() or len(raw) > 10:
        return None
    value = int(raw)
    return value if 0 < value < 2**31 else None


def reply(req: TeamsRequest, text: str, card: dict | None = None) -> None:
    """An answer in the 1:1 chat (a command typed in a channel is answered privately there)."""
    tell_privately(req, text, card)


def updated(card: dict) -> InvokeAnswer:
    """The pressed card, redrawn (for whoever pressed it) from what is true now."""
    return InvokeAnswer.updated(card)


def private(text: str) -> InvokeAnswer:
    """A line to the person who pressed, and the card left as it was."""
    return InvokeAnswer.tell(text)


def delivered(req: TeamsRequest) -> None:
    """The core queued notices (the other side's news, a manager's request): send them now
    rather than at the outbox worker's next poll."""
    req.services.send_queued()
