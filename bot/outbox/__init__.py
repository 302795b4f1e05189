"""Outbox: every message to post is stored first, in the transaction that caused it, then
sent by a worker; a failure to post is retried, never lost.

Sending rules (see README "Outbox"):

- One message at a time per destination (a team role's conversation, or a person's direct
  messages), in id order: a worker may only claim the oldest pending row of a destination
  (its *head*). So messages arrive in the
  order they were queued, and a head waiting out a ``Retry-After`` holds its destination back.
- At most one post per ``pace`` seconds per destination (Slack allows about one
  chat.postMessage per second per channel): a head is not claimable until ``pace`` seconds
  after the destination's last send.
- Each claim covers one message; its sender keeps it alive (a heartbeat) while posting and
  records the result in its own short transaction as soon as the post returns. A crash can
  therefore leave at most the one message each sender has in flight unrecorded.
- Such a row is *in doubt* (it may have gone out): its claim names its sender, and the next
  sender to claim it asks the transport whether it is already out before posting it again
  (bot.outbox_doubt). A claim lapses 10 s after its last heartbeat, or at once for a sender on
  the same host that sees the claimer's process is gone.

Claims are conditional UPDATEs (atomic on SQLite and PostgreSQL), so any number of workers and
replicas can drain one table. A claim's ``claimed_until`` value doubles as its token: each
claim writes a value of its own (random microseconds), and the heartbeat extends only rows
still carrying it.

The package: ``enqueue`` (queueing, addresses), ``kinds`` (what the core's kinds declare,
handed to a transport), ``delivery`` (the transport's contract), ``pacing`` (which rows may go
next), ``claims`` (claims and their heartbeat), ``sending`` (send and record; ``drain``),
``worker`` (the thread), ``status``
(operators' views).
"""

from bot.outbox.claims import CLAIM_SECONDS
from bot.outbox.delivery import (
    NotReady,
    PermanentDeliveryError,
    RateLimited,
    Sent,
    ServedElsewhere,
    Skip,
    Transport,
)
from bot.outbox.enqueue import LEADS_ROLE, ROLES, TRIAGE_ROLE, NewMessage, enqueue, enqueue_new
from bot.outbox.kinds import AfterSent, checked_data
from bot.outbox.pacing import HEADS_PER_CLAIM, PACE_SECONDS, RETRY_BASE_SECONDS, backoff
from bot.outbox.sending import RECORD_RETRY_SECONDS, drain
from bot.outbox.status import DeadMessage, counts, dead_messages, revive_dead
from bot.outbox.worker import SENDERS, OutboxWorker, next_due

__all__ = [
    "CLAIM_SECONDS",
    "HEADS_PER_CLAIM",
    "LEADS_ROLE",
    "PACE_SECONDS",
    "RECORD_RETRY_SECONDS",
    "RETRY_BASE_SECONDS",
    "ROLES",
    "SENDERS",
    "TRIAGE_ROLE",
    "AfterSent",
    "DeadMessage",
    "NewMessage",
    "NotReady",
    "OutboxWorker",
    "PermanentDeliveryError",
    "RateLimited",
    "Sent",
    "ServedElsewhere",
    "Skip",
    "Transport",
    "backoff",
    "checked_data",
    "counts",
    "dead_messages",
    "drain",
    "enqueue",
    "enqueue_new",
    "next_due",
    "revive_dead",
]
