"""Who may do what in work-shadowing: the one place the core asks, for every front end.

Coordinators are a configured role (the Actor carries it). Everyone else acts through a
relation to a record: the applicant and the host are the two sides of an offer or placement,
the host's person manages its places, and the line manager named on a sign-up decides on it.
The system (the scheduler, the operator's command line) runs rounds on the coordinators'
behalf. Conflict reasons and the coordinators' report are for coordinators only.
"""

from __future__ import annotations

from bot.errors import NotPermitted
from bot.permissions import COORDINATOR, SYSTEM, Actor

# Codes of the refusals, for front ends that word them themselves.
COORDINATORS_ONLY = "coordinators_only"
NOT_YOUR_PLACES = "not_your_places"
NOT_YOUR_PLACEMENT = "not_your_placement"
NOT_THE_MANAGER = "not_the_manager"

# What the coordinators alone may do, as the refusal names it.
COORDINATOR_ACTIONS: dict[str, str] = {
    "run_rounds": "run matching rounds",
    "record_conflict": "record conflicts of interest",
    "clear_conflict": "clear conflicts of interest",
    "see_conflicts": "see conflicts of interest",
    "see_report": "see the report",
}
# Of those, what the system may do on its own.
SYSTEM_ACTIONS = frozenset({"run_rounds"})

NOT_YOURS = "This offer isn't addressed to you."
NOT_YOUR_PLACEMENT_TEXT = "This placement isn't one of yours."


def is_coordinator(actor: Actor) -> bool:
    return COORDINATOR in actor.roles


def may(actor: Actor, action: str) -> bool:
    """Whether ``actor`` may take one of the coordinators' actions."""
    if action not in COORDINATOR_ACTIONS:
        return False
    if SYSTEM in actor.roles:
        return action in SYSTEM_ACTIONS
    return is_coordinator(actor)


def require(actor: Actor, action: str) -> None:
    if not may(actor, action):
        what = COORDINATOR_ACTIONS.get(action, action.replace("_", " "))
        raise NotPermitted(f"Only work-shadowing coordinators can {what}.", code=COORDINATORS_ONLY)


def recorded_as(actor: Actor) -> str | None:
    """Who the audit trail and a round name for ``actor``: nobody for the system."""
    return None if SYSTEM in actor.roles else actor.user_id


def require_host_or_coordinator(actor: Actor, host_user_id: str) -> None:
    """The person who offered the places, or a coordinator, may change them."""
    if actor.user_id != host_user_id and not is_coordinator(actor):
        raise NotPermitted(
            "Only the person who offered these places, or a coordinator, can change them.",
            code=NOT_YOUR_PLACES,
        )


def sides_of(
    actor: Actor, applicant_user_id: str, host_user_id: str, message: str = NOT_YOUR_PLACEMENT_TEXT
) -> list[str]:
    """The sides of an offer or placement ``actor`` is on (someone may, oddly, be both):
    "applicant", "host"; NotPermitted with ``message`` if neither."""
    sides = [
        side
        for side, owner in (("applicant", applicant_user_id), ("host", host_user_id))
        if owner == actor.user_id
    ]
    if not sides:
        raise NotPermitted(message, code=NOT_YOUR_PLACEMENT)
    return sides


def require_manager(actor: Actor, manager_user_id: str | None) -> None:
    """Only the line manager named on a sign-up decides on it."""
    if not manager_user_id or actor.user_id != manager_user_id:
        raise NotPermitted(
            "Only the line manager named on this sign-up can decide on it.", code=NOT_THE_MANAGER
        )
