"""Who is on the investigation team: configured ids plus the Slack user group's members.

The user group (INVESTIGATOR_GROUP_ID) is read with usergroups.users.list, cached for a few
minutes, with a short timeout and no retries: a slow or failing Slack must not hold up a
request. On failure the last good answer is used, and without one only the configured ids count.
"""

from __future__ import annotations

import threading
import time

import structlog
from slack_sdk import WebClient

from bot.permissions import Actor, RoleDirectory
from handlers.services import Services

log = structlog.get_logger("msbot.team")

CACHE_SECONDS = 300.0
# After a failure, ask again no sooner than this: every request would otherwise wait on it.
RETRY_AFTER_FAILURE_SECONDS = 30.0
TIMEOUT_SECONDS = 2


class GroupMembers:
    """A callable returning the members of one user group, cached."""

    def __init__(self, client: WebClient, group_id: str | None, *, clock=time.monotonic):
        self.group_id = group_id
        self.clock = clock
        # Its own client: a short timeout and none of the app client's retries.
        self.client = WebClient(
            token=client.token, base_url=client.base_url, timeout=TIMEOUT_SECONDS
        )
        self._lock = threading.Lock()
        self._members: frozenset[str] = frozenset()
        self._next_refresh = 0.0

    def __call__(self) -> frozenset[str]:
        if not self.group_id:
            return frozenset()
        with self._lock:
            if self.clock() < self._next_refresh:
                return self._members
            try:
                resp = self.client.usergroups_users_list(usergroup=self.group_id)
                self._members = frozenset(u for u in resp.get("users") or () if isinstance(u, str))
                self._next_refresh = self.clock() + CACHE_SECONDS
            except Exception as exc:  # any failure: fall back, never fail the request
                log.warning("team.group_unavailable", error=str(exc)[:200])
                self._next_refresh = self.clock() + RETRY_AFTER_FAILURE_SECONDS
            return self._members


def directory(services: Services) -> RoleDirectory:
    """The process's RoleDirectory, built on first use and kept on the services object."""
    found = getattr(services, "_role_directory", None)
    if found is None:
        members = GroupMembers(services.client, services.settings.investigator_group_id)
        found = RoleDirectory(services.settings, group_members=members)
        services._role_directory = found
    return found


def actor(services: Services, user_id: str) -> Actor:
    return directory(services).actor(user_id)
