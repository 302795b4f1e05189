"""The one place that answers "may this person do this to this case?", for every front end.

Roles come from configuration (and a user group the front end reads); "reporter" is derived
per case. Listeners never check roles themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.errors import NotPermitted

TEAM_ACTIONS = frozenset(
    {
        "triage",
        "start",
        "contact_authority",
        "authority_replied",
        "ask_supplier",
        "supplier_replied",
        "resolve",
        "follow_up",
        "close",
        "out_of_scope",
        "refer",
        "assign_self",
        "assign",
        "note",
        "tell_supplier",
        "link",
        "timeline",
        "spotcheck",
        "view_case",
    }
)
LEAD_ACTIONS = frozenset({"reopen", "reassign", "reveal"})
REPORTER_ACTIONS = frozenset({"withdraw", "view_case"})

REFUSALS = {
    "reveal": "Only a lead can see who raised an anonymous complaint.",
    "reopen": "Only a lead can reopen a case.",
    "reassign": "Only a lead can take a case from the investigator who has it.",
    "withdraw": "Only the person who raised a complaint can withdraw it.",
}


@dataclass(frozen=True)
class Actor:
    user_id: str
    roles: frozenset[str]


class RoleDirectory:
    """Who is who: configured ids, plus members of a group the front end looks up."""

    def __init__(self, settings, group_members: Callable[[], frozenset[str]] | None = None):
        self.investigators = frozenset(getattr(settings, "investigator_user_ids", ()) or ())
        self.leads = frozenset(getattr(settings, "lead_user_ids", ()) or ())
        self.coordinators = frozenset(getattr(settings, "coordinator_user_ids", ()) or ())
        self.group_members = group_members

    def actor(self, user_id: str) -> Actor:
        roles = set()
        if user_id in self.leads:
            roles |= {"lead", "investigator"}
        if user_id in self.investigators:
            roles.add("investigator")
        grouped = self.group_members is not None and "investigator" not in roles
        if grouped and user_id in self.group_members():
            roles.add("investigator")
        if user_id in self.coordinators:
            roles.add("coordinator")
        return Actor(user_id, frozenset(roles))


def roles_for(actor: Actor, case) -> frozenset[str]:
    roles = set(actor.roles)
    if case is not None and getattr(case, "reporter_user_id", None) == actor.user_id:
        roles.add("reporter")
    return frozenset(roles)


def may(actor: Actor, action: str, case) -> bool:
    roles = roles_for(actor, case)
    if action in LEAD_ACTIONS:
        return "lead" in roles
    if action == "withdraw":
        return "reporter" in roles
    if action in TEAM_ACTIONS and "investigator" in roles:
        return True
    return action in REPORTER_ACTIONS and "reporter" in roles


def require(actor: Actor, action: str, case) -> None:
    if not may(actor, action, case):
        raise NotPermitted(
            REFUSALS.get(action, "Only the investigation team can do that. Nothing was changed.")
        )
