"""Who may do what to a case: the one place every front end asks.

Roles come from configuration (and optionally a Slack user group, fetched by the adapter);
"reporter" is not a configured role but derived per case: the person who raised it.
Leads can do everything investigators can, plus reassign, reopen and reveal.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import structlog

from bot.complaints import states
from bot.errors import NotPermitted
from models import Complaint

log = structlog.get_logger("msbot.permissions")

REPORTER = "reporter"
INVESTIGATOR = "investigator"
LEAD = "lead"
COORDINATOR = "coordinator"
MANAGER = "manager"
HOST = "host"
SYSTEM = "system"  # the scheduler and automatic moves (follow-up due, supplier answered)

# Actions that are not status moves, and the role each needs. Status moves take their role
# from states.TRANSITIONS, so the state machine table says it once.
ACTION_ROLES: dict[str, str] = {
    "assign_self": INVESTIGATOR,
    "assign": INVESTIGATOR,
    "reassign": LEAD,
    "note": INVESTIGATOR,
    "tell_supplier": INVESTIGATOR,
    "link": INVESTIGATOR,
    "unlink": INVESTIGATOR,
    "timeline": INVESTIGATOR,
    "reveal": LEAD,
    "spotcheck": INVESTIGATOR,
    "view_case": REPORTER,  # the reporter's own case; staff see every case
}
# Moves the system makes on its own (no person pressed anything).
SYSTEM_ACTIONS = frozenset({"follow_up", "supplier_replied"})

REFUSALS: dict[str, str] = {
    INVESTIGATOR: "Only investigators and leads can {what}.",
    LEAD: "Only leads can {what}.",
    REPORTER: "Only the person who raised this case can {what}.",
}


@dataclass(frozen=True)
class Actor:
    user_id: str
    roles: frozenset[str] = frozenset()

    @property
    def is_staff(self) -> bool:
        return bool(self.roles & {INVESTIGATOR, LEAD})


SYSTEM_ACTOR = Actor("system", frozenset({SYSTEM}))


def role_needed(action: str) -> str | None:
    if move := states.TRANSITIONS.get(action):
        return move.role
    return ACTION_ROLES.get(action)


def may(actor: Actor, action: str, case: Complaint | None = None) -> bool:
    role = role_needed(action)
    if role is None:
        return False
    if SYSTEM in actor.roles:
        return action in SYSTEM_ACTIONS
    if role == REPORTER:
        own = (
            case is not None
            and bool(case.reporter_user_id)
            and (case.reporter_user_id == actor.user_id)
        )
        return own or (action == "view_case" and actor.is_staff)
    if role == INVESTIGATOR:
        return actor.is_staff
    return role in actor.roles


def require(actor: Actor, action: str, case: Complaint | None = None) -> None:
    if not may(actor, action, case):
        role = role_needed(action)
        what = states.ACTION_LABELS.get(action, action.replace("_", " "))
        raise NotPermitted(
            REFUSALS.get(role or "", "You can't {what}.").format(what=what)
            if role
            else f"'{action}' is not something anyone can do to a case."
        )


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
