"""Listeners for the triage card's controls and the investigation forms.

Each listener finds its actor and its case in Bolt's context (handlers/slack/actors.py put them
there), makes one core call, and wakes the outbox. Buttons are acknowledged at once and the
work runs after the ack. Success changes the case in the core, which queues the card refresh
and notices in the same transaction; a refusal is told to the clicker alone (errors.py words it).
"""

from __future__ import annotations

import structlog
from slack_bolt import Ack, App, BoltContext

from bot.complaints import investigation
from bot.errors import DomainError, StoreUnavailable, ValidationFailed
from bot.permissions import Actor
from handlers.slack import actors
from handlers.slack import view_state as state
from handlers.slack.actors import CASE_REFERENCE
from handlers.slack.complaints import case_card
from handlers.slack.complaints import investigation_forms as forms
from handlers.slack.complaints.replies import tell_privately
from handlers.slack.errors import explain
from handlers.slack.services import Services

log = structlog.get_logger("msbot.complaints")

FAULTS = (DomainError, StoreUnavailable)
# The core's field name -> the form block that shows it.
BLOCK_FOR = {"money_released_pence": "money_released"}


def _channel(body: dict) -> str | None:
    return (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")


def _what(action: dict) -> str:
    """The move or form a card button names after its case: value "REF|what"."""
    return (action.get("value") or "").partition("|")[2]


def _clicker(body: dict) -> str:
    """The Slack user who clicked or submitted (the actor's account on this platform)."""
    return (body.get("user") or {}).get("id") or ""


def refuse(services: Services, body: dict, actor: Actor, exc: Exception) -> None:
    tell_privately(services, _channel(body), _clicker(body), explain(exc, services.engine))


def assign(
    services: Services,
    body: dict,
    reference: str,
    actor: Actor,
    assignee: Actor,
    only_if_unassigned: bool,
) -> None:
    """One core call; the core checks the actor may and the assignee is on the team."""
    try:
        view = investigation.assign(
            services.engine,
            reference,
            assignee,
            actor,
            services.now(),
            only_if_unassigned=only_if_unassigned,
        )
    except FAULTS as exc:
        refuse(services, body, actor, exc)
        return
    # The card refresh it queued is drawn from the view the core returned, not read again.
    services.handoff.give(view.card_refresh_id, view)
    services.send_queued()


def perform(services: Services, body: dict, reference: str, actor: Actor, action: str) -> None:
    try:
        investigation.perform(services.engine, reference, action, actor, services.now())
    except FAULTS as exc:
        refuse(services, body, actor, exc)
        return
    services.send_queued()


def open_form(services: Services, body: dict, reference: str, actor: Actor, form: str) -> None:
    """Open the resolve / out-of-scope / follow-up modal, if this person may use it."""
    try:
        case = investigation.form_case(services.engine, reference, form, actor)
    except FAULTS as exc:
        refuse(services, body, actor, exc)
        return
    if form == "resolve":
        view = forms.resolve_modal(
            case.reference,
            payment_case=case.payment_case,
            authority=case.authority,
            category=case.category,
        )
    elif form == "out_of_scope":
        view = forms.out_of_scope_modal(case.reference)
    else:
        view = forms.follow_up_modal(case.reference)
    services.client.views_open(trigger_id=body.get("trigger_id"), view=view)


def _submitted(
    services: Services, ack: Ack, context: BoltContext, view: dict, read, action: str
) -> None:
    actor, reference = context["actor"], context.get(CASE_REFERENCE) or ""
    try:
        details = read(view)
    except forms.FormErrors as exc:
        ack(response_action="errors", errors=exc.errors)
        return
    first_field = next(iter(state.values(view)), "reason")
    try:
        if action == "close":
            investigation.record_follow_up(
                services.engine, reference, actor, services.now(), **details
            )
        else:
            investigation.perform(
                services.engine, reference, action, actor, services.now(), **details
            )
    except ValidationFailed as exc:
        # The core names fields as stored; the form's blocks may be named for people.
        shown = set(state.values(view))
        fields = {BLOCK_FOR.get(k, k): v for k, v in exc.errors.items()}
        fields = {k: v for k, v in fields.items() if k in shown}
        ack(response_action="errors", errors=fields or {first_field: explain(exc)})
        return
    except FAULTS as exc:
        ack(response_action="errors", errors={first_field: explain(exc)})
        return
    ack()
    services.send_queued()


def redraw_resolve_form(services: Services, body: dict, action: dict) -> None:
    """views.update of the open resolve form for the follow-up choice just made. Slack keeps
    what was typed in every input whose block stays; ``hash`` makes a redraw of a form that
    changed meanwhile fail rather than overwrite it."""
    view = body.get("view") or {}
    chosen = (action.get("selected_option") or {}).get("value")
    if view.get("callback_id") != forms.RESOLVE or not view.get("id"):
        return
    shown = {b.get("block_id") for b in view.get("blocks") or () if isinstance(b, dict)}
    redrawn = forms.resolve_modal(
        view.get("private_metadata") or "",
        payment_case="money_released" in shown,
        follow_up=chosen,
    )
    # The sentence naming the case's authority and issue was drawn from the case when the form
    # opened: keep it as it is rather than read the case again.
    drawn = {b.get("block_id"): b for b in view.get("blocks") or () if isinstance(b, dict)}
    if forms.PUBLISHED in drawn:
        redrawn["blocks"] = [
            drawn[forms.PUBLISHED] if b.get("block_id") == forms.PUBLISHED else b
            for b in redrawn["blocks"]
        ]
    try:
        services.client.views_update(view_id=view["id"], hash=view.get("hash"), view=redrawn)
    except Exception as exc:  # a stale hash or a closed form: the submit check still holds
        log.info("complaints.resolve_redraw_failed", error=str(exc)[:200])


def register(app: App, services: Services) -> None:
    @app.action(case_card.ASSIGN_SELF)
    def assign_self(ack: Ack, body: dict, context: BoltContext) -> None:
        ack()
        actor, reference = context["actor"], context.get(CASE_REFERENCE) or ""
        services.after_ack(assign, services, body, reference, actor, actor, True)

    @app.action(case_card.ASSIGN_TO)
    def assign_to(ack: Ack, body: dict, action: dict, context: BoltContext) -> None:
        ack()
        # The menu offers only the team; a card posted before it was a menu has a user picker.
        chosen = (action.get("selected_option") or {}).get("value") or action.get("selected_user")
        chosen = chosen if isinstance(chosen, str) else ""
        # The person picked, as an Actor, so the core checks they are on the team.
        assignee = context["actor"] if chosen == _clicker(body) else None
        reference = context.get(CASE_REFERENCE) or ""
        services.after_ack(
            _assign_to, services, body, reference, context["actor"], assignee, chosen
        )

    @app.action(case_card.DO)
    def do(ack: Ack, body: dict, action: dict, context: BoltContext) -> None:
        ack()
        reference = context.get(CASE_REFERENCE) or ""
        services.after_ack(perform, services, body, reference, context["actor"], _what(action))

    @app.action(case_card.OPEN_FORM)
    def form_button(ack: Ack, body: dict, action: dict, context: BoltContext) -> None:
        ack()
        reference = context.get(CASE_REFERENCE) or ""
        # The trigger_id expires 3 s after the click: open the form before anything else.
        services.after_ack(open_form, services, body, reference, context["actor"], _what(action))

    @app.action({"block_id": "follow_up_plan", "action_id": state.ACTION})
    def follow_up_plan_chosen(ack: Ack, body: dict, action: dict) -> None:
        """The resolve form's follow-up choice: redraw it with the date field, or without."""
        ack()
        services.after_ack(redraw_resolve_form, services, body, action)

    @app.view(forms.RESOLVE)
    def resolved(ack: Ack, view: dict, context: BoltContext) -> None:
        _submitted(
            services,
            ack,
            context,
            view,
            lambda v: forms.read_resolve(v, services.today()),
            "resolve",
        )

    @app.view(forms.OUT_OF_SCOPE)
    def out_of_scope(ack: Ack, view: dict, context: BoltContext) -> None:
        _submitted(services, ack, context, view, forms.read_out_of_scope, "out_of_scope")

    @app.view(forms.FOLLOW_UP)
    def followed_up(ack: Ack, view: dict, context: BoltContext) -> None:
        _submitted(services, ack, context, view, forms.read_follow_up, "close")


def _assign_to(
    services: Services,
    body: dict,
    reference: str,
    actor: Actor,
    assignee: Actor | None,
    chosen: str,
) -> None:
    """The menu's pick: someone else is made an Actor (after the ack: it may ask Slack for the
    team's group) so the core can check they are on the team."""
    if assignee is None:
        try:  # the person picked is looked up (made on first sight) in the database
            assignee = actors.actor_for(services, chosen)
        except FAULTS as exc:
            refuse(services, body, actor, exc)
            return
    assign(services, body, reference, actor, assignee, False)
