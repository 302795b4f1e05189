"""Who is acting: the Actor every core operation receives, and the roles it may hold.

Roles come from configuration (and optionally a platform user group, fetched by the adapter);
"reporter", "host" and "manager" are not configured roles but derived per record (the person
who raised the case, offered the places, or was named as line manager). What each role may do
is each feature's policy: bot/complaints/policy.py and bot/shadowing/policy.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import structlog

log = structlog.get_logger("msbot.permissions")

REPORTER = "reporter"
INVESTIGATOR = "investigator"
LEAD = "lead"
COORDINATOR = "coordinator"
MANAGER = "manager"
HOST = "host"
SYSTEM = "system"  # the scheduler and automatic moves (follow-up due, supplier answered)


@dataclass(frozen=True)
class Actor:
    user_id: str
    roles: frozenset[str] = frozenset()

    @property
    def is_staff(self) -> bool:
        return bool(self.roles & {INVESTIGATOR, LEAD})


SYSTEM_ACTOR = Actor("system", frozenset({SYSTEM}))


class RoleDirectory:
    """Maps a user id to an Actor from configured ids plus an optional group's members.

    ``group_members`` (supplied by the adapter, e.g. Slack usergroups.users.list) is called at
    most once per ``cache_seconds``; if it fails, the configured ids alone count and it is
    retried after ``retry_seconds`` rather than on every request.
    """

    def __init__(
        self,
        settings: Any,
        group_members: Callable[[], frozenset[str]] | None = None,
        *,
        cache_seconds: float = 300.0,
        retry_seconds: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.investigators = frozenset(getattr(settings, "investigator_user_ids", ()) or ())
        self.leads = frozenset(getattr(settings, "lead_user_ids", ()) or ())
        self.coordinators = frozenset(getattr(settings, "coordinator_user_ids", ()) or ())
        self._group_members = group_members
        self._cache_seconds, self._retry_seconds, self._clock = (
            cache_seconds,
            retry_seconds,
            clock,
        )
        self._members: frozenset[str] = frozenset()
        self._fresh_until = float("-inf")

    def group(self) -> frozenset[str]:
        if self._group_members is None:
            return frozenset()
        now = self._clock()
        if now < self._fresh_until:
            return self._members
        try:
            self._members = frozenset(self._group_members())
            self._fresh_until = now + self._cache_seconds
        except Exception as exc:
            log.warning("permissions.group_unavailable", error=str(exc)[:200])
            self._members = frozenset()
            self._fresh_until = now + self._retry_seconds
        return self._members

    def staff(self) -> frozenset[str]:
        """Everyone who may take a case: the investigators (configured and the group's) and
        the leads. What a front end offers when a case is to be given to someone."""
        return self.investigators | self.leads | self.group()

    def actor(self, user_id: str) -> Actor:
        roles = set()
        if user_id in self.leads:
            roles.add(LEAD)
        if user_id in self.investigators or user_id in self.group():
            roles.add(INVESTIGATOR)
        if user_id in self.coordinators:
            roles.add(COORDINATOR)
        return Actor(user_id, frozenset(roles))
