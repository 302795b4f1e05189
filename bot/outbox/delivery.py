"""What a front end's transport and the outbox say to each other: the outcomes of an attempt
(as exceptions), where a posted message lives (:class:`Sent`), and the transport's shape."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from sqlmodel import Session

from models import OutboxMessage

# Why a message to a person cannot be delivered at all, when the transport can tell: the
# outbox hands it to the core's after-dead hooks (bot.complaints.unreachable tells the team).
NOT_OPENED = "not_opened"  # the platform lets msbot write only once they have opened it
ACCOUNT_GONE = "account_gone"  # their account is not found or deactivated
CANNOT_DM = "cannot_dm"  # the platform refuses msbot a direct message to them
NO_ACCOUNT = "no_account"  # they have no account on any platform msbot serves
UNREACHABLE_REASONS = frozenset({NOT_OPENED, ACCOUNT_GONE, CANNOT_DM, NO_ACCOUNT})


class PermanentDeliveryError(Exception):
    """Retrying cannot help (channel gone, bot not in channel, bad token). ``unreachable``: one
    of UNREACHABLE_REASONS when the recipient themself cannot be reached (None: the message,
    or msbot's own set-up, is at fault)."""

    def __init__(self, *args, unreachable: str | None = None):
        super().__init__(*args)
        self.unreachable = unreachable


class RateLimited(Exception):
    """The platform still said 429 after the client's own retries: wait ``retry_after`` s."""

    def __init__(self, retry_after: float, detail: str = "ratelimited"):
        super().__init__(f"{detail} (Retry-After {retry_after:g}s)")
        self.retry_after = retry_after


class ServedElsewhere(Exception):
    """The row is for a platform another process sends to (``msbot serve`` and ``msbot
    serve-teams`` share one outbox): leave it, unchanged but for a look again after
    ``retry_after`` seconds, without the back-off of a failure."""

    retry_after = 5.0


class NotReady(Exception):
    """The message cannot be sent yet (e.g. the thread it belongs in is not posted yet): keep it
    and retry later with back-off."""


class Skip(Exception):
    """Nothing needs posting any more (e.g. a card refresh for a card not yet posted, which
    will be drawn from current data anyway): mark the row done without posting."""


@dataclass(frozen=True)
class Sent:
    """Where a posted message lives, in its platform's own ids (opaque to the core)."""

    platform: str
    conversation_id: str
    message_id: str
    # The thread it was posted in, if any (the id of the thread's first message).
    thread_id: str | None = None


class Transport(Protocol):
    """How a front end turns an outbox row into a posted message. It resolves the row's
    address: a person (their direct messages) or a team role (the channel configured for it);
    a renderer may name another conversation (e.g. the case card's)."""

    platform: str

    def render(self, session: Session, msg: OutboxMessage) -> Any:
        """Build the message from current data (runs inside a short read transaction)."""

    def deliver(self, msg: OutboxMessage, rendered: Any) -> Sent:
        """Post it (runs outside any transaction, so a slow network holds no lock)."""

    # Optional: ``find_posted(msg, rendered, since) -> Sent | None`` says whether a row in
    # doubt is already out (posted since ``since``), or raises LookupFailed. A transport
    # without it gets rows in doubt posted again.
