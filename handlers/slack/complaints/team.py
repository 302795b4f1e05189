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
from slack_sdk.errors import SlackApiError

from bot import people, people_cache
from bot.config import is_slack_user_id, person_name_key
from bot.db import transaction
from bot.errors import NotFound, StoreUnavailable
from bot.people import PersonRef
from bot.permissions import RoleDirectory
from handlers.slack.people import person_of
from handlers.slack.services import Services

log = structlog.get_logger("msbot.team")

CACHE_SECONDS = 300.0
# After a failure, ask again no sooner than this: every request would otherwise wait on it.
RETRY_AFTER_FAILURE_SECONDS = 30.0
TIMEOUT_SECONDS = 2
# Who may be assigned: the people the settings name are looked up again after this long.
ASSIGNABLE_SECONDS = 30.0
# Names change rarely: ask Slack again after an hour.
NAME_SECONDS = 3600.0


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


def make_directory(client: WebClient, settings) -> RoleDirectory:
    return RoleDirectory(
        settings, group_members=GroupMembers(client, settings.investigator_group_id)
    )


def directory(services: Services) -> RoleDirectory:
    """The process's RoleDirectory (built with the services, see handlers.slack.app), or one built
    on first use and kept on the services object."""
    found = getattr(services, "_role_directory", None)
    if found is None:
        found = make_directory(services.client, services.settings)
        services._role_directory = found
    return found


class DisplayNames:
    """A person's name as Slack shows it (users.info), cached; the id while it is unknown.

    Like the group look-up: its own client with a short timeout and no retries, and a failure
    is remembered for a while, so drawing a card never waits long on Slack.
    """

    def __init__(self, client: WebClient, *, clock=time.monotonic):
        self.client = WebClient(
            token=client.token, base_url=client.base_url, timeout=TIMEOUT_SECONDS
        )
        self.clock = clock
        self._lock = threading.Lock()
        self._known: dict[str, tuple[str, float]] = {}  # user id -> (name, good until)
        # After a failure nobody is looked up for a while: a card listing twenty people must
        # not wait twenty timeouts on a Slack that is down.
        self._down_until = 0.0

    def __call__(self, user_id: str) -> str:
        with self._lock:
            name, until = self._known.get(user_id, ("", 0.0))
            if self.clock() < until:
                return name
            if self.clock() < self._down_until:
                return user_id
        try:
            user = self.client.users_info(user=user_id).get("user") or {}
            profile = user.get("profile") or {}
            name = profile.get("display_name") or user.get("real_name") or user.get("name")
            name, keep = (str(name), NAME_SECONDS) if name else (user_id, NAME_SECONDS)
        except SlackApiError as exc:  # Slack answered (user_not_found...): keep the answer
            log.info("team.name_unavailable", error=exc.response.get("error"))
            name, keep = user_id, NAME_SECONDS
        except Exception as exc:  # no answer: show ids, and ask nobody for a while
            log.info("team.name_unavailable", error=str(exc)[:200])
            name, keep = user_id, RETRY_AFTER_FAILURE_SECONDS
            with self._lock:
                self._down_until = self.clock() + RETRY_AFTER_FAILURE_SECONDS
        with self._lock:
            self._known[user_id] = (name, self.clock() + keep)
        return name


class Assignable:
    """Who the triage card's "Assign to…" offers: every person who may take a case (the core's
    RoleDirectory.staff, named by Slack id, Teams id or email) with a Slack account, once
    each, by name. The core still refuses anyone else, for a forged pick.

    The people are looked up in the database at most once per ``ASSIGNABLE_SECONDS`` (a burst of
    cards draws the same menu); while it cannot answer, the last list is offered, or the
    staff named by a Slack id.
    """

    def __init__(
        self, roles: RoleDirectory, names: DisplayNames, engine=None, *, clock=time.monotonic
    ):
        self.roles, self.names, self.engine, self.clock = roles, names, engine, clock
        self._lock = threading.Lock()
        self._accounts: dict[str, str | None] = {}  # Slack id -> the person's name, if any
        self._next_refresh = 0.0

    def _staff_accounts(self, session) -> dict[str, str | None]:
        """Slack id -> the person's own name: the Slack accounts of everyone the role
        settings name, and the settings' Slack ids of people not seen yet."""
        named = {person_name_key(n) for n in self.roles.investigators | self.roles.leads}
        found: dict[str, str | None] = {u: None for u in named if is_slack_user_id(u)}
        refs = {}
        if session is not None:
            refs = people.refs(session, people.named(session, named))
        elif self.engine is not None:
            with transaction(self.engine) as s:
                refs = people.refs(s, people.named(s, named))
        for ref in refs.values():
            if (account := ref.account(people.SLACK)) is None:
                continue  # Slack can offer only a Slack account
            # One entry per person: their own Slack account, not each of their ids named.
            for _, other in ref.accounts:
                found.pop(other, None)
            found[account] = ref.name
        return found

    def _accounts_now(self, session) -> dict[str, str | None]:
        with self._lock:
            if self.clock() < self._next_refresh:
                return self._accounts
            try:
                self._accounts = self._staff_accounts(session)
                self._next_refresh = self.clock() + ASSIGNABLE_SECONDS
            except StoreUnavailable:  # keep the last list (or none); ask again soon
                log.warning("team.assignable_unavailable")
                self._next_refresh = self.clock() + RETRY_AFTER_FAILURE_SECONDS
                if not self._accounts:
                    named = self.roles.investigators | self.roles.leads
                    return {u: None for u in named if is_slack_user_id(u)}
            return self._accounts

    def __call__(self, session=None) -> list[tuple[str, str]]:
        """The menu's (Slack id, name) pairs; ``session``: the drawing transaction's, to read
        the people in (else one of its own is opened)."""
        accounts = dict(self._accounts_now(session))
        for member in self.roles.group():  # the Slack group's members are Slack accounts
            accounts.setdefault(member, None)
        offered = []
        for user_id, own_name in accounts.items():
            name = self.names(user_id)
            offered.append((user_id, own_name if name == user_id and own_name else name))
        return sorted(offered, key=lambda p: (p[1].casefold(), p[0]))


def sender(services: Services, body: dict) -> int:
    """The person who sent this request (a slash command, an interaction or an event)."""
    found = person_of(services.engine, body)
    if found is None:
        raise NotFound("Who sent this was not said.")
    return found.id


def person(services: Services, user_id: str, team_id: str | None = None) -> PersonRef:
    """The person this Slack account is (made on first sight; remembered per process)."""
    return people_cache.person(services.engine, people.SLACK, team_id, user_id)
