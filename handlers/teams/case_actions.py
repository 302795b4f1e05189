"""The triage card's buttons and forms in Teams (Action.Execute invokes, verbs in
case_card.py).

Each makes one call to the core's case service with the presser as the actor; the core checks
the policy (bot/complaints/policy.py), changes the case and queues the card refresh (an
updateActivity for everyone) and the thread line in the same transaction. The invoke's answer
is the card as it is now, for the presser alone: after a change it already shows it; after a
refusal it carries the reason in red, seen by nobody else, with their answers kept in the form.

Teams may deliver an invoke again (a timeout, a retry): the first delivery of an activity id
claims it (bot.deliveries), and a repeat changes nothing and answers with the current card.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import structlog

from bot import deliveries
from bot.complaints import investigation
from bot.complaints.cases import checked_reference
from bot.complaints.views import CaseView
from bot.errors import DomainError, StoreUnavailable, ValidationFailed
from bot.permissions import Actor
from handlers.teams import case_card, case_forms, case_support
from handlers.teams.cards import submitted
from handlers.teams.keys import DELIVERY_KEY_MAX, bounded_key
from handlers.teams.requests import TeamsRequest
from handlers.teams.routes import InvokeAnswer, Routes

log = structlog.get_logger("msbot.teams.cases")

NOT_A_CASE = "This card is not a case's card any more."


class Press:
    """One press of a card button: who, which case, what the card's inputs held."""

    def __init__(self, req: TeamsRequest, verb: str, values: Mapping[str, str]):
        self.req, self.verb, self.values = req, verb, dict(values)
        self.services = req.services
        self.reference = values.get(case_card.REFERENCE, "")

    @property
    def actor(self) -> Actor:
        return self.req.actor()

    def now(self):
        return self.services.clock()


def _assign_self(press: Press) -> CaseView:
    return investigation.assign(
        press.services.engine,
        press.reference,
        press.actor,
        press.actor,
        press.now(),
        only_if_unassigned=True,
    )


def _assign_to(press: Press) -> CaseView:
    chosen = press.values.get("assignee")
    engine, directory = press.services.engine, press.services.roles
    assignee = case_support.person_actor(engine, directory, chosen)
    if assignee is None:
        raise case_forms.FormErrors({"assignee": "Choose someone on the team."})
    return investigation.assign(
        engine, press.reference, assignee, press.actor, press.now(), only_if_unassigned=False
    )


def _move(press: Press) -> CaseView:
    move = press.values.get("move", "")
    return investigation.perform(
        press.services.engine, press.reference, move, press.actor, press.now()
    )


def _form(press: Press) -> CaseView:
    form = press.values.get("form", "")
    read = case_forms.READERS.get(form)
    if read is None:
        raise case_forms.FormErrors({"form": "That form does not exist."})
    details = read(press.values, press.services.today())
    engine, reference, actor, now = press.services.engine, press.reference, press.actor, press.now()
    if form == "follow_up":
        return investigation.record_follow_up(engine, reference, actor, now, **details)
    return investigation.perform(engine, reference, form, actor, now, **details)


def _relay(press: Press) -> None:
    text = press.values.get("message", "").strip()
    if not text:
        raise case_forms.FormErrors({"message": "Please write the message."})
    investigation.tell_supplier(
        press.services.engine,
        press.reference,
        press.actor,
        text,
        press.now(),
        await_reply=press.values.get("await_reply") == case_forms.YES,
    )


def _refresh(press: Press) -> None:
    return None


DOES: dict[str, Callable[[Press], CaseView | None]] = {
    case_card.ASSIGN_SELF: _assign_self,
    case_card.ASSIGN_TO: _assign_to,
    case_card.MOVE: _move,
    case_card.FORM: _form,
    case_card.RELAY: _relay,
    case_card.REFRESH: _refresh,
}
# Forms whose answers a refused submission keeps on the card.
KEEPS_ANSWERS = frozenset({case_card.FORM, case_card.RELAY, case_card.ASSIGN_TO})


def card_values(value: object) -> dict[str, str]:
    """The button's data and the card's inputs, as strings, whatever shape arrived (the
    invoke's value, or its ``action.data`` as Universal Actions send it)."""
    if isinstance(value, Mapping) and isinstance(value.get("action"), Mapping):
        data = value["action"].get("data")
        value = data if isinstance(data, Mapping) else {}
    _, _, strings = submitted(value)
    return strings


def _first_delivery(press: Press) -> bool:
    activity = press.req.activity_id
    if not activity:
        return True  # nothing to recognise a repeat by: the core's own checks still hold
    key = bounded_key("invoke", activity, limit=DELIVERY_KEY_MAX)
    return deliveries.claim(press.services.engine, key)


def press(req: TeamsRequest, verb: str) -> InvokeAnswer:
    """Run one button press and answer with the card for the presser."""
    pressed = Press(req, verb, card_values(req.value))
    services = pressed.services
    try:
        checked_reference(pressed.reference)
    except DomainError:
        return InvokeAnswer.tell(NOT_A_CASE)
    view, notice, keep = None, None, None
    try:
        if _first_delivery(pressed):
            view = DOES[verb](pressed)
            services.send_queued()
        else:
            log.info("teams.invoke_repeated", verb=verb)
    except (DomainError, StoreUnavailable, case_forms.FormErrors) as exc:
        notice = case_support.explain(exc, services.engine)
        if verb in KEEPS_ANSWERS and isinstance(exc, ValidationFailed | case_forms.FormErrors):
            keep = pressed.values
    try:
        card = case_support.current_card(
            services.engine,
            services.roles,
            pressed.reference,
            view=view,
            notice=notice,
            values=keep,
            today=services.today(),
        )
    except (DomainError, StoreUnavailable) as exc:
        return InvokeAnswer.tell(notice or case_support.explain(exc))
    return InvokeAnswer.updated(card)


def _route(verb: str) -> Callable[[TeamsRequest], InvokeAnswer]:
    def on_press(req: TeamsRequest) -> InvokeAnswer:
        return press(req, verb)

    return on_press


def routes() -> Routes:
    return Routes(actions={verb: _route(verb) for verb in case_card.VERBS})
