"""The fixed lists and state machines of work-shadowing, defined once for every front end.

Each list entry is (stored value, label shown to people). Values are stable; labels may change.
The allowed status changes of each entity are one table each, checked by
:func:`check_transition`, so the moves are readable at a glance and enforced in one place.
"""

from __future__ import annotations

from bot.errors import InvalidTransition
from bot.shadowing.scoring import MODE_EITHER, MODE_IN_PERSON, MODE_REMOTE

Options = tuple[tuple[str, str], ...]

REGIONS: Options = (
    ("north_east", "North East"),
    ("north_west", "North West"),
    ("yorkshire", "Yorkshire and the Humber"),
    ("east_midlands", "East Midlands"),
    ("west_midlands", "West Midlands"),
    ("east", "East of England"),
    ("london", "London"),
    ("south_east", "South East"),
    ("south_west", "South West"),
    ("wales", "Wales"),
    ("scotland", "Scotland"),
    ("northern_ireland", "Northern Ireland"),
)

# The values are the matching engine's, so a stored mode can be scored as it is.
MODES: Options = (
    (MODE_IN_PERSON, "In person"),
    (MODE_REMOTE, "Remote"),
    (MODE_EITHER, "Either"),
)

INTEREST_AREAS: Options = (
    ("health", "Health"),
    ("social_care", "Social care"),
    ("employment", "Employment and skills"),
    ("childrens_services", "Children's services"),
    ("criminal_justice", "Criminal justice"),
    ("housing", "Housing"),
    ("education", "Education"),
    ("environment", "Environment"),
    ("digital", "Digital inclusion"),
    ("homelessness", "Homelessness"),
    ("mental_health", "Mental health"),
    ("community", "Community and volunteering"),
)

GRADES: Options = (
    ("AA", "Administrative Assistant (AA)"),
    ("AO", "Administrative Officer (AO)"),
    ("EO", "Executive Officer (EO)"),
    ("HEO", "Higher Executive Officer (HEO)"),
    ("SEO", "Senior Executive Officer (SEO)"),
    ("G7", "Grade 7"),
    ("G6", "Grade 6"),
    ("SCS", "Senior Civil Service (SCS)"),
)

LENGTHS: Options = (
    ("day", "A day"),
    ("week", "A week"),
    ("month", "A month"),
    ("three_months", "Three months"),
    ("six_months", "Six months"),
)

# Calendar days a placement of each length needs; the availability window must be this long.
LENGTH_DAYS: dict[str, int] = {
    "day": 1,
    "week": 7,
    "month": 30,
    "three_months": 91,
    "six_months": 182,
}

MAX_CAPACITY = 20  # places one host offers; more is a typing slip, not a real offer
MAX_TEXT = 1500  # longest free text (learning goals, activities, reasons)
MAX_NAME = 200  # organisation, role and department names (the columns' length)
HORIZON_YEARS = 2  # how far ahead availability may be given

# An applicant in one of these holds their one active sign-up (active_person_id is set).
ACTIVE_STATUSES: tuple[str, ...] = ("pending_approval", "queued", "offered", "placed")

# Placements that hold one of the host's places, and those the host has agreed to.
PLACE_TAKING_STATUSES: tuple[str, ...] = ("offered", "accepted", "scheduled", "completed")
ACCEPTED_STATUSES: tuple[str, ...] = ("accepted", "scheduled", "completed")
# Placements still in progress, which a withdrawal ends.
OPEN_PLACEMENT_STATUSES: tuple[str, ...] = ("offered", "accepted", "scheduled")


# --------------------------------------------------------------------------------------------
# State machines: status -> the statuses it may move to. An empty set is a final status.
# --------------------------------------------------------------------------------------------

APPLICANT_TRANSITIONS: dict[str, frozenset[str]] = {
    "pending_approval": frozenset({"queued", "declined", "withdrawn"}),
    "queued": frozenset({"offered", "withdrawn"}),
    # An offer that is declined, lapses or is withdrawn by the host sends the applicant back
    # to the queue, keeping their original place in it.
    "offered": frozenset({"queued", "placed", "withdrawn"}),
    "placed": frozenset({"queued", "completed", "withdrawn"}),
    "declined": frozenset(),
    "completed": frozenset(),
    "withdrawn": frozenset(),
}

PLACEMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    "offered": frozenset({"accepted", "declined", "expired", "withdrawn"}),
    "accepted": frozenset({"scheduled", "withdrawn"}),
    "scheduled": frozenset({"completed", "withdrawn"}),
    "completed": frozenset(),
    "declined": frozenset(),
    "expired": frozenset(),
    "withdrawn": frozenset(),
}

# "committing" is claimed by a conditional UPDATE inside the committing transaction, so two
# clicks on "commit" cannot both write offers.
ROUND_TRANSITIONS: dict[str, frozenset[str]] = {
    "dry_run": frozenset({"committing"}),
    "committing": frozenset({"committed"}),
    "committed": frozenset(),
}

# A closed host gets no new offers; its offers and placements carry on. It may reopen.
HOST_TRANSITIONS: dict[str, frozenset[str]] = {
    "open": frozenset({"closed"}),
    "closed": frozenset({"open"}),
}

CONFLICT_TRANSITIONS: dict[str, frozenset[str]] = {
    "active": frozenset({"cleared"}),
    "cleared": frozenset(),
}

TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    "sign-up": APPLICANT_TRANSITIONS,
    "placement": PLACEMENT_TRANSITIONS,
    "round": ROUND_TRANSITIONS,
    "conflict": CONFLICT_TRANSITIONS,
    "host": HOST_TRANSITIONS,
}

STATUS_LABELS: dict[str, str] = {
    "pending_approval": "waiting for your line manager's approval",
    "queued": "in the queue for the next matching round",
    "offered": "offered",
    "placed": "placed with a host",
    "declined": "declined",
    "completed": "completed",
    "withdrawn": "withdrawn",
    # A placement both sides accepted is "confirmed" wherever a person reads it.
    "accepted": "confirmed",
    "scheduled": "confirmed, dates set",
    "expired": "expired",
    "dry_run": "a dry run",
    "committing": "being committed",
    "committed": "committed",
    "active": "active",
    "cleared": "cleared",
    "open": "open",
    "closed": "closed",
}


def status_label(status: str) -> str:
    """What a status is called wherever a person reads it (status answers, App Home, notices,
    refusals): one word for one meaning, said here once."""
    return STATUS_LABELS.get(status, status)


SIDE_NAMES = {"applicant": "the civil servant", "host": "the host"}


def placement_state(
    status: str, applicant_response: str | None, host_response: str | None, side: str
) -> str:
    """A placement's state as the person on ``side`` ("applicant" or "host") reads it; an
    open offer says whose answer it waits for."""
    if status != "offered":
        return status_label(status)
    other = "host" if side == "applicant" else "applicant"
    responses = {"applicant": applicant_response, "host": host_response}
    mine, theirs = responses[side], responses[other]
    if mine is None and theirs is None:
        return "offered, waiting for both sides to reply"
    if mine is None:
        return f"offered: {SIDE_NAMES[other]} accepted, waiting for your reply"
    return f"offered: you accepted, waiting for {SIDE_NAMES[other]} to reply"


def check_transition(entity: str, current: str, target: str, message: str | None = None) -> None:
    """Raise InvalidTransition unless ``entity`` ("sign-up", "placement", "round",
    "conflict", "host") may move from ``current`` to ``target``; ``message`` replaces the
    default."""
    if target not in TRANSITIONS[entity].get(current, frozenset()):
        raise InvalidTransition(
            message
            or f"This {entity} is {status_label(current)}, so it can't be {status_label(target)}."
        )


def label(options: Options, value: str | None) -> str:
    return dict(options).get(value or "", value or "")


def values(options: Options) -> frozenset[str]:
    return frozenset(v for v, _ in options)
