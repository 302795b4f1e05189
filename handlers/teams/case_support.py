"""What the Teams case modules (case_actions.py, case_thread.py) share: who is on the team
and may be given a case, a person picked on a card as an Actor, the words of a refusal, and
the current card drawn for one person's eyes.

Refusals are worded here from the core's structured errors (bot/errors.py): a code whose
sentence names a person names them by the display name the core keeps, escaped when shown.
"""

from __future__ import annotations

from collections.abc import Mapping

import structlog
from sqlmodel import Session

from bot import people
from bot.complaints import views
from bot.complaints.cases import by_reference
from bot.complaints.investigation import ALREADY_ASSIGNED, NOT_ON_TEAM
from bot.db import transaction
from bot.errors import DomainError, StoreUnavailable, ValidationFailed
from bot.permissions import INVESTIGATOR, LEAD, Actor, RoleDirectory
from handlers.teams import case_card, case_forms
from handlers.teams.card_text import plain_text

log = structlog.get_logger("msbot.teams.cases")

UNAVAILABLE = (
    "Sorry, our database is unavailable right now, so nothing was changed. "
    "Please try again in a few minutes."
)
FAILED = "Sorry, something went wrong on our side and nothing was changed. Please try again."
NAMING = {
    ALREADY_ASSIGNED: "{person} already has this case; nothing was changed.",
    NOT_ON_TEAM: "{person} is not an investigator or lead, so they can't take this case.",
}
STAFF_MAX = case_card.CHOICES_MAX
NAME_MAX = 60


def staff(session: Session, directory: RoleDirectory) -> list[tuple[str, str]]:
    """(person id, name) of everyone who may take a case, by name: what "Assign to…" offers.
    Only people msbot has met (a configured id nobody has used yet has no person)."""
    ids = directory.holders(session, INVESTIGATOR) | directory.holders(session, LEAD)
    found = people.refs(session, ids)
    # Names shortened: a hundred long names must not crowd the card past Teams' size limit.
    named = sorted(
        (plain_text(ref.name or f"Person {pid}", NAME_MAX), str(pid)) for pid, ref in found.items()
    )
    return [(pid, name) for name, pid in named[:STAFF_MAX]]


def person_actor(engine, directory: RoleDirectory, person_id: object) -> Actor | None:
    """The person picked on a card (their person id, as the choice carried it), as an Actor
    so the core can check they are on the team; None when it names nobody."""
    if not isinstance(person_id, str) or not person_id.isdigit() or len(person_id) > 18:
        return None
    with transaction(engine) as s:
        ref = people.ref(s, int(person_id))
    return directory.actor_for(ref) if ref is not None else None


def explain(exc: Exception, engine=None) -> str:
    """Plain words for a refusal or a fault (escaped where it is shown)."""
    if isinstance(exc, StoreUnavailable):
        return UNAVAILABLE
    if isinstance(exc, case_forms.FormErrors):
        return case_forms.refused_fields(exc.errors)
    wording = NAMING.get(getattr(exc, "code", ""))
    named = getattr(exc, "people", ())
    if wording and named:
        return wording.format(person=_name(engine, named[0]))
    if isinstance(exc, ValidationFailed):
        return case_forms.refused_fields(exc.errors)
    if isinstance(exc, DomainError):
        return str(exc)
    log.error("teams.case_unexpected", error=repr(exc))
    return FAILED


def _name(engine, person) -> str:
    if engine is None or not isinstance(person, int) or isinstance(person, bool):
        return "Someone"
    try:
        with transaction(engine) as s:
            ref = people.ref(s, person)
    except StoreUnavailable:
        return "Someone"
    return (ref.name if ref is not None else None) or "Someone"


def current_card(
    engine,
    directory: RoleDirectory,
    reference: str,
    *,
    view: views.CaseView | None = None,
    notice: str | None = None,
    values: Mapping[str, str] | None = None,
    today=None,
) -> dict:
    """The case's card as it is now (or as ``view`` shows it), for the person who pressed;
    NotFound if there is no such case, StoreUnavailable when the database is down."""
    with transaction(engine) as s:
        if view is None:
            view = views.case_view(s, by_reference(s, reference).id, today=today)
        offered = staff(s, directory)
    return case_card.card(view, offered, notice=notice, values=values)
