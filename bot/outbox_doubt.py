"""Rows "in doubt": claimed by a sender that may have posted them and then died (or timed out)
before recording it. Before posting such a row again, the outbox asks its transport whether it
already went out (see README "Outbox", "Crash window").

Who claimed a row is recorded as ``claimer()`` = ``<host key>/<pid>/<boot id>``. The host key
names the hostname, the kernel's boot and the PID namespace, so a pid means the same process
only to a sender with the same host key. A sender can then see that a claim belongs to a dead
process of its own host (a restart after kill -9) and take the row at once; a claim from any
other host (another replica, a restarted container, a rebooted machine) is trusted until it
lapses, which keeps claims safe across replicas.
"""

from __future__ import annotations

import hashlib
import os
import socket
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlmodel import Session

from models import OutboxMessage

if TYPE_CHECKING:
    from bot.outbox.delivery import Sent

# A row in doubt is looked up from this long before its first claim (clocks differ a little).
LOOKUP_MARGIN_SECONDS = 60
# Look-ups that fail in a way a retry may fix, before the row is posted unverified.
LOOKUP_ATTEMPTS = 3


def _read(path: str) -> str:
    try:
        return Path(path).read_text().strip()
    except OSError:
        return ""


def _pid_namespace() -> str:
    try:
        return os.readlink("/proc/self/ns/pid")
    except OSError:
        return ""


def host_key() -> str:
    """This host's name plus a digest of its kernel boot and PID namespace: equal only for
    processes whose pids can be compared (so never across machines or containers)."""
    salt = _read("/proc/sys/kernel/random/boot_id") + "|" + _pid_namespace()
    digest = hashlib.sha256(salt.encode()).hexdigest()[:10]
    return f"{socket.gethostname()[:80]}~{digest}"


HOST_KEY = host_key()
# A new value per process start: a restarted process that got its old pid back is not its
# predecessor.
BOOT_ID = uuid.uuid4().hex[:10]


def claimer() -> str:
    """This process's claim signature (computed per call: a forked worker has its own pid)."""
    return f"{HOST_KEY}/{os.getpid()}/{BOOT_ID}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    except OSError:
        return True  # cannot tell: trust the claim
    return True


def is_dead_local(claimed_by: str | None) -> bool:
    """Was this claim taken by a process of this host that is no longer running?"""
    parts = (claimed_by or "").rsplit("/", 2)
    if len(parts) != 3 or parts[0] != HOST_KEY:
        return False
    _, pid_text, boot = parts
    try:
        pid = int(pid_text)
    except ValueError:
        return False
    if pid == os.getpid():
        return boot != BOOT_ID
    return not _pid_alive(pid)


def dead_local_claimers(session: Session, now: datetime) -> list[str]:
    """Claimers of rows still under claim that were this host's processes and have died."""
    held = select(OutboxMessage.claimed_by).where(
        OutboxMessage.status == "pending",  # indexed: the sent rows are never read
        OutboxMessage.claimed_until >= now,
        OutboxMessage.claimed_by.like(f"{HOST_KEY}/%"),
    )
    return [c for c in set(session.execute(held.distinct()).scalars()) if is_dead_local(c)]


class LookupFailed(Exception):
    """The transport could not tell whether a row in doubt went out.

    ``transient``: a retry may succeed (rate-limited, Slack unreachable), so the row waits
    (``retry_after`` seconds if given) and is looked up again, a few times. Otherwise (a
    missing scope, a channel the bot cannot read, more history than a look-up reads) asking
    again cannot help, and the row is posted: a possible duplicate beats a message never sent.
    """

    def __init__(self, detail: str, *, transient: bool, retry_after: float | None = None):
        super().__init__(detail)
        self.transient = transient
        self.retry_after = retry_after


class LookUpLater(Exception):
    """A row in doubt could not be looked up yet: it waits (``retry_after`` seconds, or
    back-off) and is looked up again."""

    def __init__(self, detail: str, retry_after: float | None):
        super().__init__(detail)
        self.retry_after = retry_after


def look_up(transport: Any, msg: OutboxMessage, content: Any, now: datetime, log) -> Sent | None:
    """Did this row in doubt already go out? Its Sent if so; None to post it. Raises
    LookUpLater when it should be asked again later."""
    find = getattr(transport, "find_posted", None)
    if find is None:
        log.warning("outbox.resend_unverified", reason="transport cannot look up")
        return None
    first = msg.first_claimed_at or now
    if first.tzinfo is None:  # SQLite hands datetimes back without their zone
        first = first.replace(tzinfo=UTC)
    try:
        found = find(msg, content, first - timedelta(seconds=LOOKUP_MARGIN_SECONDS))
    except LookupFailed as exc:
        if exc.transient and msg.lookup_failures + 1 < LOOKUP_ATTEMPTS:
            log.warning("outbox.lookup_failed", error=str(exc)[:200], will_retry=True)
            raise LookUpLater(str(exc), exc.retry_after) from exc
        # Asking again cannot help (or has not): post it, and say so loudly, since this is
        # the one way a message can now be posted twice.
        log.error("outbox.resend_unverified", error=str(exc)[:200])
        return None
    if found is None:
        log.info("outbox.in_doubt_not_found")
    else:
        log.info("outbox.found_posted", ts=found.message_id)
    return found
