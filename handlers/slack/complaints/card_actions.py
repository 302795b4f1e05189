"""Listeners for the triage card's controls and the investigation forms.

Buttons are acknowledged at once and the work runs after the ack. Success changes the case in
the core, which queues the card refresh and notices; a refusal is told to the clicker alone.
"""

from __future__ import annotations

import structlog
from slack_bolt import Ack, App

from bot import permissions
from bot.complaints import catalog, investigation, lifecycle
from bot.complaints.cases import by_reference as case_by_reference
from bot.db import transaction
from bot.errors import DomainError, StoreUnavailable, ValidationFailed
from handlers.slack import view_state as state
from handlers.slack.complaints import case_card, team
from handlers.slack.complaints import investigation_forms as forms
from handlers.slack.complaints.replies import explain, tell_privately
from handlers.slack.services import Services

log = structlog.get_logger("msbot.complaints")

FAULTS = (DomainError, StoreUnavailable)
# The core's field name -> the form block that shows it.
BLOCK_FOR = {"money_released_pence": "money_released"}


def _who(body: dict) -> tuple[str, str | None]:
    user = (body.get("user") or {}).get("id", "")
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id"
    )
    return user, channel


def _split(value: str | None) -> tuple[str, str]:
    ref, _, what = (value or "").partition("|")
    return ref, what


def assign(services: Services, body: dict, reference: str, assignee: str, only_if_unassigned):
    user, channel = _who(body)
    try:
        view = investigation.assign(
            services.engine,
            reference,
            # Someone else: as an Actor, so the core checks they are on the team.
            assignee if assignee == user else team.actor(services, assignee),
            team.actor(services, user),
            services.now(),
            only_if_unassigned=only_if_unassigned,
        )
    except FAULTS as exc:
        tell_privately(services, channel, user, explain(exc))
        return
    # The card refresh it queued is drawn from the view the core returned, not read again.
    services.handoff.give(view.card_refresh_id, view)
    services.send_queued()


def perform(services: Services, body: dict, reference: str, action: str) -> None:
    user, channel = _who(body)
    try:
        investigation.perform(
            services.engine, reference, action, team.actor(services, user), services.now()
        )
    except FAULTS as exc:
        tell_privately(services, channel, user, explain(exc))
        return
    services.send_queued()


def open_form(services: Services, body: dict, reference: str, form: str) -> None:
    """Open the resolve / out-of-scope / follow-up modal, if this person may use it."""
    user, channel = _who(body)
    try:
        actor = team.actor(services, user)
        with transaction(services.engine) as s:
            case = case_by_reference(s, reference)
            early = lifecycle.closes_through_follow_up(case.status, case.follow_up_due)
            if form == "follow_up" and early:
                permissions.require(actor, "follow_up", case)  # recorded early
            else:
                action = "close" if form == "follow_up" else form
                permissions.require(actor, action, case)
                lifecycle.check_move(case, action)
            payment = catalog.is_payment_case(case.category, case.stage)
            reference = case.reference
            kind = catalog.label(catalog.AUTHORITY_KINDS, case.authority_kind)
            authority = f"{case.authority_name}, {kind}"
            category = catalog.label(catalog.CATEGORIES, case.category)
    except FAULTS as exc:
        tell_privately(services, channel, user, explain(exc))
        return
    if form == "resolve":
        view = forms.resolve_modal(
            reference, payment_case=payment, authority=authority, category=category
        )
    elif form == "out_of_scope":
        view = forms.out_of_scope_modal(reference)
    else:
        view = forms.follow_up_modal(reference)
    services.client.views_open(trigger_id=body.get("trigger_id"), view=view)


def _submitted(services: Services, ack: Ack, body: dict, view: dict, read, action: str) -> None:
    user = (body.get("user") or {}).get("id", "")
    reference = view.get("private_metadata") or ""
    try:
        details = read(view)
    except forms.FormErrors as exc:
        ack(response_action="errors", errors=exc.errors)
        return
    first_field = next(iter(state.values(view)), "reason")
    try:
        actor = team.actor(services, user)
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
    def assign_self(ack: Ack, body: dict, action: dict) -> None:
        ack()
        user, _ = _who(body)
        services.after_ack(assign, services, body, action.get("value") or "", user, True)

    @app.action(case_card.ASSIGN_TO)
    def assign_to(ack: Ack, body: dict, action: dict) -> None:
        ack()
        reference = (action.get("block_id") or "").removeprefix("case|")
        # The menu offers only the team; a card posted before it was a menu has a user picker.
        chosen = (action.get("selected_option") or {}).get("value") or action.get("selected_user")
        chosen = chosen if isinstance(chosen, str) else ""
        services.after_ack(assign, services, body, reference, chosen, False)

    @app.action(case_card.DO)
    def do(ack: Ack, body: dict, action: dict) -> None:
        ack()
        reference, move = _split(action.get("value"))
        services.after_ack(perform, services, body, reference, move)

    @app.action(case_card.OPEN_FORM)
    def form_button(ack: Ack, body: dict, action: dict) -> None:
        ack()
        reference, form = _split(action.get("value"))
        # The trigger_id expires 3 s after the click: open the form before anything else.
        services.after_ack(open_form, services, body, reference, form)

    @app.action({"block_id": "follow_up_plan", "action_id": state.ACTION})
    def follow_up_plan_chosen(ack: Ack, body: dict, action: dict) -> None:
        """The resolve form's follow-up choice: redraw it with the date field, or without."""
        ack()
        services.after_ack(redraw_resolve_form, services, body, action)

    @app.view(forms.RESOLVE)
    def resolved(ack: Ack, body: dict, view: dict) -> None:
        _submitted(
            services, ack, body, view, lambda v: forms.read_resolve(v, services.today()), "resolve"
        )

    @app.view(forms.OUT_OF_SCOPE)
    def out_of_scope(ack: Ack, body: dict, view: dict) -> None:
        _submitted(services, ack, body, view, forms.read_out_of_scope, "out_of_scope")

    @app.view(forms.FOLLOW_UP)
    def followed_up(ack: Ack, body: dict, view: dict) -> None:
        _submitted(services, ack, body, view, forms.read_follow_up, "close")
